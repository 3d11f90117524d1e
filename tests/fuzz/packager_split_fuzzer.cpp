// Fuzzes the track splitter on hostile "clear fragmented MP4" input. Oracles: the same input
// gives the same result twice; every segment is as long as described; where the mp4 parser
// reads both the input and a track's split stream, that track's samples are the same bytes in
// the same order; each split stream goes through the Encryptor without crashing.
#include <cstdlib>
#include <map>
#include <vector>

#include "mp4/parser.h"
#include "packager/encryptor.h"
#include "packager/track_splitter.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Each track's sample bytes in stream order, or false if the parser does not read it all.
bool Samples(ByteSpan data, std::map<uint32_t, std::vector<Bytes>>* out) {
  mp4::InitSegment init;
  if (!mp4::ParseInit(data, &init).ok()) return false;
  for (uint64_t pos = 0; pos < data.size;) {
    mp4::BoxHeader h;
    if (!mp4::ReadBoxHeader(data, pos, true, &h).ok()) return false;
    if (h.type == mp4::MakeFourCC("moof")) {
      mp4::Fragment f;
      if (!mp4::ParseFragment(data, pos, init, &f).ok()) return false;
      for (const auto& traf : f.trafs) {
        for (const auto& s : traf.samples) {
          if (s.data_offset + s.size > data.size) return false;
          (*out)[traf.track_id].push_back(data.sub(size_t(s.data_offset), s.size).ToBytes());
        }
      }
    }
    pos += h.size;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  std::vector<packager::TrackStream> a, b;
  const Status sa = packager::SplitTracks(input, &a);
  const Status sb = packager::SplitTracks(input, &b);
  Check(sa.code() == sb.code() && sa.message() == sb.message());
  if (!sa.ok()) {
    Check(a.empty());
    return 0;
  }
  std::map<uint32_t, std::vector<Bytes>> want;
  const bool input_parsed = Samples(input, &want);
  for (size_t t = 0; t < a.size(); ++t) {
    Check(a[t].init == b[t].init && a[t].segments.size() == b[t].segments.size());
    Bytes stream = a[t].init;
    for (const packager::SplitSegment& segment : a[t].segments) {
      const Bytes bytes = packager::WriteSegment(input, segment);
      Check(bytes.size() == segment.Size());
      stream.insert(stream.end(), bytes.begin(), bytes.end());
    }
    std::map<uint32_t, std::vector<Bytes>> got;
    if (input_parsed && Samples(stream, &got)) {
      Check(got.size() <= 1);
      for (const auto& [id, samples] : got) Check(id == a[t].track_id && samples == want[id]);
    }
    packager::EncryptOptions options;
    options.iv_seed = Bytes(8, 9);
    packager::Encryptor encryptor(options);
    Check(encryptor.AddKey("", Bytes(16, 1), Bytes(16, 2)).ok());
    Bytes out;
    (void)encryptor.Process(stream, &out);
  }
  return 0;
}
