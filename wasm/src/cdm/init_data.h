// Initialization data for Clear Key (EME section 6 "Initialization Data", the EME Initialization
// Data Format Registry: "cenc", "keyids", "webm") and the other JSON documents made of a KID
// list: the license request (EME 9.1.3), the license release message and its acknowledgement.
//
// Errors: malformed or oversized input -> kInvalidArgument (EME: TypeError); valid "cenc" init
// data without a Clear Key KID -> kUnsupported (EME: NotSupportedError, "If sanitized init data
// is empty"). Messages name the box or member: "cenc: pssh[1] (byte 52): ...",
// "keyids: kids[0]: ...".
// Bounds (cdm_types.h, as Chromium's media/base/limits.h): init data at most 64 KiB, at most 128
// KIDs per init data or request, each 1..512 bytes.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cdm/cdm_types.h"

namespace wee::cdm {

// SystemIDs whose v1 'pssh' boxes carry Clear Key KIDs (ISO/IEC 23001-7 section 8.1.1).
extern const uint8_t kCommonSystemId[16];    // 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b (W3C "cenc")
extern const uint8_t kClearKeySystemId[16];  // e2719d58-a985-b3c9-781a-b030af78d30e (DASH-IF)

// EME generateRequest() step "Let sanitized init data be a validated and sanitized version of
// init data": validates every field and drops what the CDM does not need, keeping order.
//  cenc:   concatenated 'pssh' boxes, each checked strictly; only v1 boxes of the Common or
//          DASH-IF ClearKey SystemID that list KIDs are kept (byte for byte). May be empty.
//  keyids: {"kids":[...]} rebuilt from the parsed KIDs, so unknown members are dropped.
//  webm:   the one KID, 1..512 bytes, unchanged.
[[nodiscard]] Result<Bytes> SanitizeInitData(InitDataType type, ByteSpan init_data);

// The KIDs a Clear Key license request asks for (0..kMaxKeyIds, duplicates removed, first
// occurrence order; none only for "keyids" with an empty list, as Chromium accepts it). kUnsupported when sanitized "cenc" data holds no Clear Key KID. For "cenc"
// the KIDs of every kept box are taken, as Chromium's GetKeyIdsForCommonSystemId() does (the
// W3C "cenc" format text says to use the first supported box; content lists one Common box).
[[nodiscard]] Result<std::vector<Bytes>> ExtractKeyIds(InitDataType type, ByteSpan init_data);

// EME 9.1.3 License Request Format, serialized like Chromium's CreateLicenseRequest():
// {"kids":["<base64url>",...],"type":"temporary"}. KIDs must be 0..128 of 1..512 bytes.
[[nodiscard]] Result<std::string> MakeLicenseRequest(const std::vector<Bytes>& kids,
                                                     SessionType type);

// The record of license destruction sent by remove() on a persistent-license session (EME
// "License Release Format"): {"kids":[...]} (possibly empty).
std::string MakeLicenseRelease(const std::vector<Bytes>& kids);

// The response that acknowledges it (EME "License Release Acknowledgement Format"): a JSON
// object with a "kids" array (0..max_kids entries) of base64url KIDs.
[[nodiscard]] Result<std::vector<Bytes>> ParseLicenseReleaseAck(ByteSpan response, size_t max_kids);

}  // namespace wee::cdm
