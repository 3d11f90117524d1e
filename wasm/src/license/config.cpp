#include "license/config.h"

#include "base/encoding.h"
#include "license/json_path.h"

namespace wee::license {
namespace {

// JSON member names of the configuration object (docs/license-templates.md).
constexpr const char kKeySystem[] = "keySystem";
constexpr const char kUrl[] = "url";
constexpr const char kMethod[] = "method";
constexpr const char kHeaders[] = "headers";
constexpr const char kBody[] = "body";
constexpr const char kWrap[] = "wrap";
constexpr const char kResponse[] = "response";
constexpr const char kUnwrap[] = "unwrap";
constexpr const char kPath[] = "path";
constexpr const char kHdcpPath[] = "hdcpPath";
constexpr const char kKeys[] = "keys";

bool IsTokenChar(char c) {
  // RFC 7230 section 3.2.6 tchar.
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) ||
         std::string("!#$%&'*+-.^_`|~").find(c) != std::string::npos;
}

bool SameHeaderName(const std::string& a, const std::string& b) { return ToLower(a) == ToLower(b); }

Status TypeError(const std::string& member, const char* expected) {
  return InvalidArgument("config." + member + ": expected " + expected);
}

Status CheckUtf8(const std::string& text, const std::string& where) {
  size_t bad = FindInvalidUtf8(text);
  if (bad == std::string::npos) return Status::Ok();
  return Malformed(where + ": not valid UTF-8 at byte " + std::to_string(bad));
}

Result<Template> ParseJsonTemplate(const Json& value, const std::string& member, Field field) {
  if (!value.is_string()) return TypeError(member, "a string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() > kMaxConfigSize) return LimitExceeded("config." + member + ": too long");
  return ParseTemplate(Located::At(text, 1), Syntax::kCanonical, field, "config." + member);
}

Status ParseResponse(const Json& response, Config* config) {
  if (!response.is_object()) return TypeError(kResponse, "an object");
  for (auto it = response.begin(); it != response.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == kUnwrap) {
      if (!v.is_array()) return TypeError("response.unwrap", "an array of strings");
      for (const Json& step : v) {
        if (!step.is_string()) return TypeError("response.unwrap", "an array of strings");
        const std::string& name = step.get_ref<const std::string&>();
        bool found = false;
        for (Unwrapper u : {Unwrapper::kBase64, Unwrapper::kJson, Unwrapper::kXml,
                            Unwrapper::kHeaderBlock, Unwrapper::kAuto}) {
          if (name == UnwrapperName(u)) {
            config->unwrap.push_back(u);
            found = true;
          }
        }
        if (!found) {
          return InvalidArgument("config.response.unwrap: unknown unwrapper '" + name +
                                 "' (base64, json, xml, headerblock, auto)");
        }
      }
    } else if (key == kPath || key == kHdcpPath) {
      if (!v.is_string()) return TypeError("response." + key, "a string");
      (key == kPath ? config->path : config->hdcp_path) = v.get_ref<const std::string&>();
    } else {
      return InvalidArgument("config.response: unknown member '" + key + "'");
    }
  }
  return Status::Ok();
}

Status ParseKeys(const Json& keys, Config* config) {
  if (!keys.is_object()) return TypeError(kKeys, "an object of KID: key strings");
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (!it.value().is_string()) return TypeError(kKeys, "an object of KID: key strings");
    auto kid = DecodeKeyText(it.key(), "KID", 16);
    if (!kid.ok()) return Status(kid.status()).Within("config.keys");
    auto key = DecodeKeyText(it.value().get_ref<const std::string&>(), "key", 16);
    if (!key.ok()) return Status(key.status()).Within("config.keys[" + it.key() + "]");
    for (const StaticKey& k : config->keys) {
      if (k.kid == *kid) {
        return InvalidArgument("config.keys: KID " + HexEncode(*kid) + " is given twice");
      }
    }
    config->keys.push_back({std::move(kid).value(), std::move(key).value()});
  }
  return Status::Ok();
}

}  // namespace

const char* WrapperName(Wrapper w) { return w == Wrapper::kBase64 ? "base64" : "urlenc"; }

const char* UnwrapperName(Unwrapper u) {
  switch (u) {
    case Unwrapper::kBase64: return "base64";
    case Unwrapper::kJson: return "json";
    case Unwrapper::kXml: return "xml";
    case Unwrapper::kHeaderBlock: return "headerblock";
    case Unwrapper::kAuto: return "auto";
  }
  return "?";
}

