// Fuzzes the H.264 and H.265 parameter set and slice header parsers. The input is a sequence of
// NAL units, each behind a 2-byte length; the first byte picks the codec. Oracles: no crash or
// undefined behaviour; a measured slice header fits in its NAL unit.
#include <cstdlib>

#include "packager/h264_slice_header.h"
#include "packager/h265_slice_header.h"

using namespace wee;

namespace {
void Check(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool hevc = data[0] & 1;
  const size_t header = hevc ? 2 : 1;
  packager::H264SliceHeaderParser h264;
  packager::H265SliceHeaderParser h265;
  for (size_t pos = 1; pos + 2 <= size;) {
    const size_t length = std::min<size_t>((size_t(data[pos]) << 8) | data[pos + 1], size - pos - 2);
    const ByteSpan nal(data + pos + 2, length);
    pos += 2 + length;
    if (nal.size < header) continue;
    const bool vcl = hevc ? ((nal[0] >> 1) & 0x3f) < 32 : ((nal[0] & 0x1f) == 1 || (nal[0] & 0x1f) == 5);
    if (!vcl) {
      (void)(hevc ? h265.ProcessNal(nal) : h264.ProcessNal(nal));
      continue;
    }
    Result<size_t> r = hevc ? h265.SliceHeaderSize(nal) : h264.SliceHeaderSize(nal);
    if (r.ok()) Check(*r + header <= nal.size);
    else Check(r.status().code() == Code::kMalformed);
  }
  return 0;
}
