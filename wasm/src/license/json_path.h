// JSON helpers: parsing with the byte position of the first error, and the path lookup of
// the json unwrapper (inputstream.adaptive's "find the key anywhere", or a JSON pointer).
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"

namespace wee::license {

// wee::Json keeps members in document order: "the first key in the document" means what the
// server sent, not alphabetical order.
using wee::Json;

// "<what>: not valid JSON at byte N (...)" on failure; nesting up to kMaxJsonDepth.
Result<Json> ParseJson(const std::string& text, const std::string& what);

// Finds the value `path` names in `doc` (see Config::path). A key-name search walks the
// document depth-first in document order and takes the first member with that name whose
// value is a string or a number; a one-element array is unwrapped; an object or array under
// the name is searched further, as inputstream.adaptive does. NotFound errors say where the
// search looked. The result is a string or a number.
Result<const Json*> FindJsonValue(const Json& doc, const std::string& path,
                                  const std::string& what);

// Text of a string or number value (numbers as JSON writes them: 720, 1.5).
std::string JsonScalarText(const Json& value);

using wee::DumpJson;

}  // namespace wee::license
