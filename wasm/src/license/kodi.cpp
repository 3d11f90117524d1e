#include "license/kodi.h"

#include "base/encoding.h"

namespace wee::license {
namespace {

// Splits at `sep`, keeping each field's columns.
std::vector<Located> Split(const Located& text, char sep) {
  std::vector<Located> out;
  size_t pos = 0;
  while (true) {
    size_t next = text.text.find(sep, pos);
    if (next == std::string::npos) {
      out.push_back(text.Sub(pos, std::string::npos));
      return out;
    }
    out.push_back(text.Sub(pos, next - pos));
    pos = next + 1;
  }
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// inputstream.adaptive's BASE64::IsValidBase64: a non-empty multiple of 4 characters of the
// RFC 4648 alphabet, then at most two '=' (no whitespace, no missing padding).
bool IsPaddedBase64(const std::string& s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pads = 0;
  for (char c : s) {
    if (c == '=') {
      ++pads;
    } else if (pads > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) ||
                             c == '+' || c == '/')) {
      return false;
    }
  }
  return pads <= 2;
}

// --- license_key -----------------------------------------------------------------------------

constexpr const char kLicenseKey[] = "license_key";

// Post data field: optional leading '%' (URL-decode it all), optional whole-body wrapper
// b{...} / B{...} (base64 / base64 then URL-encode the result), then the template.
Status ParseKodiBody(const Located& field, Config* c) {
  Located body = field;
  if (body.text[0] == '%') {
    auto decoded = FormDecode(body, kLicenseKey);
    if (!decoded.ok()) return decoded.status();
    body = std::move(decoded).value();
  }
  const std::string& t = body.text;
  if (t.size() >= 2 && (t[0] == 'b' || t[0] == 'B') && t[1] == '{') {
    // "b{SSM}..." is a placeholder with its prefix, "b{{...}}" or "b{<xml>}" a wrapper.
    size_t j = 2;
    while (j < t.size() && (IsUpper(t[j]) || IsDigit(t[j]) || t[j] == '-')) ++j;
    // A known name ("b{SSM", even unclosed) or a whole "b{FOO}" is a placeholder attempt.
    bool placeholder = j > 2 && (IsPlaceholderName(t.substr(2, j - 2)) ||
                                 (j + 1 == t.size() && t[j] == '}'));
    if (!placeholder) {
      if (t.size() < 3 || t.back() != '}') {
        return Malformed(std::string(kLicenseKey) + ": the whole-body wrapper " + t[0] +
                         "{ is not closed by a final '}'" + AtColumn(body.Column(0)));
      }
      c->wrap.push_back(Wrapper::kBase64);
      if (t[0] == 'B') c->wrap.push_back(Wrapper::kUrlEnc);
      body = body.Sub(2, t.size() - 3);
    }
  }
  auto tpl = ParseTemplate(body, Syntax::kKodi, Field::kBody, kLicenseKey);
  if (!tpl.ok()) return tpl.status();
  c->body = std::move(tpl).value();
  return Status::Ok();
}

// Response field: R (or empty), B, J<key>[;<hdcp key>], JB..., BJ..., HB. Brackets around
// the key names ("JB[license;hdcp]", as documentation writes them) are accepted.
Status ParseKodiResponse(const Located& field, Config* c) {
  const std::string& t = field.text;
  Located spec;
  if (t.empty() || t == "R") return Status::Ok();
  if (t == "B") {
    c->unwrap = {Unwrapper::kBase64};
    return Status::Ok();
  }
  if (t == "HB") {
    c->unwrap = {Unwrapper::kHeaderBlock};
    return Status::Ok();
  }
  if (StartsWith(t, "BJ")) {
    c->unwrap = {Unwrapper::kBase64, Unwrapper::kJson};
    spec = field.Sub(2, std::string::npos);
  } else if (StartsWith(t, "JB")) {
    c->unwrap = {Unwrapper::kJson, Unwrapper::kBase64};
    spec = field.Sub(2, std::string::npos);
  } else if (StartsWith(t, "J")) {
    c->unwrap = {Unwrapper::kJson};
    spec = field.Sub(1, std::string::npos);
  } else {
    std::string shown = FindInvalidUtf8(t) == std::string::npos ? t : "?";
    return Malformed(std::string(kLicenseKey) + ": unknown response format '" + shown + "'" +
                     AtColumn(field.Column(0)) + " (R, B, J<key>, JB<key>, BJ<key> or HB)");
  }
  uint32_t spec_column = spec.Column(0);
  if (!spec.text.empty() && spec.text[0] == '[') {
    if (spec.text.back() != ']' || spec.text.size() < 2) {
      return Malformed(std::string(kLicenseKey) + ": unbalanced bracket" + AtColumn(spec_column));
    }
    spec = spec.Sub(1, spec.text.size() - 2);
  }
  std::vector<Located> names = Split(spec, ';');
  if (names.size() > 2) {
    return Malformed(std::string(kLicenseKey) +
                     ": the response takes at most two JSON key names (license;HDCP)" +
                     AtColumn(names[2].Column(0) - 1));
  }
  if (names[0].text.empty()) {
    return Malformed(std::string(kLicenseKey) + ": the JSON response format needs a key name" +
                     AtColumn(spec_column));
  }
  if (names.size() == 2 && names[1].text.empty()) {
    return Malformed(std::string(kLicenseKey) + ": empty HDCP key name" +
                     AtColumn(names[1].Column(0)));
  }
  for (const Located& n : names) {
    if (n.text[0] == '/') {
      return Malformed(std::string(kLicenseKey) + ": a JSON key name cannot start with '/'" +
                       AtColumn(n.Column(0)));
    }
  }
  c->path = names[0].text;
  if (names.size() == 2) c->hdcp_path = names[1].text;
  return Status::Ok();
}

// --- inputstream.adaptive.drm ----------------------------------------------------------------

// A path of unwrapper_params as our Config::path. traverse=true means "key name anywhere";
// otherwise inputstream.adaptive takes a JSON pointer ("a/b" or "/a/b") or an XPath; the
// XPath forms we support are "/a/b" and "//name".
Result<std::string> ConvertIaPath(const std::string& path, bool traverse,
                                  const std::string& where) {
  if (path.empty()) return InvalidArgument(where + ": empty path");
  if (traverse) {
    if (path[0] == '/') {
      return InvalidArgument(where + ": a key name searched anywhere cannot start with '/'");
    }
    return path;
  }
  if (StartsWith(path, "//")) {
    std::string name = path.substr(2);
    if (name.empty() || name.find('/') != std::string::npos) {
      return InvalidArgument(where + ": unsupported XPath '" + path + "' (use /a/b or //name)");
    }
    return name;
  }
  return path[0] == '/' ? path : "/" + path;
}

Result<bool> ParamFlag(const Json& v, const std::string& where) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = ToLower(v.get_ref<const std::string&>());
    if (s == "true" || s == "false") return s == "true";
  }
  return InvalidArgument(where + ": expected true or false");
}

