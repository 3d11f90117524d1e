// Request templates: text with placeholders for the values of one license request.
//
// The canonical placeholders are inputstream.adaptive's newer ones ({CHA-B64}, {KID-UUID},
// ...). The Kodi license_key syntax (B{SSM}, {HASH}, R{KID}, ...) is parsed into the same
// pieces, so every form of configuration renders through one function.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "license/text.h"

namespace wee::license {

enum class Value : uint8_t {
  kChallengeRaw,     // {CHA-RAW}   R{SSM}
  kChallengeB64,     // {CHA-B64}   b{SSM}
  kChallengeB64Url,  // {CHA-B64U}  B{SSM}: base64, then URL-encoded (not base64url)
  kChallengeDec,     // {CHA-DEC}   D{SSM}: "8,4,..."
  kChallengeMd5,     // {CHA-MD5}   {HASH}: lowercase hex MD5 of the challenge
  kSessionRaw,       // {SID-RAW}   R{SID}
  kSessionB64,       // {SID-B64}   b{SID}
  kSessionB64Url,    // {SID-B64U}  B{SID}
  kKidUuid,          // {KID-UUID}  R{KID} or {KID}: 8-4-4-4-12 lowercase hex
  kKidHex,           // {KID-HEX}   H{KID}: 32 lowercase hex digits
  kPsshB64,          // {PSSH-B64}  b{PSSH}
  kPsshB64Url,       // {PSSH-B64U} B{PSSH}
};

const char* ValueName(Value v);  // "CHA-B64"
// A canonical name ("CHA-B64") or a license_key one ("SSM", "HASH", ...).
bool IsPlaceholderName(const std::string& name);

struct Piece {
  bool is_value = false;
  Value value = Value::kChallengeRaw;
  std::string literal;  // when !is_value
};

struct Template {
  std::vector<Piece> pieces;
  bool empty() const { return pieces.empty(); }
};

enum class Syntax {
  kCanonical,  // {CHA-B64} ... only (JSON configuration, inputstream.adaptive.drm)
  kKodi,       // license_key: also B{SSM}, {HASH}, R{SID}, H{KID}, b{PSSH} ...
};
enum class Field { kUrl, kBody };

// Parses `text` (columns for errors come from it). `where` prefixes errors ("license_key").
// A '{' followed by an uppercase letter opens a placeholder; other braces are literal but
// must balance (ignoring those inside double-quoted strings), which catches typos like
// "b{SSM" or "{SSM}}" instead of sending a wrong request.
Result<Template> ParseTemplate(const Located& text, Syntax syntax, Field field,
                               const std::string& where);

// Canonical text of a template; ParseTemplate(TemplateText(t), kCanonical, ...) gives t back.
std::string TemplateText(const Template& t);

// The values a request is built from. kid and pssh may be empty (then a template that
// uses them fails).
struct RequestValues {
  ByteSpan challenge;
  std::string session_id;
  ByteSpan kid;
  ByteSpan pssh;
};

// Bound on any rendered URL or body: a template cannot blow up memory.
constexpr size_t kMaxRenderedSize = 16 * 1024 * 1024;

Result<Bytes> RenderTemplate(const Template& t, const RequestValues& values,
                             const std::string& where);

}  // namespace wee::license
