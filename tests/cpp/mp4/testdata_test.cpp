// The parser against the real files of ../shared/testdata: structures from their README and
// golden dumps, sample sizes from expected/*.samples.tsv, and the decrypted counterparts as an
// independent check of sample offsets and subsample maps (clear bytes must be equal).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "crypto/hash.h"
#include "mp4/parser.h"
#include "mp4_test_util.h"
#include "test_util.h"

namespace wee::mp4 {
namespace {

using test::ExpectedSample;
using test::ParseStream;
using test::ReadConcatenated;
using test::ReadExpected;
using test::Stream;
using wee::test::Hex;
using wee::test::ReadTestData;
using wee::test::ToHex;

std::string KidHex(const Kid& k) { return ToHex(ByteSpan(k.data(), k.size())); }

Stream MustParse(const Bytes& data, bool clear_view = false) {
  Stream s;
  Status st = ParseStream(data, &s, clear_view);
  INFO(st.ToString());
  REQUIRE(st.ok());
  return s;
}

const Track& TrackOf(const Stream& s, uint32_t id) {
  const Track* t = s.init.FindTrack(id);
  REQUIRE(t != nullptr);
  return *t;
}

// Every range the parser reports must hold a box of that type and size.
void CheckRanges(const Bytes& data, const std::vector<BoxRange>& ranges) {
  for (const BoxRange& r : ranges) {
    REQUIRE(r.offset + 8 <= data.size());
    CHECK(LoadBE32(data.data() + r.offset + 4) == r.type);
    CHECK(LoadBE32(data.data() + r.offset) == r.size);
  }
}

void CheckEntryOffsets(const Bytes& data, const InitSegment& init) {
  for (const Track& t : init.tracks) {
    REQUIRE(t.sample_entry_type_offset + 4 <= data.size());
    CHECK(LoadBE32(data.data() + t.sample_entry_type_offset) == t.sample_entry_type);
  }
}

// The payload ranges of the top-level 'mdat' boxes.
std::vector<std::pair<uint64_t, uint64_t>> MdatRanges(const Bytes& data) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  uint64_t pos = 0;
  while (pos < data.size()) {
    BoxHeader h;
    REQUIRE(ReadBoxHeader(data, pos, true, &h).ok());
    if (h.type == MakeFourCC("mdat")) out.push_back({pos + h.header_size, pos + h.size});
    pos += h.size;
  }
  return out;
}

// Every sample lies inside an mdat payload, and the samples of these files fill their mdat
// exactly (no gaps, no overlaps): a check of every offset, independent of how it was derived.
void CheckSamplesInMdat(const Bytes& data, const Stream& s) {
  auto mdats = MdatRanges(data);
  std::vector<uint64_t> filled(mdats.size());
  for (const Fragment& f : s.fragments) {
    CHECK(f.data_end <= data.size());
    for (const TrackFragment& t : f.trafs) {
      for (const Sample& x : t.samples) {
        bool inside = false;
        for (size_t m = 0; m < mdats.size(); ++m) {
          if (x.data_offset >= mdats[m].first && x.data_offset + x.size <= mdats[m].second) {
            inside = true;
            filled[m] += x.size;
          }
        }
        CHECK(inside);
      }
    }
  }
  for (size_t m = 0; m < mdats.size(); ++m) CHECK(filled[m] == mdats[m].second - mdats[m].first);
}

// Sizes and counts per track agree with the oracle.
void CheckAgainstExpected(const Stream& s, const std::vector<ExpectedSample>& expected) {
  auto by_track = s.SamplesByTrack();
  size_t total = 0;
  for (auto& kv : by_track) total += kv.second.size();
  CHECK(total == expected.size());
  for (const ExpectedSample& e : expected) {
    REQUIRE(by_track.count(e.track_id) == 1);
    REQUIRE(e.index < by_track[e.track_id].size());
    CHECK(by_track[e.track_id][e.index].size == e.size);
  }
}

// For a cbcs sample, marks which bytes of a protected range stay clear: skipped blocks of the
// pattern and the trailing partial block (23001-7 10.4). Returns whether byte i is encrypted.
bool CbcsEncrypted(uint64_t i, uint32_t protected_bytes, Pattern p) {
  const uint64_t block = i / 16;
  if ((block + 1) * 16 > protected_bytes) return false;  // partial block
  if (p.crypt == 0 && p.skip == 0) return true;
  return block % (p.crypt + p.skip) < p.crypt;
}

// The decrypted file holds the same samples: equal sizes, md5 of its sample bytes as the oracle
// says, and in the encrypted file every byte that the subsample map (and for cbcs the pattern)
// calls clear equals the decrypted byte.
void CheckAgainstClear(const Bytes& enc, const Stream& es, const Bytes& dec, const Stream& ds,
                       const std::vector<ExpectedSample>& expected, bool has_clear_bytes = true) {
  auto enc_samples = es.SamplesByTrack();
  auto dec_samples = ds.SamplesByTrack();
  size_t compared_clear = 0, encrypted_differing = 0;
  for (const ExpectedSample& e : expected) {
    REQUIRE(e.index < enc_samples[e.track_id].size());
    REQUIRE(e.index < dec_samples[e.track_id].size());
    const Sample& x = enc_samples[e.track_id][e.index];
    const Sample& y = dec_samples[e.track_id][e.index];
    REQUIRE(x.size == y.size);
    REQUIRE(y.data_offset + y.size <= dec.size());
    REQUIRE(x.data_offset + x.size <= enc.size());
    const uint8_t* a = enc.data() + x.data_offset;
    const uint8_t* b = dec.data() + y.data_offset;
    CHECK(ToHex(Md5(ByteSpan(b, y.size))) == e.md5);
    const bool cbcs = es.init.FindTrack(e.track_id)->scheme_type == MakeFourCC("cbcs");
    if (!x.is_protected) {
      CHECK(ByteSpan(a, x.size) == ByteSpan(b, y.size));
      compared_clear += x.size;
      continue;
    }
    std::vector<Subsample> map = x.subsamples;
    if (map.empty()) map.push_back({0, x.size});
    uint64_t pos = 0;
    for (const Subsample& sub : map) {
      CHECK(ByteSpan(a + pos, sub.clear_bytes) == ByteSpan(b + pos, sub.clear_bytes));
      compared_clear += sub.clear_bytes;
      pos += sub.clear_bytes;
      for (uint64_t i = 0; i < sub.protected_bytes; ++i) {
        const bool encrypted = !cbcs || CbcsEncrypted(i, sub.protected_bytes, x.pattern);
        if (!encrypted) {
          CHECK(a[pos + i] == b[pos + i]);
          ++compared_clear;
        } else if (a[pos + i] != b[pos + i]) {
          ++encrypted_differing;
        }
      }
      pos += sub.protected_bytes;
    }
    CHECK(pos == x.size);
  }
  CHECK((compared_clear > 0) == has_clear_bytes);
  CHECK(encrypted_differing > 0);
}

TEST_CASE("init_cenc.cmfv: as its golden dump describes", "[mp4][testdata]") {
  Bytes data = ReadTestData("mp4ff/init_cenc.cmfv");
  InitSegment init;
  REQUIRE(ParseInit(data, &init).ok());
  REQUIRE(init.tracks.size() == 1);
  const Track& t = init.tracks[0];
  CHECK(t.track_id == 1);
  CHECK(t.handler == MakeFourCC("vide"));
  CHECK(t.sample_entry_type == MakeFourCC("encv"));
  CHECK(t.original_format == MakeFourCC("avc3"));
  CHECK(t.codec == "avc3");
  CHECK(t.scheme_type == MakeFourCC("cenc"));
  CHECK(t.scheme_version == 0x10000);
  CHECK(t.tenc.is_protected);
  CHECK(t.tenc.per_sample_iv_size == 8);
  CHECK(KidHex(t.tenc.kid) == "f057639d928733158bf550999c4945f7");
  CHECK(t.tenc.constant_iv.empty());
  CHECK(t.tenc.pattern == Pattern{0, 0});
  CHECK(t.entry_is_protected == std::vector<bool>{true});
  CHECK(t.default_sample_description_index == 1);
  CHECK(t.default_sample_duration == 0);
  REQUIRE(init.pssh.size() == 2);
  CHECK(KidHex(init.pssh[0].system_id) == "edef8ba979d64acea3c827dcd51d21ed");
  CHECK(ToHex(init.pssh[0].data) ==
        "08011210f057639d928733158bf550999c4945f71a08636173746c616273221c65794a6863334e6c6445"
        "6c6b496a6f696448597958325a3562694a39320764656661756c74");
  CHECK(init.pssh[0].range.size == 101);
  CHECK(init.pssh[0].box.size() == 101);
  CHECK(KidHex(init.pssh[1].system_id) == "9a04f07998404286ab92e65be0885f95");
  CHECK(init.pssh[1].range.size == 818);
  CHECK(init.pssh[1].data.size() == 818 - 32);
  // sinf (80 bytes) and both pssh.
  REQUIRE(init.to_neutralise.size() == 3);
  CHECK(init.to_neutralise[0].type == MakeFourCC("sinf"));
  CHECK(init.to_neutralise[0].size == 80);
  CheckRanges(data, init.to_neutralise);
  CheckEntryOffsets(data, init);
}

TEST_CASE("moof_enc.m4s: seig key rotation as its golden dump describes", "[mp4][testdata]") {
  InitSegment init;
  REQUIRE(ParseInit(ReadTestData("mp4ff/init_cenc.cmfv"), &init).ok());
  Bytes data = ReadTestData("mp4ff/moof_enc.m4s");
  // styp (24) and sidx (44) come first; the caller skips them.
  Fragment f;
  Status s = ParseFragment(data, 68, init, &f);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(f.moof.size == 3023);
  CHECK(f.sequence_number == 1);
  REQUIRE(f.trafs.size() == 1);
  const TrackFragment& t = f.trafs[0];
  CHECK(t.track_id == 1);
  CHECK(t.has_tfdt);
  CHECK(t.base_media_decode_time == 0);
  REQUIRE(t.samples.size() == 96);
  // default-base-is-moof: trun data_offset 3031 from the moof at 68.
  CHECK(t.samples[0].data_offset == 68 + 3031);
  CHECK(t.samples[0].size == 16279);
  CHECK(t.samples[0].flags == 0x02000000);
  CHECK(t.samples[0].composition_offset == 2);
  CHECK(t.samples[0].duration == 1);  // tfhd default
  CHECK(t.samples[1].size == 418);
  CHECK(t.samples[1].data_offset == 68 + 3031 + 16279);
  CHECK(t.samples[95].size == 378);
  CHECK(t.samples[95].composition_offset == 1);
  for (const Sample& x : t.samples) {
    CHECK(x.is_protected);
    CHECK(KidHex(x.kid) == "914e69f40ab345349e9f9853615e26f6");  // from the seig, not tenc
    CHECK(x.iv.size() == 8);
  }
  CHECK(ToHex(t.samples[0].iv) == "89d2843aeaa409b6");
  CHECK(ToHex(t.samples[95].iv) == "89d2843aeaa40a15");
  REQUIRE(t.samples[0].subsamples.size() == 2);
  CHECK(t.samples[0].subsamples[0].clear_bytes == 5);
  CHECK(t.samples[0].subsamples[0].protected_bytes == 758);
  CHECK(t.samples[0].subsamples[1].protected_bytes == 15511);
  REQUIRE(t.samples[1].subsamples.size() == 1);
  CHECK(t.samples[1].subsamples[0].protected_bytes == 413);
  // The sidx says the subsegment is 93848 bytes (moof + mdat), so the samples end there.
  CHECK(f.data_end == 68 + 93848);
  // sgpd, sbgp, saiz, saio, senc.
  std::vector<FourCC> types;
  for (const BoxRange& r : f.to_neutralise) types.push_back(r.type);
  CHECK(types.size() == 5);
  for (FourCC cc : {MakeFourCC("sgpd"), MakeFourCC("sbgp"), MakeFourCC("saiz"), MakeFourCC("saio"),
                    MakeFourCC("senc")}) {
    CHECK(std::count(types.begin(), types.end(), cc) == 1);
  }
  CheckRanges(data, f.to_neutralise);
}

TEST_CASE("init-fairplay.mp4: cbcs tenc v1 and a second, clear entry", "[mp4][testdata]") {
  Bytes data = ReadTestData("shaka-player/init-fairplay.mp4");
  InitSegment init;
  REQUIRE(ParseInit(data, &init).ok());
  REQUIRE(init.tracks.size() == 1);
  const Track& t = init.tracks[0];
  CHECK(t.sample_entry_type == MakeFourCC("encv"));
  CHECK(t.original_format == MakeFourCC("avc1"));
  CHECK(t.scheme_type == MakeFourCC("cbcs"));
  CHECK(t.tenc.pattern == Pattern{1, 9});
  CHECK(t.tenc.per_sample_iv_size == 0);
  CHECK(KidHex(t.tenc.kid) == "b99ed9e5c64149d1bfa843692b686ddb");
  CHECK(t.tenc.constant_iv.size() == 16);
  CHECK(t.entry_is_protected == std::vector<bool>{true, false});
  CHECK(init.pssh.empty());
  REQUIRE(init.to_neutralise.size() == 1);
  CheckRanges(data, init.to_neutralise);
  CheckEntryOffsets(data, init);
}

TEST_CASE("incorrect-enca-init.mp4: enca with frma ec-3", "[mp4][testdata]") {
  Bytes data = ReadTestData("shaka-player/incorrect-enca-init.mp4");
  InitSegment init;
  REQUIRE(ParseInit(data, &init).ok());
  REQUIRE(init.tracks.size() == 1);
  const Track& t = init.tracks[0];
  CHECK(t.handler == MakeFourCC("soun"));
  CHECK(t.sample_entry_type == MakeFourCC("enca"));
  CHECK(t.original_format == MakeFourCC("ec-3"));
  CHECK(KidHex(t.tenc.kid) == "110de6cee5a898a83457bf80fdba70d5");
  CheckEntryOffsets(data, init);
  CheckRanges(data, init.to_neutralise);
}

TEST_CASE("prog_8s_enc_dashinit.mp4: cenc video+audio, against its clear counterpart",
          "[mp4][testdata]") {
  Bytes enc = ReadTestData("mp4ff/prog_8s_enc_dashinit.mp4");
  Bytes dec = ReadTestData("mp4ff/prog_8s_dec_dashinit.mp4");
  Stream es = MustParse(enc), ds = MustParse(dec);
  REQUIRE(es.init.tracks.size() == 2);
  for (const Track& t : es.init.tracks) {
    CHECK(t.scheme_type == MakeFourCC("cenc"));
    CHECK(t.tenc.per_sample_iv_size == 8);
    CHECK(KidHex(t.tenc.kid) == "cd7eb9ff88f34caeb06185b00024e4c2");
  }
  CHECK(TrackOf(es, 2).handler == MakeFourCC("vide"));
  CHECK(TrackOf(es, 1).handler == MakeFourCC("soun"));
  REQUIRE(es.init.pssh.size() == 1);
  CHECK(es.init.pssh[0].version == 1);
  CHECK(KidHex(es.init.pssh[0].system_id) == "1077efecc0b24d02ace33c1e52e2fb4b");
  REQUIRE(es.init.pssh[0].kids.size() == 1);
  CHECK(KidHex(es.init.pssh[0].kids[0]) == "cd7eb9ff88f34caeb06185b00024e4c2");
  CHECK(es.fragments.size() == 2);
  auto samples = es.SamplesByTrack();
  for (const Sample& x : samples[2]) CHECK(!x.subsamples.empty());  // video: subsamples
  for (const Sample& x : samples[1]) CHECK(x.subsamples.empty());   // audio: whole sample
  auto expected = ReadExpected("mp4ff_prog_8s_enc_dashinit.samples.tsv");
  CHECK(expected.size() == 615);
  CheckAgainstExpected(es, expected);
  CheckSamplesInMdat(enc, es);
  CheckAgainstClear(enc, es, dec, ds, expected);
  CheckRanges(enc, es.init.to_neutralise);
  for (const Fragment& f : es.fragments) CheckRanges(enc, f.to_neutralise);
}

TEST_CASE("cbcs.mp4: pattern 1:9, constant IV, against its clear counterpart", "[mp4][testdata]") {
  Bytes enc = ReadTestData("mp4ff/cbcs.mp4");
  Bytes dec = ReadTestData("mp4ff/cbcsdec.mp4");
  Stream es = MustParse(enc), ds = MustParse(dec);
  const Track& v = TrackOf(es, 1);
  CHECK(v.scheme_type == MakeFourCC("cbcs"));
  CHECK(v.tenc.per_sample_iv_size == 0);
  CHECK(ToHex(v.tenc.constant_iv) == "cbe3327da85a1e7a74496db552dfe6d0");
  CHECK(v.tenc.pattern == Pattern{1, 9});
  CHECK(KidHex(v.tenc.kid) == "00000000000000000000000000000000");
  CHECK(!TrackOf(es, 2).tenc.is_protected);  // the caption track is clear
  // Two moofs of two trafs each (the README's "4 fragments").
  REQUIRE(es.fragments.size() == 2);
  CHECK(es.fragments[0].trafs.size() == 2);
  CHECK(es.fragments[1].trafs.size() == 2);
  auto samples = es.SamplesByTrack();
  for (const Sample& x : samples[1]) {
    CHECK(x.is_protected);
    CHECK(ToHex(x.iv) == "cbe3327da85a1e7a74496db552dfe6d0");
    CHECK(x.pattern == Pattern{1, 9});
  }
  auto expected = ReadExpected("mp4ff_cbcs.samples.tsv");
  CheckAgainstExpected(es, expected);
  CheckSamplesInMdat(enc, es);
  CheckAgainstClear(enc, es, dec, ds, expected);
}

TEST_CASE("cbcs_audio.mp4: pattern 0:0, against its clear counterpart", "[mp4][testdata]") {
  Bytes enc = ReadTestData("mp4ff/cbcs_audio.mp4");
  Bytes dec = ReadTestData("mp4ff/cbcs_audiodec.mp4");
  Stream es = MustParse(enc), ds = MustParse(dec);
  const Track& a = TrackOf(es, 1);
  CHECK(a.original_format == MakeFourCC("mp4a"));
  CHECK(ToHex(a.tenc.constant_iv) == "94dc7d3f974d9087cb38c90f121b246d");
  CHECK(a.tenc.pattern == Pattern{0, 0});
  auto expected = ReadExpected("mp4ff_cbcs_audio.samples.tsv");
  CheckAgainstExpected(es, expected);
  CheckSamplesInMdat(enc, es);
  CheckAgainstClear(enc, es, dec, ds, expected);
}

TEST_CASE("PIFF audio: uuid senc in a separate media segment", "[mp4][testdata]") {
  Bytes enc =
      ReadConcatenated({"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001.m4s"});
  Bytes dec =
      ReadConcatenated({"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001_dec.m4s"});
  Stream es = MustParse(enc), ds = MustParse(dec, /*clear_view=*/true);
  CHECK(KidHex(TrackOf(es, 1).tenc.kid) == "21b82dc2ebb24d5aa9f8631f04726650");
  REQUIRE(es.fragments.size() == 1);
  int piff = 0;
  for (const BoxRange& r : es.fragments[0].to_neutralise) piff += r.type == MakeFourCC("uuid");
  CHECK(piff == 1);
  auto expected = ReadExpected("mp4ff_PIFF_audio.samples.tsv");
  CheckAgainstExpected(es, expected);
  CheckSamplesInMdat(enc, es);
  // Whole samples are encrypted: only sizes and offsets can be compared.
  CheckAgainstClear(enc, es, dec, ds, expected, /*has_clear_bytes=*/false);
}

TEST_CASE("PIFF video: uuid senc with subsamples", "[mp4][testdata]") {
  Bytes enc = ReadTestData("mp4ff/PIFF_video_complseg-1.0001.mp4");
  Bytes dec = ReadTestData("mp4ff/PIFF_video_complseg-1.0001_dec.mp4");
  Stream es = MustParse(enc), ds = MustParse(dec);
  auto samples = es.SamplesByTrack();
  for (const Sample& x : samples[1]) CHECK(!x.subsamples.empty());
  auto expected = ReadExpected("mp4ff_PIFF_video.samples.tsv");
  CheckAgainstExpected(es, expected);
  CheckSamplesInMdat(enc, es);
  CheckAgainstClear(enc, es, dec, ds, expected);
}

TEST_CASE("shaka dash-clearkey: styp+sidx+moof+mdat segments", "[mp4][testdata]") {
  const std::string dir = "shaka-player/dash-clearkey/video-H264-288-400k_";
  Bytes data = ReadConcatenated({dir + "init.mp4", dir + "1.m4s", dir + "2.m4s", dir + "3.m4s",
                                 dir + "4.m4s", dir + "5.m4s"});
  Stream s = MustParse(data);
  const Track& t = TrackOf(s, 1);
  CHECK(KidHex(t.tenc.kid) == "4060a865887842679cbf91ae5bae1e72");
  CHECK(t.tenc.per_sample_iv_size == 8);
  // PlayReady and Widevine only.
  REQUIRE(s.init.pssh.size() == 2);
  CHECK(KidHex(s.init.pssh[0].system_id) == "9a04f07998404286ab92e65be0885f95");
  CHECK(KidHex(s.init.pssh[1].system_id) == "edef8ba979d64acea3c827dcd51d21ed");
  CHECK(s.fragments.size() == 5);
  CheckAgainstExpected(s, ReadExpected("shaka_dash-clearkey.samples.tsv"));
  CheckSamplesInMdat(data, s);
  auto samples = s.SamplesByTrack();
  for (const Sample& x : samples[1]) {
    REQUIRE(!x.subsamples.empty());
    uint64_t sum = 0;
    for (auto& sub : x.subsamples) sum += sub.clear_bytes + uint64_t(sub.protected_bytes);
    CHECK(sum == x.size);
  }
}

TEST_CASE("seg_cenc_no_seig.m4v: the IV size comes from tenc", "[mp4][testdata]") {
  Bytes data = ReadConcatenated({"mp4ff/init_cenc_test.m4i", "mp4ff/seg_cenc_no_seig.m4v"});
  Stream s = MustParse(data);
  const Track& t = TrackOf(s, 4);
  CHECK(t.tenc.per_sample_iv_size == 8);
  CHECK(t.seig_entries.empty());
  REQUIRE(s.fragments.size() == 1);
  const auto& samples = s.fragments[0].trafs.at(0).samples;
  REQUIRE(samples.size() == 12);
  CHECK(ToHex(samples[0].iv) == "002d41102a7c4b5d");
  CHECK(samples[0].size == 40640);
  CHECK(samples[0].subsamples.size() == 7);
  for (const Sample& x : samples) CHECK(x.iv.size() == 8);
  CheckSamplesInMdat(data, s);
  // Both the senc and the PIFF box are neutralised.
  int senc = 0, uuid = 0;
  for (const BoxRange& r : s.fragments[0].to_neutralise) {
    senc += r.type == MakeFourCC("senc");
    uuid += r.type == MakeFourCC("uuid");
  }
  CHECK(senc == 1);
  CHECK(uuid == 1);
}

TEST_CASE("2xSencNoMdat.mp4: senc and PIFF senc in one traf, no mdat", "[mp4][testdata]") {
  InitSegment init;  // track 1, cenc, IV size 8: the init this fragment was made with
  REQUIRE(ParseInit(ReadTestData("mp4ff/init_cenc.cmfv"), &init).ok());
  Bytes data = ReadTestData("mp4ff/2xSencNoMdat.mp4");
  Fragment f;
  REQUIRE(ParseFragment(data, 0, init, &f).ok());
  REQUIRE(f.trafs.size() == 1);
  REQUIRE(f.trafs[0].samples.size() == 279);
  // The senc (2248 bytes = 16 + 4 + 279 * 8: IV size 8, no subsamples) is the one used.
  CHECK(ToHex(f.trafs[0].samples[0].iv) == "43590454f3aaa18f");
  CHECK(f.trafs[0].samples[0].subsamples.empty());
  CHECK(f.data_end > data.size());     // the samples are not in this file
  CHECK(f.to_neutralise.size() == 4);  // saiz, saio, senc, uuid
}

// Renaming 'senc' (and the PIFF box) to 'free' leaves saiz/saio, which point at the same bytes:
// the aux-info path must give the same IVs and subsamples as the senc path.
TEST_CASE("saiz/saio give what senc gives on the real files", "[mp4][testdata]") {
  const std::vector<std::vector<std::string>> inputs = {
      {"mp4ff/prog_8s_enc_dashinit.mp4"},
      {"mp4ff/init_cenc.cmfv", "mp4ff/moof_enc.m4s"},
      {"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001.m4s"},
      {"mp4ff/PIFF_video_complseg-1.0001.mp4"},
      {"mp4ff/init_cenc_test.m4i", "mp4ff/seg_cenc_no_seig.m4v"},
      {"shaka-player/dash-clearkey/video-H264-288-400k_init.mp4",
       "shaka-player/dash-clearkey/video-H264-288-400k_3.m4s"}};
  for (const auto& files : inputs) {
    INFO(files.back());
    Bytes data;
    for (const auto& f : files) {
      Bytes b = ReadTestData(f);
      data.insert(data.end(), b.begin(), b.end());
    }
    Stream with_senc = MustParse(data);
    Bytes renamed = data;
    int renamed_count = 0;
    for (const Fragment& f : with_senc.fragments) {
      for (const BoxRange& r : f.to_neutralise) {
        if (r.type != MakeFourCC("senc") && r.type != MakeFourCC("uuid")) continue;
        StoreBE32(renamed.data() + r.offset + 4, MakeFourCC("free"));
        ++renamed_count;
      }
    }
    REQUIRE(renamed_count > 0);
    Stream with_aux = MustParse(renamed);
    auto a = with_senc.SamplesByTrack(), b = with_aux.SamplesByTrack();
    REQUIRE(a.size() == b.size());
    size_t compared = 0;
    for (auto& kv : a) {
      REQUIRE(b[kv.first].size() == kv.second.size());
      for (size_t i = 0; i < kv.second.size(); ++i) {
        const Sample& x = kv.second[i];
        const Sample& y = b[kv.first][i];
        CHECK(x.iv == y.iv);
        REQUIRE(x.subsamples.size() == y.subsamples.size());
        for (size_t k = 0; k < x.subsamples.size(); ++k) {
          CHECK(x.subsamples[k].clear_bytes == y.subsamples[k].clear_bytes);
          CHECK(x.subsamples[k].protected_bytes == y.subsamples[k].protected_bytes);
        }
        ++compared;
      }
    }
    CHECK(compared > 0);
  }
}

TEST_CASE("every file of the test data parses", "[mp4][testdata]") {
  const std::vector<std::vector<std::string>> inputs = {
      {"mp4ff/2xSencNoMdat.mp4"},  // a lone moof: checked above with its init
      {"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001.m4s"},
      {"mp4ff/PIFF_video_complseg-1.0001.mp4"},
      {"mp4ff/PIFF_video_complseg-1.0001_dec.mp4"},
      {"mp4ff/cbcs.mp4"},
      {"mp4ff/cbcsdec.mp4"},
      {"mp4ff/cbcs_audio.mp4"},
      {"mp4ff/cbcs_audiodec.mp4"},
      {"mp4ff/init_cenc.cmfv", "mp4ff/moof_enc.m4s"},
      {"mp4ff/init_cenc_test.m4i", "mp4ff/seg_cenc_no_seig.m4v"},
      {"mp4ff/prog_8s_enc_dashinit.mp4"},
      {"mp4ff/prog_8s_dec_dashinit.mp4"},
      {"shaka-player/incorrect-enca-init.mp4"},
      {"shaka-player/init-fairplay.mp4"}};
  for (const auto& files : inputs) {
    INFO(files.back());
    Bytes data;
    for (const auto& f : files) {
      Bytes b = ReadTestData(f);
      data.insert(data.end(), b.begin(), b.end());
    }
    if (files.size() == 1 && files[0] == "mp4ff/2xSencNoMdat.mp4") {
      BoxHeader h;
      CHECK(ReadBoxHeader(data, 0, false, &h).ok());
      CHECK(h.type == MakeFourCC("moof"));
      continue;
    }
    Stream s = MustParse(data);
    CHECK(!s.init.tracks.empty());
    CheckEntryOffsets(data, s.init);
    CheckRanges(data, s.init.to_neutralise);
    for (const Fragment& f : s.fragments) CheckRanges(data, f.to_neutralise);
  }
  // The decrypted PIFF audio segment needs the (encrypted) init read as clear.
  Stream s = MustParse(
      ReadConcatenated({"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001_dec.m4s"}),
      true);
  CHECK(s.fragments.size() == 1);
}

// An MSE append can stop anywhere: every prefix of a real stream is "need more data" for the
// box it cuts, and the box reads fine once complete.
TEST_CASE("ReadBoxHeader on every prefix of a real file", "[mp4][testdata][incremental]") {
  Bytes data = ReadConcatenated({"mp4ff/init_cenc.cmfv", "mp4ff/moof_enc.m4s"});
  std::vector<BoxHeader> boxes;
  for (uint64_t pos = 0; pos < data.size();) {
    BoxHeader h;
    REQUIRE(ReadBoxHeader(data, pos, true, &h).ok());
    boxes.push_back(h);
    pos += h.size;
  }
  REQUIRE(boxes.size() == 5);  // ftyp moov styp sidx moof (this file has no mdat)
  for (const BoxHeader& box : boxes) {
    for (uint64_t len = box.offset; len <= data.size(); ++len) {
      BoxHeader h;
      Status s = ReadBoxHeader(ByteSpan(data.data(), size_t(len)), box.offset, false, &h);
      if (len < box.offset + box.size) {
        REQUIRE(s.code() == Code::kNeedMoreData);
      } else {
        REQUIRE(s.ok());
        CHECK(h.size == box.size);
        CHECK(h.type == box.type);
        break;
      }
    }
  }
}

TEST_CASE("ParseInit and ParseFragment on every prefix", "[mp4][testdata][incremental]") {
  Bytes data = ReadConcatenated({"mp4ff/init_cenc.cmfv", "mp4ff/moof_enc.m4s"});
  const size_t moov_end = 24 + 1659, moof_offset = 1683 + 68, moof_end = moof_offset + 3023;
  InitSegment init;
  for (size_t len = 0; len <= moov_end; ++len) {
    Status s = ParseInit(ByteSpan(data.data(), len), &init);
    if (len < moov_end) {
      REQUIRE(s.code() == Code::kNeedMoreData);
    } else {
      REQUIRE(s.ok());
    }
  }
  for (size_t len = moof_offset; len <= moof_end; ++len) {
    Fragment f;
    Status s = ParseFragment(ByteSpan(data.data(), len), moof_offset, init, &f);
    if (len < moof_end) {
      REQUIRE(s.code() == Code::kNeedMoreData);
    } else {
      REQUIRE(s.ok());
      CHECK(f.data_end > len);  // the mdat has not arrived: the caller waits for it
    }
  }
}

}  // namespace
}  // namespace wee::mp4
