// Helpers of the mp4 tests: whole-stream parsing, the expected/*.samples.tsv oracle, and a small
// box builder for hand-made inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/byte_writer.h"
#include "base/bytes.h"
#include "mp4/parser.h"
#include "test_util.h"

namespace wee::mp4::test {

// An init segment and every moof of a buffer.
struct Stream {
  InitSegment init;
  std::vector<Fragment> fragments;
  // Samples of each track in stream order.
  std::map<uint32_t, std::vector<Sample>> SamplesByTrack() const {
    std::map<uint32_t, std::vector<Sample>> out;
    for (const Fragment& f : fragments)
      for (const TrackFragment& t : f.trafs)
        out[t.track_id].insert(out[t.track_id].end(), t.samples.begin(), t.samples.end());
    return out;
  }
};

// Parses the init, then walks the top-level boxes and parses every moof. `clear_view` treats
// every sample entry as clear (to read a decrypted counterpart with an encrypted init).
inline Status ParseStream(ByteSpan data, Stream* out, bool clear_view = false) {
  WEE_RETURN_IF_ERROR(ParseInit(data, &out->init));
  if (clear_view)
    for (Track& t : out->init.tracks)
      t.entry_is_protected.assign(t.entry_is_protected.size(), false);
  uint64_t pos = 0;
  while (pos < data.size) {
    BoxHeader h;
    WEE_RETURN_IF_ERROR(ReadBoxHeader(data, pos, /*at_end=*/true, &h));
    if (h.type == MakeFourCC("moof")) {
      Fragment f;
      WEE_RETURN_IF_ERROR(ParseFragment(data, pos, out->init, &f));
      out->fragments.push_back(std::move(f));
    }
    pos += h.size;
  }
  return Status::Ok();
}

inline Bytes ReadConcatenated(std::initializer_list<std::string> files) {
  Bytes out;
  for (const std::string& f : files) {
    Bytes b = wee::test::ReadTestData(f);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

// One row of expected/*.samples.tsv.
struct ExpectedSample {
  uint32_t track_id = 0;
  uint32_t index = 0;
  uint32_t size = 0;
  std::string md5;
};

inline std::vector<ExpectedSample> ReadExpected(const std::string& tsv) {
  Bytes b = wee::test::ReadTestData("expected/" + tsv);
  std::istringstream in(std::string(b.begin(), b.end()));
  std::vector<ExpectedSample> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    ExpectedSample e;
    fields >> e.track_id >> e.index >> e.size >> e.md5;
    out.push_back(e);
  }
  return out;
}

// --- a tiny box builder ------------------------------------------------------------------------

// Bytes built field by field: B().U32(1).FourCC("cenc").
class B {
 public:
  B() = default;
  B(const B&) = delete;  // the writer points into this object
  B& operator=(const B&) = delete;
  B& U8(uint8_t v) {
    w_.U8(v);
    return *this;
  }
  B& U16(uint16_t v) {
    w_.U16(v);
    return *this;
  }
  B& U24(uint32_t v) {
    w_.U24(v);
    return *this;
  }
  B& U32(uint32_t v) {
    w_.U32(v);
    return *this;
  }
  B& U64(uint64_t v) {
    w_.U64(v);
    return *this;
  }
  B& CC(const char* cc) {
    w_.FourCC(cc);
    return *this;
  }
  B& Add(const Bytes& b) {
    w_.Append(b);
    return *this;
  }
  B& Zeros(size_t n) {
    w_.Zeros(n);
    return *this;
  }
  operator Bytes() const { return bytes_; }  // NOLINT: implicit by design
  Bytes bytes() const { return bytes_; }

 private:
  Bytes bytes_;
  ByteWriter w_{&bytes_};
};

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes Box(const char* type, const Bytes& body) {
  return B().U32(uint32_t(8 + body.size())).CC(type).Add(body);
}
inline Bytes FullBox(const char* type, uint8_t version, uint32_t flags, const Bytes& body) {
  return Box(type, B().U8(version).U24(flags).Add(body));
}
inline Bytes Uuid(const std::array<uint8_t, 16>& usertype, const Bytes& body) {
  return B()
      .U32(uint32_t(24 + body.size()))
      .CC("uuid")
      .Add(Bytes(usertype.begin(), usertype.end()))
      .Add(body);
}

inline Bytes KidBytes(uint8_t fill) { return Bytes(16, fill); }
inline Kid KidOf(uint8_t fill) {
  Kid k;
  k.fill(fill);
  return k;
}

// The fields tenc v1 and a seig entry share.
inline Bytes CencParams(uint8_t pattern, uint8_t is_protected, uint8_t iv_size, uint8_t kid_fill,
                        const Bytes& constant_iv = {}) {
  B b;
  b.U8(0).U8(pattern).U8(is_protected).U8(iv_size).Add(KidBytes(kid_fill));
  if (!constant_iv.empty()) b.U8(uint8_t(constant_iv.size())).Add(constant_iv);
  return b;
}
inline Bytes Tenc(uint8_t version, const Bytes& params) {
  return FullBox("tenc", version, 0, params);
}
inline Bytes Sinf(const char* frma, const char* scheme, const Bytes& tenc) {
  return Box("sinf", Cat({Box("frma", B().CC(frma)),
                          FullBox("schm", 0, 0, B().CC(scheme).U32(0x10000)), Box("schi", tenc)}));
}
// SampleEntry + VisualSampleEntry fields (78 bytes), then child boxes.
inline Bytes VisualEntry(const char* type, const Bytes& children) {
  return Box(type, B().Zeros(6).U16(1).Zeros(70).Add(children));
}
// SampleEntry + AudioSampleEntry fields (28 bytes), then child boxes.
inline Bytes AudioEntry(const char* type, const Bytes& children) {
  return Box(type, B().Zeros(6).U16(1).Zeros(20).Add(children));
}
inline Bytes Stsd(std::initializer_list<Bytes> entries) {
  return FullBox("stsd", 0, 0, B().U32(uint32_t(entries.size())).Add(Cat(entries)));
}
inline Bytes Tkhd(uint32_t track_id) {
  return FullBox("tkhd", 0, 7, B().Zeros(8).U32(track_id).Zeros(68));
}
inline Bytes Hdlr(const char* handler) {
  return FullBox("hdlr", 0, 0, B().U32(0).CC(handler).Zeros(12).U8(0));
}
inline Bytes Trak(uint32_t track_id, const char* handler, const Bytes& stbl_children) {
  return Box("trak",
             Cat({Tkhd(track_id),
                  Box("mdia", Cat({Hdlr(handler), Box("minf", Box("stbl", stbl_children))}))}));
}
inline Bytes Trex(uint32_t track_id, uint32_t sdi = 1, uint32_t duration = 0, uint32_t size = 0,
                  uint32_t flags = 0) {
  return FullBox("trex", 0, 0, B().U32(track_id).U32(sdi).U32(duration).U32(size).U32(flags));
}
inline Bytes Ftyp() { return Box("ftyp", B().CC("iso6").U32(0).CC("iso6")); }

// sgpd 'seig' version 1 with default_length 0 (each entry has its description_length).
inline Bytes SgpdSeig(uint8_t version, std::initializer_list<Bytes> entries,
                      uint32_t default_index = 0) {
  B b;
  b.CC("seig");
  if (version >= 1) b.U32(0);  // default_length 0: per-entry lengths
  if (version >= 2) b.U32(default_index);
  b.U32(uint32_t(entries.size()));
  for (const Bytes& e : entries) {
    if (version >= 1) b.U32(uint32_t(e.size()));
    b.Add(e);
  }
  return FullBox("sgpd", version, 0, b);
}
inline Bytes SbgpSeig(std::initializer_list<std::pair<uint32_t, uint32_t>> entries,
                      uint8_t version = 0) {
  B b;
  b.CC("seig");
  if (version == 1) b.U32(0);
  b.U32(uint32_t(entries.size()));
  for (auto& e : entries) b.U32(e.first).U32(e.second);
  return FullBox("sbgp", version, 0, b);
}

// A trun with sample sizes (flag 0x200) and a data offset (0x1).
inline Bytes TrunSizes(int32_t data_offset, std::initializer_list<uint32_t> sizes) {
  B b;
  b.U32(uint32_t(sizes.size())).U32(uint32_t(data_offset));
  for (uint32_t s : sizes) b.U32(s);
  return FullBox("trun", 0, 0x201, b);
}
inline Bytes TfhdMoofBase(uint32_t track_id) {
  return FullBox("tfhd", 0, 0x20000, B().U32(track_id));
}
inline Bytes Mfhd(uint32_t seq = 1) { return FullBox("mfhd", 0, 0, B().U32(seq)); }

// --- a stream to vary: the init and segment most tests start from ------------------------

// ftyp + moov with one protected video track (ID 1: encv/avc1/cenc with `tenc`) and one clear
// audio track (ID 2), plus the given extra stbl boxes of track 1 and moov boxes.
inline Bytes MakeInit(const Bytes& tenc, const Bytes& stbl_extra = {}, const Bytes& moov_extra = {},
                      const Bytes& trex = Trex(1)) {
  Bytes video =
      Trak(1, "vide",
           Cat({Stsd({VisualEntry("encv", Sinf("avc1", "cenc", tenc)), VisualEntry("avc1", {})}),
                stbl_extra}));
  Bytes audio = Trak(2, "soun", Stsd({AudioEntry("mp4a", {})}));
  return Cat(
      {Ftyp(), Box("moov", Cat({video, audio, Box("mvex", Cat({trex, Trex(2)})), moov_extra}))});
}

// tenc v1: protected, IV size 8, KID 11..11.
inline Bytes DefaultTenc() { return Tenc(1, CencParams(0, 1, 8, 0x11)); }

// moof(mfhd, trafs) + mdat. `trafs` gets the moof's size, so that trun data offsets relative
// to the moof can point past it (into the mdat payload: moof_size + 8).
inline Bytes MakeSegment(const std::function<Bytes(uint32_t moof_size)>& trafs, const Bytes& mdat) {
  uint32_t size = uint32_t(8 + Mfhd().size() + trafs(0).size());
  return Cat({Box("moof", Cat({Mfhd(), trafs(size)})), Box("mdat", mdat)});
}

// A senc entry: IV bytes then (if has_subsamples) count and pairs.
inline Bytes SencEntry(const Bytes& iv, std::vector<std::pair<uint16_t, uint32_t>> subsamples,
                       bool has_subsamples = true) {
  B b;
  b.Add(iv);
  if (has_subsamples) {
    b.U16(uint16_t(subsamples.size()));
    for (auto& s : subsamples) b.U16(s.first).U32(s.second);
  }
  return b;
}

inline Bytes Senc(uint32_t flags, uint32_t count, const Bytes& entries) {
  return FullBox("senc", 0, flags, B().U32(count).Add(entries));
}

inline Bytes Iv(uint8_t fill, size_t size) { return Bytes(size, fill); }

}  // namespace wee::mp4::test
