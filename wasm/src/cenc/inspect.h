// `wasm-eme inspect`: the encryption layout of a (possibly multi-part) fragmented MP4, as JSON.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace wee::cenc {

// `data` is one file, or an init segment followed by media segments. Output: tracks (scheme,
// pattern, IV sizes, default KID, constant IV), pssh boxes (SystemID, KIDs) and, per fragment,
// sample counts and the KIDs its samples use.
Result<std::string> InspectToJson(ByteSpan data);

}  // namespace wee::cenc