Status ParseIaUnwrapperParams(const Json& params, const std::string& where, Config* c) {
  if (!params.is_object()) return InvalidArgument(where + ": expected an object");
  std::string data, hdcp;
  bool data_traverse = false, hdcp_traverse = false, has_data = false, has_hdcp = false;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    std::string at = where + "." + k;
    if (k == "path_data" || k == "path_hdcp" || k == "path_hdcp_res") {
      if (!v.is_string()) return InvalidArgument(at + ": expected a string");
      bool is_data = k == "path_data";
      if (!is_data && has_hdcp) return InvalidArgument(at + ": the HDCP path is given twice");
      (is_data ? data : hdcp) = v.get_ref<const std::string&>();
      (is_data ? has_data : has_hdcp) = true;
    } else if (k == "path_data_traverse" || k == "path_hdcp_traverse" ||
               k == "path_hdcp_res_traverse") {
      auto flag = ParamFlag(v, at);
      if (!flag.ok()) return flag.status();
      (k == "path_data_traverse" ? data_traverse : hdcp_traverse) = *flag;
    } else if (k == "path_hdcp_ver" || k == "path_hdcp_ver_traverse") {
      // Kodi 22 reads it into a 16-bit HDCP version, but the code doing so is in no source
      // version available; reported rather than guessed (docs/license-templates.md).
      return Unsupported(at + ": the HDCP version path is not supported (path_hdcp, the "
                              "resolution limit, is)");
    } else {
      return InvalidArgument(where + ": unknown parameter '" + k + "'");
    }
  }
  if (has_data) {
    auto p = ConvertIaPath(data, data_traverse, where + ".path_data");
    if (!p.ok()) return p.status();
    c->path = *p;
  }
  if (has_hdcp) {
    auto p = ConvertIaPath(hdcp, hdcp_traverse, where + ".path_hdcp");
    if (!p.ok()) return p.status();
    c->hdcp_path = *p;
  }
  return Status::Ok();
}

