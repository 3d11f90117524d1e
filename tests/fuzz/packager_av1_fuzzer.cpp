// Fuzzes the AV1 tile finder. The input is an AV1 low-overhead bitstream (what `ffmpeg -f obu`
// writes: OBUs with size fields), cut into samples at its temporal delimiters and parsed in
// order through one parser, so that reference state carries over. Oracles: no crash or
// undefined behaviour; tiles lie inside their sample, in order, without overlap; the
// subsamples built from them cover the sample exactly, whole blocks when aligned.
#include <cstdlib>
#include <vector>

#include "packager/av1_parser.h"
#include "packager/subsamples.h"

using namespace wee;

namespace {
void Check(bool condition) {
  if (!condition) std::abort();
}

// Sample boundaries: before every temporal delimiter OBU (type 2), as far as sizes parse.
std::vector<ByteSpan> TemporalUnits(const uint8_t* data, size_t size) {
  std::vector<ByteSpan> units;
  size_t start = 0, pos = 0;
  while (pos < size) {
    const uint32_t type = (data[pos] >> 3) & 0xf;
    if (type == 2 && pos > start) {
      units.emplace_back(data + start, pos - start);
      start = pos;
    }
    size_t at = pos + 1 + ((data[pos] & 4) ? 1 : 0);
    uint64_t obu_size = 0;
    int i = 0;
    for (; i < 8 && at < size; ++i) {
      obu_size |= uint64_t(data[at] & 0x7f) << (7 * i);
      if (!(data[at++] & 0x80)) break;
    }
    if (!(data[pos] & 2) || i == 8 || at > size || obu_size > size - at) break;
    pos = at + size_t(obu_size);
  }
  if (start < size) units.emplace_back(data + start, size - start);
  return units;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  packager::Av1Parser parser;
  for (const ByteSpan& sample : TemporalUnits(data, size)) {
    packager::Av1Parser before = parser;
    std::vector<packager::Av1Parser::Tile> tiles;
    const Status s = parser.ParseSample(sample, &tiles);
    if (!s.ok()) {
      Check(s.code() == Code::kMalformed || s.code() == Code::kUnsupported);
      parser = before;
      continue;
    }
    size_t end = 0;
    for (const auto& t : tiles) {
      Check(t.size > 0 && t.offset >= end && t.offset + t.size <= sample.size);
      end = t.offset + t.size;
    }
    for (bool align : {false, true}) {
      packager::Av1Parser copy = before;
      std::vector<mp4::Subsample> subsamples;
      Check(packager::Av1Subsamples(sample, &copy, align, &subsamples).ok());
      uint64_t total = 0;
      for (const auto& sub : subsamples) {
        total += sub.clear_bytes + sub.protected_bytes;
        if (align) Check(sub.protected_bytes % 16 == 0);
      }
      Check(total == sample.size);
    }
  }
  return 0;
}
