// The module's one JSON type and its one guarded parser. nlohmann/json is built with
// JSON_NOEXCEPTION (a throw aborts), so values are only read after a type check.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace wee {

// Objects keep document order: "the first key in the document" means what the server sent,
// and what we write comes out in the order it is built. One type is also one instantiation
// of nlohmann's parser and serializer in the browser module.
using Json = nlohmann::ordered_json;

struct JsonLimits {
  size_t max_depth = 32;  // nested containers; nlohmann itself has no limit
  // Members per object: an ordered_json object looks names up linearly.
  size_t max_members = 4096;
  // RFC 7515 section 4: a JWS parser may reject duplicate names ("alg" twice must not mean
  // whichever comes last). Otherwise the last one wins, as in nlohmann and Chromium.
  bool reject_duplicates = false;
};

// Parses `text` (any root). Errors name `what`: "<what>: not valid JSON at byte N (unexpected
// 'x')", "...: JSON nested deeper than N levels", "...: duplicate member \"alg\"",
// "...: an object has more than N members".
[[nodiscard]] Result<Json> ParseJson(std::string_view text,
                                     const JsonLimits& limits,
                                     const std::string& what);

// Compact JSON text; invalid UTF-8 in strings becomes U+FFFD instead of aborting.
std::string DumpJson(const Json& value);

}  // namespace wee