// "base64,urlenc" -> list; "none" ends the list as in inputstream.adaptive.
Status ParseIaSteps(const std::string& text, bool response, const std::string& where,
                    Config* c) {
  Located all = Located::At(ToLower(text), 1);
  std::vector<Located> names = Split(all, ',');
  for (size_t i = 0; i < names.size(); ++i) {
    std::string n = names[i].Trimmed().text;
    if (n == "none") {
      if (i + 1 != names.size()) {
        return InvalidArgument(where + ": steps after 'none' would be ignored");
      }
      break;
    }
    if (!response) {
      if (n == "base64") c->wrap.push_back(Wrapper::kBase64);
      else if (n == "urlenc") c->wrap.push_back(Wrapper::kUrlEnc);
      else return InvalidArgument(where + ": unknown wrapper '" + n + "' (base64, urlenc, none)");
    } else {
      if (n == "base64") c->unwrap.push_back(Unwrapper::kBase64);
      else if (n == "json") c->unwrap.push_back(Unwrapper::kJson);
      else if (n == "xml") c->unwrap.push_back(Unwrapper::kXml);
      else if (n == "auto") c->unwrap.push_back(Unwrapper::kAuto);
      else return InvalidArgument(where + ": unknown unwrapper '" + n +
                                  "' (base64, json, xml, auto, none)");
    }
  }
  return Status::Ok();
}

Status ParseKeyPair(const std::string& kid_text, const std::string& key_text,
                    const std::string& where, uint32_t column, Config* c) {
  std::string at = column ? AtColumn(column) : "";
  auto kid = DecodeKeyText(kid_text, "KID", 16);
  if (!kid.ok()) return InvalidArgument(where + ": " + kid.status().message() + at);
  auto key = DecodeKeyText(key_text, "key", 16);
  if (!key.ok()) return InvalidArgument(where + ": " + key.status().message() + at);
  for (const StaticKey& k : c->keys) {
    if (k.kid == *kid) {
      return InvalidArgument(where + ": KID " + HexEncode(*kid) + " is given twice" + at);
    }
  }
  c->keys.push_back({std::move(kid).value(), std::move(key).value()});
  return Status::Ok();
}

