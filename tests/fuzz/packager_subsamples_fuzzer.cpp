// Fuzzes the NAL-aware subsample layout on arbitrary "length-prefixed NAL unit" samples.
// Oracles: an accepted sample is covered exactly; protected ranges never include a NAL unit's
// length field or header, and are whole blocks when aligned; BytesOfClearData fits 16 bits.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>

#include "packager/subsamples.h"

using namespace wee;

namespace {
void Check(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto codec = in.ConsumeBool() ? packager::NalCodec::kH265 : packager::NalCodec::kH264;
  const uint8_t length_size = uint8_t(in.ConsumeIntegralInRange<int>(1, 4));
  const size_t slice_header = in.ConsumeIntegralInRange<size_t>(0, 40);
  const Bytes sample = in.ConsumeRemainingBytes<uint8_t>();
  const bool align = slice_header & 1;
  packager::NalVisitor measure = nullptr;
  if (slice_header) measure = [&](ByteSpan, bool) -> Result<size_t> { return slice_header; };

  std::vector<mp4::Subsample> out;
  Status s = packager::NalSubsamples(sample, codec, length_size, measure, align, &out);
  if (!s.ok()) {
    Check(s.code() == Code::kMalformed);
    return 0;
  }
  // The NAL units' [start of length field, end of header) ranges, which must stay clear.
  std::vector<std::pair<size_t, size_t>> headers;
  const size_t header_size = codec == packager::NalCodec::kH264 ? 1 : 2;
  for (size_t pos = 0; pos < sample.size();) {
    size_t n = 0;
    for (size_t i = 0; i < length_size; ++i) n = (n << 8) | sample[pos + i];
    headers.emplace_back(pos, pos + length_size + std::min(n, header_size));
    pos += length_size + n;
  }
  size_t pos = 0;
  for (const mp4::Subsample& sub : out) {
    Check(sub.clear_bytes <= 0xffff);
    pos += sub.clear_bytes;
    Check(!align || sub.protected_bytes % 16 == 0);
    for (auto [begin, end] : headers) Check(pos + sub.protected_bytes <= begin || pos >= end);
    pos += sub.protected_bytes;
  }
  Check(pos == sample.size());
  return 0;
}