Status CheckHeader(const Header& h, const std::vector<Header>& earlier, const std::string& where,
                   uint32_t column) {
  std::string at = column ? AtColumn(column) : "";
  if (h.name.empty()) return Malformed(where + ": empty header name" + at);
  for (char c : h.name) {
    if (!IsTokenChar(c)) {
      std::string shown = FindInvalidUtf8(h.name) == std::string::npos ? h.name : "?";
      return Malformed(where + ": invalid header name '" + shown + "'" + at);
    }
  }
  for (char c : h.value) {
    if ((c < 0x20 && c != '\t') || uint8_t(c) >= 0x7f) {
      return Malformed(where + ": value of header '" + h.name +
                       "' has a control or non-ASCII byte" + at);
    }
  }
  for (const Header& e : earlier) {
    if (SameHeaderName(e.name, h.name)) {
      return Malformed(where + ": header '" + h.name + "' is given twice" + at);
    }
  }
  return Status::Ok();
}

Status ParseHeaderList(const Located& text, const std::string& where, std::vector<Header>* out) {
  std::vector<Header> seen = *out;  // every name given, with or without a value
  size_t pos = 0;
  while (pos <= text.text.size()) {
    size_t amp = text.text.find('&', pos);
    if (amp == std::string::npos) amp = text.text.size();
    Located segment = text.Sub(pos, amp - pos);
    pos = amp + 1;
    if (segment.Trimmed().text.empty()) continue;  // "a=1&&b=2", a trailing '&'
    size_t eq = segment.text.find('=');
    Located name = segment.Sub(0, eq).Trimmed();
    if (eq == std::string::npos) {
      return Malformed(where + ": header '" + name.text + "' has no value (name=value)" +
                       AtColumn(segment.Trimmed().Column(0)));
    }
    Located raw_value = segment.Sub(eq + 1, std::string::npos).Trimmed();
    auto value = FormDecode(raw_value, where);
    if (!value.ok()) return value.status();
    Header h{name.text, value->text};
    uint32_t column = segment.Trimmed().Column(0);
    // Point at the offending byte of the value when there is one.
    for (size_t i = 0; i < h.value.size(); ++i) {
      char c = h.value[i];
      if ((c < 0x20 && c != '\t') || uint8_t(c) >= 0x7f) {
        column = value->Column(i);
        break;
      }
    }
    WEE_RETURN_IF_ERROR(CheckHeader(h, seen, where, column));
    seen.push_back(h);
    // Kodi hands "Name: " to curl, which sends no header with a blank value (and drops its own
    // default of that name): "Content-Type=" means "no Content-Type".
    if (!h.value.empty()) out->push_back(std::move(h));
  }
  return Status::Ok();
}

Status ValidateConfig(const Config& c, const std::string& where) {
  if (!c.url.empty()) {
    const Piece& first = c.url.pieces.front();
    std::string start = first.is_value ? "" : ToLower(first.literal.substr(0, 8));
    if (start.compare(0, 7, "http://") != 0 && start.compare(0, 8, "https://") != 0 &&
        start.compare(0, 5, "data:") != 0) {
      return Malformed(where + ": the URL must start with http://, https:// or data:");
    }
  }
  if (c.method == Method::kGet && c.body) {
    return InvalidArgument(where + ": a GET request has no body");
  }
  if (c.method == Method::kGet && !c.wrap.empty()) {
    return InvalidArgument(where + ": a GET request has no body to wrap");
  }
  if (c.body) {
    for (const Piece& p : c.body->pieces) {
      if (!p.is_value) WEE_RETURN_IF_ERROR(CheckUtf8(p.literal, where + ": body"));
    }
  }
  int documents = 0;
  bool has_auto = false, has_json = false;
  for (Unwrapper u : c.unwrap) {
    if (u == Unwrapper::kJson || u == Unwrapper::kXml) ++documents;
    has_json = has_json || u == Unwrapper::kJson;
    has_auto = has_auto || u == Unwrapper::kAuto;
  }
  if (has_auto && c.unwrap.size() != 1) {
    return InvalidArgument(where + ": the auto unwrapper must be the only one");
  }
  if (documents > 1) return InvalidArgument(where + ": only one json or xml unwrapper");
  if (documents == 1 && c.path.empty()) {
    return InvalidArgument(where + ": the json/xml unwrapper needs a path");
  }
  if (!c.path.empty() && documents == 0 && !has_auto) {
    return InvalidArgument(where + ": a response path is set but no json/xml unwrapper uses it");
  }
  if (!c.hdcp_path.empty() && !has_json && !has_auto) {
    return InvalidArgument(where + ": an HDCP path needs the json unwrapper");
  }
  WEE_RETURN_IF_ERROR(CheckUtf8(c.path, where + ": response path"));
  WEE_RETURN_IF_ERROR(CheckUtf8(c.hdcp_path, where + ": HDCP path"));
  WEE_RETURN_IF_ERROR(CheckUtf8(c.key_system, where + ": key system"));
  for (const StaticKey& k : c.keys) {
    if (k.kid.size() != 16 || k.key.size() != 16) {
      return InvalidArgument(where + ": keys must be 16 bytes");
    }
  }
  return Status::Ok();
}