Status ParseIaLicense(const Json& lic, const std::string& where, Config* c) {
  if (!lic.is_object()) return InvalidArgument(where + ": expected an object");
  bool get = false;
  bool has_data = false, has_wrapper = false;
  for (auto it = lic.begin(); it != lic.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    std::string at = where + "." + k;
    auto text = [&]() -> Result<std::string> {
      if (!v.is_string()) return InvalidArgument(at + ": expected a string");
      const std::string& s = v.get_ref<const std::string&>();
      if (s.size() > kMaxConfigSize) return LimitExceeded(at + ": too long");
      return s;
    };
    if (k == "server_url") {
      auto s = text();
      if (!s.ok()) return s.status();
      auto t = ParseTemplate(Located::At(*s, 1), Syntax::kCanonical, Field::kUrl, at);
      if (!t.ok()) return t.status();
      c->url = std::move(t).value();
    } else if (k == "req_headers") {
      auto s = text();
      if (!s.ok()) return s.status();
      WEE_RETURN_IF_ERROR(ParseHeaderList(Located::At(*s, 1), at, &c->headers));
    } else if (k == "req_data") {
      auto s = text();
      if (!s.ok()) return s.status();
      if (s->empty()) continue;  // the raw challenge
      has_data = true;
      // inputstream.adaptive (Kodi 22 DRM::CreateDRMConfig) takes req_data of the drm property
      // only when it is base64 as BASE64::IsValidBase64 checks it; anything else is logged and
      // dropped, and the raw challenge is sent. Here it is an error.
      if (!IsPaddedBase64(*s)) {
        return InvalidArgument(at + ": not base64 (the body template must be base64-encoded, "
                                    "with '=' padding; inputstream.adaptive ignores this value "
                                    "and sends the raw challenge)");
      }
      auto decoded = DecodeBase64Text(*s, at);
      if (!decoded.ok()) return decoded.status();
      std::string tpl_text = ByteSpan(decoded.value()).ToString();
      auto t = ParseTemplate(Located::At(tpl_text, 1), Syntax::kCanonical, Field::kBody, at);
      if (!t.ok()) return t.status();
      c->body = std::move(t).value();
    } else if (k == "use_http_get_request") {
      if (!v.is_boolean()) return InvalidArgument(at + ": expected true or false");
      get = v.get<bool>();
    } else if (k == "wrapper" || k == "unwrapper") {
      auto s = text();
      if (!s.ok()) return s.status();
      has_wrapper = has_wrapper || (k == "wrapper" && !s->empty());
      if (!s->empty()) WEE_RETURN_IF_ERROR(ParseIaSteps(*s, k == "unwrapper", at, c));
    } else if (k == "unwrapper_params") {
      WEE_RETURN_IF_ERROR(ParseIaUnwrapperParams(v, at, c));
    } else if (k == "keyids") {
      if (!v.is_object()) return InvalidArgument(at + ": expected an object of KID: key");
      for (auto kv = v.begin(); kv != v.end(); ++kv) {
        if (!kv.value().is_string()) return InvalidArgument(at + ": expected KID: key strings");
        WEE_RETURN_IF_ERROR(
            ParseKeyPair(kv.key(), kv.value().get_ref<const std::string&>(), at, 0, c));
      }
    } else if (k == "server_certificate") {
      if (!v.is_string()) return InvalidArgument(at + ": expected a string");
      // The certificate is for the CDM (setServerCertificate), not for the exchange.
    } else if (k == "req_params") {
      // Parsed by Kodi 22, but how it is added to a license URL is in no source version
      // available (for HLS AES-128 keys it is appended to the key URL); not guessed.
      return Unsupported(at + " is not supported for license requests (put the parameters in "
                              "server_url)");
    } else {
      return InvalidArgument(where + ": unknown member '" + k + "'");
    }
  }
  if (get) {
    if (has_data) return InvalidArgument(where + ": req_data is not sent by a GET request");
    if (has_wrapper) return InvalidArgument(where + ": a GET request has no body to wrap");
    c->method = Method::kGet;
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownKeySystem(const std::string& name) {
  auto family = [&](const char* base) {
    return name == base || StartsWith(name, (std::string(base) + ".").c_str());
  };
  return name == "org.w3.clearkey" || name == "com.widevine.alpha" ||
         name == "com.huawei.wiseplay" || family("com.microsoft.playready") ||
         family("com.apple.fps");
}

Result<Config> ParseLicenseKey(const std::string& text) {
  if (text.size() > kMaxConfigSize) {
    return LimitExceeded(std::string(kLicenseKey) + ": " + std::to_string(text.size()) +
                         " bytes exceeds " + std::to_string(kMaxConfigSize));
  }
  std::vector<Located> fields = Split(Located::At(text, 1), '|');
  if (fields.size() > 4) {
    return Malformed(std::string(kLicenseKey) + ": " + std::to_string(fields.size()) +
                     " fields; at most 4 ([URL]|[headers]|[post data]|[response]), extra '|'" +
                     AtColumn(fields[4].Column(0) - 1));
  }
  Config c;
  auto url = ParseTemplate(fields[0], Syntax::kKodi, Field::kUrl, kLicenseKey);
  if (!url.ok()) return url.status();
  c.url = std::move(url).value();
  if (fields.size() > 1) WEE_RETURN_IF_ERROR(ParseHeaderList(fields[1], kLicenseKey, &c.headers));
  if (fields.size() > 2) {
    // An empty post data field means a GET request (no field at all: POST the challenge).
    if (fields[2].text.empty()) c.method = Method::kGet;
    else WEE_RETURN_IF_ERROR(ParseKodiBody(fields[2], &c));
  }
  if (fields.size() > 3) WEE_RETURN_IF_ERROR(ParseKodiResponse(fields[3], &c));
  WEE_RETURN_IF_ERROR(ValidateConfig(c, kLicenseKey));
  return c;
}

Result<Config> ParseDrmLegacy(const std::string& text) {
  const std::string where = "drm_legacy";
  if (text.size() > kMaxConfigSize) return LimitExceeded(where + ": too long");
  std::vector<Located> fields = Split(Located::At(text, 1), '|');
  if (fields.size() > 3) {
    return Malformed(where + ": " + std::to_string(fields.size()) +
                     " fields; at most 3 ([key system]|[URL or KID:key list]|[headers])" +
                     AtColumn(fields[3].Column(0) - 1));
  }
  Config c;
  Located ks = fields[0].Trimmed();
  if (!IsKnownKeySystem(ks.text)) {
    std::string shown = FindInvalidUtf8(ks.text) == std::string::npos ? ks.text : "?";
    return InvalidArgument(where + ": unknown key system '" + shown + "'" + AtColumn(ks.Column(0)));
  }
  c.key_system = ks.text;
  if (fields.size() > 1) {
    Located second = fields[1].Trimmed();
    if (second.text.find("://") != std::string::npos || StartsWith(second.text, "data:")) {
      auto url = ParseTemplate(second, Syntax::kCanonical, Field::kUrl, where);
      if (!url.ok()) return url.status();
      c.url = std::move(url).value();
    } else if (!second.text.empty()) {
      if (c.key_system != "org.w3.clearkey") {
        return InvalidArgument(where + ": KID:key pairs need the key system org.w3.clearkey" +
                               AtColumn(second.Column(0)));
      }
      for (const Located& pair : Split(second, ',')) {
        Located p = pair.Trimmed();
        std::vector<Located> parts = Split(p, ':');
        if (parts.size() != 2) {
          return InvalidArgument(where + ": expected KID:key" + AtColumn(p.Column(0)));
        }
        WEE_RETURN_IF_ERROR(ParseKeyPair(parts[0].Trimmed().text, parts[1].Trimmed().text, where,
                                         p.Column(0), &c));
      }
    }
  }
  if (fields.size() > 2) {
    WEE_RETURN_IF_ERROR(ParseHeaderList(fields[2].Trimmed(), where, &c.headers));
  }
  WEE_RETURN_IF_ERROR(ValidateConfig(c, where));
  return c;
}

Result<Config> ParseKodiDrmJson(const Json& doc, const std::string& key_system) {
  if (!doc.is_object() || doc.empty()) {
    return InvalidArgument("drm: expected an object of key systems");
  }
  std::string names;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    names += (names.empty() ? "" : ", ") + it.key();
  }
  const Json* entry = nullptr;
  std::string ks;
  if (key_system.empty()) {
    if (doc.size() != 1) {
      return InvalidArgument("drm: configures several key systems (" + names +
                             "); say which one to use");
    }
    ks = doc.begin().key();
    entry = &doc.begin().value();
  } else {
    auto it = doc.find(key_system);
    if (it == doc.end()) {
      return Status(Code::kNotFound, "drm: no configuration for " + key_system + " (has " +
                                         names + ")");
    }
    ks = key_system;
    entry = &*it;
  }
  const std::string where = "drm." + ks;
  if (!IsKnownKeySystem(ks)) return InvalidArgument("drm: unknown key system '" + ks + "'");
  if (!entry->is_object()) return InvalidArgument(where + ": expected an object");
  Config c;
  c.key_system = ks;
  // Members about the CDM, not the license exchange.
  static const char* kOther[] = {"persistent_storage", "secure_decoder", "force_secure_decoder",
                                 "secure_decoder_disabled", "init_data", "pre_init_data",
                                 "priority", "optional_key_req_params", "force_single_session",
                                 "streams_pssh_data"};
  for (auto it = entry->begin(); it != entry->end(); ++it) {
    if (it.key() == "license") {
      WEE_RETURN_IF_ERROR(ParseIaLicense(it.value(), where + ".license", &c));
      continue;
    }
    bool other = false;
    for (const char* o : kOther) other = other || it.key() == o;
    if (!other) return InvalidArgument(where + ": unknown member '" + it.key() + "'");
  }
  WEE_RETURN_IF_ERROR(ValidateConfig(c, where));
  return c;
}

}  // namespace wee::license
