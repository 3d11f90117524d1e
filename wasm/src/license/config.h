// The license exchange configuration: what every accepted form (Kodi license_key, the
// inputstream.adaptive.drm JSON, drm_legacy, our JSON object) is parsed into, and its JSON
// form (docs/license-templates.md describes it; ConfigToJson/ParseJsonConfig round-trip).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "license/template.h"

namespace wee::license {

enum class Method { kPost, kGet };

// Applied to the request body after substitution, in order.
enum class Wrapper { kBase64, kUrlEnc };

// Applied to the response, in order, to get the license bytes.
enum class Unwrapper {
  kBase64,       // decode base64 (whitespace tolerated)
  kJson,         // take the string at `path` of a JSON document
  kXml,          // take the text of the element at `path` of an XML document
  kHeaderBlock,  // drop an HTTP-like header block ending with CRLF CRLF (Kodi "HB")
  kAuto,         // choose from the Content-Type, as inputstream.adaptive's "auto"
};

const char* WrapperName(Wrapper w);
const char* UnwrapperName(Unwrapper u);

struct Header {
  std::string name;
  std::string value;
};

struct StaticKey {
  Bytes kid;  // 16 bytes
  Bytes key;  // 16 bytes
};

struct Config {
  std::string key_system;  // optional, informational
  Template url;            // empty: the URL the player passes (manifest / player config)
  Method method = Method::kPost;
  std::vector<Header> headers;
  std::optional<Template> body;  // POST without a body template sends the raw challenge
  std::vector<Wrapper> wrap;
  std::vector<Unwrapper> unwrap;  // empty: the response is the license
  // Where json/xml unwrappers look: "/a/b" is a path from the document root (a JSON pointer,
  // RFC 6901, or nested element names); any other text is a key (element) name searched
  // anywhere in the document, as inputstream.adaptive's license_key J[...] does.
  std::string path;
  std::string hdcp_path;  // JSON only; empty: none
  std::vector<StaticKey> keys;  // Clear Key keys known in advance (drm_legacy kid:key list)
};

// Limits on configuration text (a template is typed by a human).
constexpr size_t kMaxConfigSize = 64 * 1024;

// The JSON configuration object (strict: unknown members and wrong types are errors).
Result<Config> ParseJsonConfig(const std::string& json_text);

// The canonical JSON text of a configuration (compact, members in a fixed order).
std::string ConfigToJson(const Config& config);

// Checks rules shared by all forms (a GET has no body, json/xml steps need a path, ...).
Status ValidateConfig(const Config& config, const std::string& where);

// inputstream.adaptive header list "k=v&k2=v2": names trimmed, values trimmed then form
// decoded; a header name must be an RFC 7230 token and a value printable ASCII (a decoded
// CR or LF would inject headers). A header whose value is empty is not sent (Kodi passes it
// to curl as "Name: ", which curl never sends), so it is not added to `out`.
Status ParseHeaderList(const Located& text, const std::string& where, std::vector<Header>* out);
// Validates one header (used by the JSON form too); `column` 0 = no column in messages.
Status CheckHeader(const Header& header, const std::vector<Header>& earlier,
                   const std::string& where, uint32_t column);

}  // namespace wee::license
