#include "license/exchange.h"

#include "base/encoding.h"
#include "license/json_path.h"
#include "license/kodi.h"
#include "license/xml_path.h"

namespace wee::license {
namespace {

bool IsOurMember(const std::string& key) {
  for (const char* m :
       {"keySystem", "url", "method", "headers", "body", "wrap", "response", "keys"}) {
    if (key == m) return true;
  }
  return false;
}

// "com.widevine.alpha", "org.w3.clearkey": reverse-DNS words, no scheme or path.
bool LooksLikeKeySystem(const std::string& s) {
  if (s.empty() || s.find('.') == std::string::npos) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '-')) return false;
  return s.front() != '.' && s.back() != '.';
}

std::string Trim(const std::string& s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// inputstream.adaptive's "auto": the steps a Content-Type implies (HelperWv WvUnwrapLicense),
// comparing the media type only, so "application/json; charset=utf-8" is JSON too.
std::vector<Unwrapper> AutoSteps(const std::string& media_type, const std::string& data,
                                 bool* xml_may_fail) {
  if (media_type == "application/octet-stream") return {};
  if (media_type == "application/json") {
    if (LooksLikeBase64(data)) return {Unwrapper::kBase64, Unwrapper::kJson};
    return {Unwrapper::kJson};
  }
  if (media_type == "application/xml" || media_type == "text/xml") return {Unwrapper::kXml};
  if (media_type == "text/plain") {
    *xml_may_fail = true;  // some servers label XML text/plain, others binary
    return {Unwrapper::kXml};
  }
  if (LooksLikeBase64(data)) return {Unwrapper::kBase64};
  return {};
}

}  // namespace

Result<Config> ParseAnyConfig(const std::string& text, const std::string& key_system) {
  if (text.size() > kMaxConfigSize) {
    return LimitExceeded("config: " + std::to_string(text.size()) + " bytes exceeds " +
                         std::to_string(kMaxConfigSize));
  }
  std::string trimmed = Trim(text);
  if (!trimmed.empty() && trimmed[0] == '{') {
    auto doc = ParseJson(text, "config");
    if (!doc.ok()) return doc.status();
    if (!doc->empty() && !IsOurMember(doc->begin().key()) &&
        doc->begin().key().find('.') != std::string::npos) {
      return ParseKodiDrmJson(*doc, key_system);
    }
    return ParseJsonConfig(text);
  }
  std::string first = Trim(text.substr(0, text.find('|')));
  if (LooksLikeKeySystem(first)) return ParseDrmLegacy(text);
  return ParseLicenseKey(text);
}

Result<HttpRequest> WrapRequest(const Config& config, const RequestValues& values,
                                const std::string& default_url) {
  const std::string where = "request";
  HttpRequest r;
  if (config.url.empty()) {
    if (default_url.empty()) {
      return InvalidArgument(where + ": no license URL (the configuration has none and none "
                                     "was passed)");
    }
    for (char c : default_url) {
      if (uint8_t(c) <= 0x20 || uint8_t(c) >= 0x7f) {
        return InvalidArgument(where + ": the license URL passed has a space, control or "
                                       "non-ASCII byte");
      }
    }
    r.url = default_url;
  } else {
    auto url = RenderTemplate(config.url, values, where);
    if (!url.ok()) return url.status();
    r.url = ByteSpan(url.value()).ToString();
  }
  r.method = config.method;
  r.headers = config.headers;
  if (config.method == Method::kPost) {
    Bytes body;
    if (config.body) {
      auto rendered = RenderTemplate(*config.body, values, where);
      if (!rendered.ok()) return rendered.status();
      body = std::move(rendered).value();
    } else {
      body = values.challenge.ToBytes();
    }
    for (Wrapper w : config.wrap) {
      // Each step grows the body by at most 3x; the first already fits kMaxRenderedSize.
      if (body.size() > kMaxRenderedSize) return LimitExceeded(where + ": body too large");
      std::string text = w == Wrapper::kBase64 ? Base64Encode(body) : UrlEncode(body);
      body.assign(text.begin(), text.end());
    }
    r.body = std::move(body);
  }
  return r;
}

