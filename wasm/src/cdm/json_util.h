// JSON helpers for the Clear Key message formats (internal to wasm/src/cdm).
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/json.h"
#include "base/status.h"

namespace wee::cdm {

// Parses `text` (at most max_size bytes, ASCII only like Chromium's json_web_key.cc, nesting at
// most kMaxJsonDepth) whose root must be an object. `what` names the document in errors.
[[nodiscard]] Result<Json> ParseJsonObject(ByteSpan text, size_t max_size, const std::string& what);

// Decodes a JSON string member holding base64url WITHOUT padding (EME "Using base64url") into
// min_size..max_size bytes. `field` names the member in errors ("keys[2].kid").
[[nodiscard]] Result<Bytes> DecodeBase64UrlMember(const Json& value,
                                                  const std::string& field,
                                                  size_t min_size,
                                                  size_t max_size);

}  // namespace wee::cdm