Result<Config> ParseJsonConfig(const std::string& json_text) {
  if (json_text.size() > kMaxConfigSize) {
    return LimitExceeded("config: " + std::to_string(json_text.size()) + " bytes exceeds " +
                         std::to_string(kMaxConfigSize));
  }
  auto doc = ParseJson(json_text, "config");
  if (!doc.ok()) return doc.status();
  if (!doc->is_object()) return InvalidArgument("config: expected a JSON object");
  Config config;
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == kKeySystem) {
      if (!v.is_string()) return TypeError(key, "a string");
      config.key_system = v.get_ref<const std::string&>();
    } else if (key == kUrl) {
      auto t = ParseJsonTemplate(v, key, Field::kUrl);
      if (!t.ok()) return t.status();
      config.url = std::move(t).value();
    } else if (key == kMethod) {
      std::string m = v.is_string() ? v.get_ref<const std::string&>() : "";
      if (m != "GET" && m != "POST") return TypeError(key, "\"GET\" or \"POST\"");
      config.method = m == "GET" ? Method::kGet : Method::kPost;
    } else if (key == kHeaders) {
      if (!v.is_object()) return TypeError(key, "an object of strings");
      for (auto h = v.begin(); h != v.end(); ++h) {
        if (!h.value().is_string()) return TypeError(key, "an object of strings");
        Header header{h.key(), h.value().get_ref<const std::string&>()};
        WEE_RETURN_IF_ERROR(CheckHeader(header, config.headers, "config.headers", 0));
        config.headers.push_back(std::move(header));
      }
    } else if (key == kBody) {
      auto t = ParseJsonTemplate(v, key, Field::kBody);
      if (!t.ok()) return t.status();
      config.body = std::move(t).value();
    } else if (key == kWrap) {
      if (!v.is_array()) return TypeError(key, "an array of strings");
      for (const Json& w : v) {
        std::string name = w.is_string() ? w.get_ref<const std::string&>() : "";
        if (name != "base64" && name != "urlenc") {
          return InvalidArgument("config.wrap: unknown wrapper '" + name + "' (base64, urlenc)");
        }
        config.wrap.push_back(name == "base64" ? Wrapper::kBase64 : Wrapper::kUrlEnc);
      }
    } else if (key == kResponse) {
      WEE_RETURN_IF_ERROR(ParseResponse(v, &config));
    } else if (key == kKeys) {
      WEE_RETURN_IF_ERROR(ParseKeys(v, &config));
    } else {
      return InvalidArgument("config: unknown member '" + key + "'");
    }
  }
  WEE_RETURN_IF_ERROR(ValidateConfig(config, "config"));
  return config;
}

std::string ConfigToJson(const Config& c) {
  Json out = Json::object();
  if (!c.key_system.empty()) out[kKeySystem] = c.key_system;
  if (!c.url.empty()) out[kUrl] = TemplateText(c.url);
  out[kMethod] = c.method == Method::kGet ? "GET" : "POST";
  if (!c.headers.empty()) {
    Json headers = Json::object();
    for (const Header& h : c.headers) headers[h.name] = h.value;
    out[kHeaders] = std::move(headers);
  }
  if (c.body) out[kBody] = TemplateText(*c.body);
  if (!c.wrap.empty()) {
    Json wrap = Json::array();
    for (Wrapper w : c.wrap) wrap.push_back(WrapperName(w));
    out[kWrap] = std::move(wrap);
  }
  Json response = Json::object();
  Json unwrap = Json::array();
  for (Unwrapper u : c.unwrap) unwrap.push_back(UnwrapperName(u));
  response[kUnwrap] = std::move(unwrap);
  if (!c.path.empty()) response[kPath] = c.path;
  if (!c.hdcp_path.empty()) response[kHdcpPath] = c.hdcp_path;
  out[kResponse] = std::move(response);
  if (!c.keys.empty()) {
    Json keys = Json::object();
    for (const StaticKey& k : c.keys) keys[HexEncode(k.kid)] = HexEncode(k.key);
    out[kKeys] = std::move(keys);
  }
  return DumpJson(out);
}

}  // namespace wee::license
