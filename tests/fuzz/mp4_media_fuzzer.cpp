// Fuzzes the media-segment path: an init (the input itself if ParseInit accepts it, else a fixed
// init built here: a cenc video track with track-level 'seig' groups and a clear second entry,
// and a cbcs audio track with a constant IV), then a ReadBoxHeader walk over the input and
// ParseFragment on every moof, whole and cut at every 1/8 of its extent (as an MSE append
// would). Oracles: no crash or sanitizer report, and every accepted fragment is consistent.
#include <cstdint>
#include <cstdlib>
#include <initializer_list>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "mp4/parser.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// A minimal box builder (the tests have a fuller one).
Bytes Box(const char* type, std::initializer_list<Bytes> children) {
  Bytes out;
  ByteWriter w(&out);
  w.U32(0);
  w.FourCC(type);
  for (const Bytes& c : children) w.Append(c);
  w.PatchU32(0, uint32_t(out.size()));
  return out;
}
Bytes Raw(std::initializer_list<uint32_t> words) {
  Bytes out;
  ByteWriter w(&out);
  for (uint32_t v : words) w.U32(v);
  return out;
}
Bytes Fill(size_t n, uint8_t v) { return Bytes(n, v); }
// reserved, crypt:skip, isProtected, Per_Sample_IV_Size, KID[16] (+ constant IV).
Bytes Params(uint8_t pattern, uint8_t iv_size, uint8_t kid, size_t constant_iv = 0) {
  Bytes out = {0, pattern, 1, iv_size};
  Bytes k = Fill(16, kid);
  out.insert(out.end(), k.begin(), k.end());
  if (constant_iv) {
    out.push_back(uint8_t(constant_iv));
    Bytes iv = Fill(constant_iv, 0xc0);
    out.insert(out.end(), iv.begin(), iv.end());
  }
  return out;
}
Bytes Sinf(const char* format, const char* scheme, const Bytes& params) {
  Bytes frma, schm;
  ByteWriter(&frma).FourCC(format);
  ByteWriter w(&schm);
  w.U32(0);
  w.FourCC(scheme);
  w.U32(0x10000);
  return Box("sinf", {Box("frma", {frma}), Box("schm", {schm}),
                      Box("schi", {Box("tenc", {Raw({0x01000000}), params})})});
}
Bytes Trak(uint32_t id, const char* handler, const Bytes& stsd_entries, uint32_t entry_count,
           const Bytes& stbl_extra) {
  Bytes hdlr = Raw({0, 0});
  ByteWriter(&hdlr).FourCC(handler);
  hdlr.resize(hdlr.size() + 13);
  return Box(
      "trak",
      {Box("tkhd", {Raw({0, 0, 0, id}), Fill(68, 0)}),
       Box("mdia", {Box("hdlr", {hdlr}),
                    Box("minf", {Box("stbl", {Box("stsd", {Raw({0, entry_count}), stsd_entries}),
                                              stbl_extra})})})});
}

mp4::InitSegment FixedInit() {
  const Bytes visual_fields = Fill(78, 0), audio_fields = Fill(28, 0);
  Bytes video_entries = Box("encv", {visual_fields, Sinf("avc1", "cenc", Params(0, 8, 0x11))});
  Bytes clear = Box("avc1", {visual_fields});
  video_entries.insert(video_entries.end(), clear.begin(), clear.end());
  // sgpd v1 'seig', default_length 0: entry 1 = 16-byte IVs, entry 2 = constant IV, 1:9.
  Bytes e1 = Params(0, 16, 0x22), e2 = Params(0x19, 0, 0x33, 16);
  Bytes sgpd = Box("sgpd", {Raw({0x01000000, 0x73656967, 0, 2, uint32_t(e1.size())}), e1,
                            Raw({uint32_t(e2.size())}), e2});
  Bytes video = Trak(1, "vide", video_entries, 2, sgpd);
  Bytes audio = Trak(
      2, "soun", Box("enca", {audio_fields, Sinf("mp4a", "cbcs", Params(0, 0, 0x44, 16))}), 1, {});
  Bytes mvex = Box(
      "mvex", {Box("trex", {Raw({0, 1, 1, 0, 0, 0})}), Box("trex", {Raw({0, 2, 1, 1024, 0, 0})})});
  Bytes moov = Box("moov", {video, audio, mvex});
  mp4::InitSegment init;
  Check(mp4::ParseInit(moov, &init).ok());
  return init;
}

void CheckFragment(const mp4::Fragment& f, size_t size, const uint8_t* data) {
  uint64_t samples = 0;
  Check(f.moof.offset + f.moof.size <= size);
  Check(f.data_end >= f.moof.offset + f.moof.size);
  for (const mp4::TrackFragment& t : f.trafs) {
    for (const mp4::Sample& s : t.samples) {
      ++samples;
      Check(s.data_offset + s.size <= f.data_end);
      if (!s.is_protected) {
        Check(s.iv.empty() && s.subsamples.empty());
        continue;
      }
      Check(s.iv.size() == 8 || s.iv.size() == 16);
      uint64_t covered = 0;
      for (const mp4::Subsample& sub : s.subsamples)
        covered += sub.clear_bytes + uint64_t(sub.protected_bytes);
      Check(s.subsamples.empty() || covered == s.size);
    }
  }
  Check(samples <= mp4::kMaxSamplesPerFragment);
  for (const mp4::BoxRange& r : f.to_neutralise) {
    Check(r.offset >= f.moof.offset && r.offset + r.size <= f.moof.offset + f.moof.size);
    Check(LoadBE32(data + r.offset + 4) == r.type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mp4::InitSegment fixed = FixedInit();
  const ByteSpan input(data, size);
  mp4::InitSegment own;
  const mp4::InitSegment& init = mp4::ParseInit(input, &own).ok() ? own : fixed;

  uint64_t pos = 0;
  for (int boxes = 0; pos < size && boxes < 64; ++boxes) {
    mp4::BoxHeader h;
    if (!mp4::ReadBoxHeader(input, pos, /*at_end=*/true, &h).ok()) break;
    Check(h.size >= h.header_size && pos + h.size <= size);
    if (h.type == mp4::MakeFourCC("moof")) {
      mp4::Fragment f;
      if (mp4::ParseFragment(input, pos, init, &f).ok()) CheckFragment(f, size, data);
      for (uint64_t part = 1; part < 8; ++part) {
        const size_t cut = size_t(pos + h.size * part / 8);
        mp4::Fragment g;
        Status s = mp4::ParseFragment(ByteSpan(data, cut), pos, init, &g);
        Check(s.code() == Code::kNeedMoreData);  // the moof itself is cut
      }
    }
    pos += h.size;
  }
  return 0;
}