Result<License> UnwrapResponse(const Config& config, ByteSpan body,
                               const std::string& content_type, bool certificate_request) {
  if (body.size > kMaxResponseSize) {
    return LimitExceeded("response: " + std::to_string(body.size) + " bytes exceeds the limit of " +
                         std::to_string(kMaxResponseSize));
  }
  std::string media_type = MediaType(content_type);
  std::string data = body.ToString();
  License out;
  std::vector<Unwrapper> steps = config.unwrap;
  if (certificate_request && media_type == "application/octet-stream") steps.clear();
  bool is_auto = steps.size() == 1 && steps[0] == Unwrapper::kAuto;
  bool xml_may_fail = false;
  if (is_auto) steps = AutoSteps(media_type, data, &xml_may_fail);

  std::string what = "response";
  for (size_t i = 0; i < steps.size(); ++i) {
    switch (steps[i]) {
      case Unwrapper::kBase64: {
        auto decoded = DecodeBase64Text(data, what);
        if (!decoded.ok()) return decoded.status();
        data = ByteSpan(decoded.value()).ToString();
        break;
      }
      case Unwrapper::kJson: {
        if (config.path.empty()) {
          return InvalidArgument("response: the " + media_type +
                                 " answer needs a response path, and none is configured");
        }
        auto doc = ParseJson(data, "response");
        if (!doc.ok()) return doc.status();
        auto value = FindJsonValue(*doc, config.path, "response");
        if (!value.ok()) return value.status();
        if (!(*value)->is_string()) {
          return Malformed("response: JSON path '" + config.path +
                           "' holds a number, not a string");
        }
        if (!config.hdcp_path.empty()) {
          // A missing HDCP value is not an error (inputstream.adaptive only logs it).
          auto hdcp = FindJsonValue(*doc, config.hdcp_path, "response");
          if (hdcp.ok()) out.hdcp = JsonScalarText(**hdcp);
        }
        data = (*value)->get_ref<const std::string&>();
        what = "response: JSON value at '" + config.path + "'";
        if (is_auto && LooksLikeBase64(data)) steps.push_back(Unwrapper::kBase64);
        break;
      }
      case Unwrapper::kXml: {
        if (config.path.empty()) {
          return InvalidArgument("response: the " + media_type +
                                 " answer needs a response path, and none is configured");
        }
        auto text = FindXmlText(data, config.path, "response");
        if (!text.ok()) {
          if (xml_may_fail && text.status().code() == Code::kMalformed) break;  // binary
          return text.status();
        }
        data = std::move(text).value();
        what = "response: XML text at '" + config.path + "'";
        if (is_auto && LooksLikeBase64(data)) steps.push_back(Unwrapper::kBase64);
        break;
      }
      case Unwrapper::kHeaderBlock: {
        size_t end = data.find("\r\n\r\n");
        if (end == std::string::npos) {
          return Malformed("response: no blank line (CRLF CRLF) ends a header block");
        }
        data.erase(0, end + 4);
        break;
      }
      case Unwrapper::kAuto:
        return InvalidArgument("response: auto must be the only unwrapper");
    }
  }
  if (data.empty()) return Malformed(what + ": the license is empty");
  out.license.assign(data.begin(), data.end());
  return out;
}

std::string RequestToJson(const HttpRequest& r) {
  Json out = Json::object();
  out["url"] = r.url;
  out["method"] = r.method == Method::kGet ? "GET" : "POST";
  Json headers = Json::object();
  for (const Header& h : r.headers) headers[h.name] = h.value;
  out["headers"] = std::move(headers);
  out["body"] = r.body ? Json(Base64Encode(*r.body)) : Json(nullptr);
  return DumpJson(out);
}

std::string LicenseToJson(const License& l) {
  Json out = Json::object();
  out["license"] = Base64Encode(l.license);
  out["hdcp"] = l.hdcp ? Json(*l.hdcp) : Json(nullptr);
  return DumpJson(out);
}

}  // namespace wee::license
