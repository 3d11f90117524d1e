// Shared helpers of the license tests: parse any form, wrap with fixed values, print the
// request in a compact text form that the expectations spell out byte for byte.
#pragma once

#include <string>

#include "base/encoding.h"
#include "license/exchange.h"
#include "test_util.h"

namespace wee::license::test_util {

// Challenge fb ff: base64 "+/8=", so URL encoding of the base64 is visible.
inline const Bytes& Challenge() {
  static const Bytes b = wee::test::Hex("fbff");
  return b;
}
inline const Bytes& Kid() {
  static const Bytes b = wee::test::Hex("00112233445566778899aabbccddeeff");
  return b;
}
inline const Bytes& Pssh() {
  static const Bytes b = wee::test::Hex("0001feff");
  return b;
}

inline RequestValues Values(const Bytes& challenge = Challenge()) {
  RequestValues v;
  v.challenge = challenge;
  v.session_id = "sess/1+?";
  v.kid = Kid();
  v.pssh = Pssh();
  return v;
}

// "POST <url>\n<Name>: <value>\n...\n\n<body>" (GET: no body part).
inline std::string Show(const HttpRequest& r) {
  std::string out = (r.method == Method::kGet ? "GET " : "POST ") + r.url + "\n";
  for (const Header& h : r.headers) out += h.name + ": " + h.value + "\n";
  if (r.body) out += "\n" + ByteSpan(*r.body).ToString();
  return out;
}

inline std::string Request(const std::string& config, const std::string& default_url = "",
                           const RequestValues& v = Values()) {
  auto c = ParseAnyConfig(config, "");
  if (!c.ok()) return "ERROR " + c.status().message();
  auto r = WrapRequest(*c, v, default_url);
  if (!r.ok()) return "ERROR " + r.status().message();
  return Show(*r);
}

inline std::string ConfigJson(const std::string& config, const std::string& key_system = "") {
  auto c = ParseAnyConfig(config, key_system);
  return c.ok() ? ConfigToJson(*c) : "ERROR " + c.status().message();
}

inline std::string Error(const std::string& config, const std::string& key_system = "") {
  auto c = ParseAnyConfig(config, key_system);
  return c.ok() ? "no error" : c.status().message();
}

// License bytes as text, or "ERROR ..."; hdcp appended as " hdcp=<v>" when present.
inline std::string Unwrap(const std::string& config, const std::string& body,
                          const std::string& content_type = "", bool cert = false) {
  auto c = ParseAnyConfig(config, "");
  if (!c.ok()) return "CONFIG ERROR " + c.status().message();
  auto l = UnwrapResponse(*c, ByteSpan(body), content_type, cert);
  if (!l.ok()) return "ERROR " + l.status().message();
  std::string out = ByteSpan(l->license).ToString();
  if (l->hdcp) out += " hdcp=" + *l->hdcp;
  return out;
}

}  // namespace wee::license::test_util
