// JSON helpers for hostile input (tokens, entitlement messages, request descriptions).
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"

namespace wee::auth {

constexpr int kMaxJsonDepth = 32;

// Parses `text` as JSON, rejecting what nlohmann would accept silently: duplicate member
// names (RFC 7515 section 4 lets a JWS parser reject them, and "alg" twice must not mean
// whichever comes last) and nesting deeper than kMaxJsonDepth. `what` names the input.
Result<Json> ParseJsonStrict(const std::string& text, const std::string& what);

// Invalid UTF-8 (from percent-decoded bytes) becomes U+FFFD.
using wee::DumpJson;

// Typed member access: the member must be absent or of the named type; `where` names the
// object in errors ("message.license"). Absent leaves *out unchanged and returns false.
[[nodiscard]] Status GetString(const Json& object, const char* name,
                               const std::string& where, std::string* out, bool* present);
// Accepts JSON booleans and, as Axinom's own samples write them, the strings "true"/"false".
[[nodiscard]] Status GetBool(const Json& object, const char* name,
                             const std::string& where, bool* out, bool* present);
// An integer in [min, max] (a float with no fraction counts as an integer).
[[nodiscard]] Status GetInt(const Json& object, const char* name,
                            const std::string& where, int64_t min, int64_t max, int64_t* out,
                            bool* present);

}  // namespace wee::auth
