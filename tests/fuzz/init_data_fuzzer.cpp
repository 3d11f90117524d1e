// Fuzzes the Clear Key init data parsers (wasm/src/cdm/init_data.h). The first byte picks the
// init data type. Checks: no crash or sanitizer report, KID bounds hold, and sanitizing is
// idempotent (sanitized data sanitizes to itself and yields the same KIDs).
#include <cstdint>
#include <cstdlib>

#include "cdm/init_data.h"

using namespace wee;
using namespace wee::cdm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  const InitDataType kTypes[] = {InitDataType::kCenc, InitDataType::kKeyIds, InitDataType::kWebM};
  InitDataType type = kTypes[data[0] % 3];
  ByteSpan init(data + 1, size - 1);

  auto kids = ExtractKeyIds(type, init);
  auto sanitized = SanitizeInitData(type, init);
  if (sanitized.ok() != (kids.ok() || kids.status().code() == Code::kUnsupported))
    std::abort();
  if (!kids.ok())
    return 0;
  if (kids->empty() || kids->size() > kMaxKeyIds)
    std::abort();
  for (const Bytes& kid : kids.value())
    if (kid.size() < kMinKeyIdSize || kid.size() > kMaxKeyIdSize)
      std::abort();

  auto again = SanitizeInitData(type, sanitized.value());
  if (!again.ok() || again.value() != sanitized.value())
    std::abort();
  auto kids_again = ExtractKeyIds(type, sanitized.value());
  if (!kids_again.ok() || kids_again.value() != kids.value())
    std::abort();

  auto request = MakeLicenseRequest(kids.value(), SessionType::kTemporary);
  if (!request.ok())
    std::abort();
  // The request's "kids" read back as keyids init data give the same KIDs (unless the added
  // "type" member pushed it past the init data size limit).
  if (request->size() > kMaxInitDataSize)
    return 0;
  auto round_trip = ExtractKeyIds(InitDataType::kKeyIds, ByteSpan(request.value()));
  if (!round_trip.ok() || round_trip.value() != kids.value())
    std::abort();
  return 0;
}
