// Hand-built streams for what the real test files do not cover: key rotation with 'seig'
// groups at track and fragment level, saiz/saio without senc, the base-data-offset rules,
// trun and tfhd defaults, PIFF overrides, pssh in moof, QuickTime audio entries.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "mp4/parser.h"
#include "mp4_test_util.h"
#include "test_util.h"

namespace wee::mp4 {
namespace {

using namespace test;  // NOLINT: the box builder
using wee::test::ToHex;

const Bytes kConstantIv = wee::test::Hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");

std::string KidHex(const Kid& k) { return ToHex(ByteSpan(k.data(), k.size())); }

InitSegment ParseInitOrDie(const Bytes& data) {
  InitSegment init;
  Status s = ParseInit(data, &init);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return init;
}

Fragment ParseFragmentOrDie(const Bytes& data, uint64_t offset, const InitSegment& init) {
  Fragment f;
  Status s = ParseFragment(data, offset, init, &f);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return f;
}

TEST_CASE("key rotation: seig groups from the init and the traf", "[mp4][fragment]") {
  // Track level: 1 = KID 22 with 16-byte IVs; 2 = KID 33, cbcs-style 1:9 with a constant IV.
  Bytes stbl_sgpd =
      SgpdSeig(1, {CencParams(0, 1, 16, 0x22), CencParams(0x19, 1, 0, 0x33, kConstantIv)});
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc(), stbl_sgpd));
  const Track& track = *init.FindTrack(1);
  REQUIRE(track.seig_entries.size() == 2);
  CHECK(track.seig_entries[1].pattern == Pattern{1, 9});
  CHECK(track.seig_entries[1].constant_iv == kConstantIv);

  Bytes senc_entries =
      Cat({SencEntry(Iv(0xa1, 16), {{2, 8}}), SencEntry({}, {{4, 16}}), SencEntry(Iv(0xa3, 8), {}),
           SencEntry({}, {}), SencEntry(Iv(0xa5, 8), {{10, 10}, {20, 10}})});
  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        return Box("traf",
                   Cat({TfhdMoofBase(1), TrunSizes(int32_t(moof_size + 8), {10, 20, 30, 40, 50}),
                        // Fragment level: 0x10001 = KID 44 with 8-byte IVs; 0x10002 = clear.
                        SgpdSeig(1, {CencParams(0, 1, 8, 0x44), CencParams(0, 0, 0, 0x55)}),
                        SbgpSeig({{1, 1}, {1, 2}, {1, 0x10001}, {1, 0x10002}, {1, 0}}),
                        Senc(2, 5, senc_entries)}));
      },
      Bytes(150, 0xee));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  REQUIRE(f.trafs.size() == 1);
  const auto& s = f.trafs[0].samples;
  REQUIRE(s.size() == 5);
  CHECK(s[0].is_protected);
  CHECK(KidHex(s[0].kid) == std::string(32, '2'));
  CHECK(s[0].iv == Iv(0xa1, 16));
  REQUIRE(s[0].subsamples.size() == 1);
  CHECK(s[0].subsamples[0].protected_bytes == 8);

  CHECK(KidHex(s[1].kid) == std::string(32, '3'));
  CHECK(s[1].iv == kConstantIv);
  CHECK(s[1].pattern == Pattern{1, 9});
  REQUIRE(s[1].subsamples.size() == 1);

  CHECK(KidHex(s[2].kid) == std::string(32, '4'));
  CHECK(s[2].iv == Iv(0xa3, 8));
  CHECK(s[2].subsamples.empty());  // subsample_count 0: the whole sample

  CHECK(!s[3].is_protected);
  CHECK(s[3].iv.empty());

  CHECK(KidHex(s[4].kid) == std::string(32, '1'));  // index 0: tenc
  CHECK(s[4].iv == Iv(0xa5, 8));
  CHECK(s[4].subsamples.size() == 2);

  std::vector<FourCC> types;
  for (const BoxRange& r : f.to_neutralise) types.push_back(r.type);
  CHECK(types == std::vector<FourCC>{MakeFourCC("sgpd"), MakeFourCC("sbgp"), MakeFourCC("senc")});
}

TEST_CASE("seig: sgpd v2 default group and v0 entries, sbgp v1", "[mp4][fragment]") {
  // Track level sgpd version 0 (entries without lengths), one entry with a constant IV.
  Bytes stbl_sgpd = FullBox("sgpd", 0, 0,
                            B().CC("seig")
                                .U32(2)
                                .Add(CencParams(0, 1, 0, 0x66, Bytes(8, 0x01)))
                                .Add(CencParams(0, 1, 16, 0x77)));
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc(), stbl_sgpd));
  REQUIRE(init.FindTrack(1)->seig_entries.size() == 2);
  CHECK(init.FindTrack(1)->seig_entries[0].constant_iv == Bytes(8, 0x01));

  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        return Box("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(moof_size + 8), {5, 5, 5}),
                                // version 2, default group 1 (KID 88): samples sbgp leaves out.
                                SgpdSeig(2, {CencParams(0, 1, 8, 0x88)}, 1),
                                SbgpSeig({{1, 2}}, /*version=*/1),
                                Senc(0, 3, Cat({Iv(1, 16), Iv(2, 8), Iv(3, 8)}))}));
      },
      Bytes(15, 0));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  const auto& s = f.trafs.at(0).samples;
  REQUIRE(s.size() == 3);
  CHECK(KidHex(s[0].kid) == std::string(32, '7'));  // sbgp index 2: track level
  CHECK(s[0].iv == Iv(1, 16));
  CHECK(KidHex(s[1].kid) == std::string(32, '8'));  // not mapped: the v2 default
  CHECK(KidHex(s[2].kid) == std::string(32, '8'));
  CHECK(s[2].iv == Iv(3, 8));
}

// 14496-12 8.7.8/8.7.9 without senc: aux info in the mdat, located relative to the moof
// (default-base-is-moof), one offset per trun or one for all.
TEST_CASE("saiz/saio without senc: aux info in the mdat", "[mp4][fragment]") {
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc()));
  // Aux info: sample 1 with 2 subsamples (8 + 2 + 12 = 22 bytes), sample 2 IV only (8).
  Bytes aux1 = SencEntry(Iv(0xb1, 8), {{3, 7}, {0, 10}});
  Bytes aux2 = SencEntry(Iv(0xb2, 8), {}, false);
  const Bytes samples(20 + 6, 0x5a);

  SECTION("one saio offset, aux info contiguous, then truncated") {
    Bytes data = MakeSegment(
        [&](uint32_t moof_size) {
          const uint32_t aux_at = moof_size + 8;
          return Box("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(aux_at + 30), {20, 6}),
                                  FullBox("saiz", 0, 0, B().U8(0).U32(2).U8(22).U8(8)),
                                  FullBox("saio", 0, 0, B().U32(1).U32(aux_at))}));
        },
        Cat({aux1, aux2, samples}));
    Fragment f = ParseFragmentOrDie(data, 0, init);
    const auto& s = f.trafs.at(0).samples;
    REQUIRE(s.size() == 2);
    CHECK(s[0].iv == Iv(0xb1, 8));
    REQUIRE(s[0].subsamples.size() == 2);
    CHECK(s[0].subsamples[0].clear_bytes == 3);
    CHECK(s[0].subsamples[1].protected_bytes == 10);
    CHECK(s[1].iv == Iv(0xb2, 8));
    CHECK(s[1].subsamples.empty());
    CHECK(f.data_end == data.size());
    CHECK(f.to_neutralise.size() == 2);  // saiz, saio

    // The mdat is still arriving: the aux info of sample 2 is cut.
    const size_t moof_end = f.moof.size;
    Fragment g;
    Status st = ParseFragment(ByteSpan(data.data(), moof_end + 8 + 25), 0, init, &g);
    CHECK(st.code() == Code::kNeedMoreData);
    CHECK(st.message().find("saio") != std::string::npos);
    // With the aux info present but not the samples: parsed, data_end says how far to wait.
    Fragment h;
    REQUIRE(ParseFragment(ByteSpan(data.data(), moof_end + 8 + 30), 0, init, &h).ok());
    CHECK(h.data_end == data.size());
  }

  SECTION("one saio offset per trun, 64-bit, with an explicit aux_info_type") {
    Bytes data = MakeSegment(
        [&](uint32_t moof_size) {
          const uint32_t aux_at = moof_size + 8;
          return Box(
              "traf",
              Cat({TfhdMoofBase(1), TrunSizes(int32_t(aux_at + 30), {20}),
                   FullBox("trun", 0, 0x200, B().U32(1).U32(6)),  // follows run 1
                   FullBox("saiz", 0, 1, B().CC("cenc").U32(0).U8(0).U32(2).U8(22).U8(8)),
                   // Run 2's info (8 bytes) comes first in the mdat, then run 1's.
                   FullBox("saio", 1, 1, B().CC("cenc").U32(0).U32(2).U64(aux_at + 8).U64(aux_at)),
                   // Another aux type is not ours: ignored, not neutralised.
                   FullBox("saiz", 0, 1, B().CC("xxxx").U32(0).U8(1).U32(2)),
                   FullBox("saio", 0, 1, B().CC("xxxx").U32(0).U32(1).U32(0))}));
        },
        Cat({aux2, aux1, samples}));
    Fragment f = ParseFragmentOrDie(data, 0, init);
    const auto& s = f.trafs.at(0).samples;
    REQUIRE(s.size() == 2);
    CHECK(s[1].data_offset == s[0].data_offset + 20);
    CHECK(s[0].iv == Iv(0xb1, 8));
    CHECK(s[0].subsamples.size() == 2);
    CHECK(s[1].iv == Iv(0xb2, 8));
    CHECK(f.to_neutralise.size() == 2);
  }

  SECTION("relative to tfhd base_data_offset") {
    Bytes data = MakeSegment(
        [&](uint32_t moof_size) {
          // base_data_offset = the mdat payload; trun and saio offsets relative to it.
          return Box("traf", Cat({FullBox("tfhd", 0, 0x1, B().U32(1).U64(moof_size + 8)),
                                  TrunSizes(30, {20, 6}),
                                  FullBox("saiz", 0, 0, B().U8(0).U32(2).U8(22).U8(8)),
                                  FullBox("saio", 0, 0, B().U32(1).U32(0))}));
        },
        Cat({aux1, aux2, samples}));
    Fragment f = ParseFragmentOrDie(data, 0, init);
    const auto& s = f.trafs.at(0).samples;
    CHECK(s.at(0).iv == Iv(0xb1, 8));
    CHECK(s.at(1).iv == Iv(0xb2, 8));
    CHECK(s.at(0).data_offset == f.moof.size + 8 + 30);

    // The same bytes at file position 5000 (a streaming caller holds only the moof on): the
    // base is a file position, so it is 5000 more, and data_position says where data[0] is.
    const uint32_t moof_size = uint32_t(f.moof.size);
    Bytes later = MakeSegment(
        [&](uint32_t) {
          return Box("traf", Cat({FullBox("tfhd", 0, 0x1, B().U32(1).U64(5000 + moof_size + 8)),
                                  TrunSizes(30, {20, 6}),
                                  FullBox("saiz", 0, 0, B().U8(0).U32(2).U8(22).U8(8)),
                                  FullBox("saio", 0, 0, B().U32(1).U32(0))}));
        },
        Cat({aux1, aux2, samples}));
    REQUIRE(later.size() == data.size());
    Fragment g;
    REQUIRE(ParseFragment(later, 0, init, &g, uint64_t(5000)).ok());
    CHECK(g.trafs.at(0).samples.at(0).iv == Iv(0xb1, 8));
    CHECK(g.trafs.at(0).samples.at(1).iv == Iv(0xb2, 8));
    CHECK(g.trafs.at(0).samples.at(0).data_offset == f.moof.size + 8 + 30);
    Status before = ParseFragment(later, 0, init, &g, uint64_t(5000 + moof_size + 9));
    CHECK(before.code() == Code::kMalformed);
    CHECK(before.message() == "moof/traf[1]/tfhd: base_data_offset " + std::to_string(5000 + moof_size + 8) +
                                  " is before the parsed bytes, which start at file position " +
                                  std::to_string(5000 + moof_size + 9));
    // No file positions (an MSE byte stream): refused before any offset is used.
    Status mse = ParseFragment(later, 0, init, &g, std::nullopt);
    CHECK(mse.code() == Code::kMalformed);
    CHECK(mse.message().rfind("moof/traf[1]/tfhd: base-data-offset-present", 0) == 0);
  }
}

TEST_CASE("base data offsets: first traf, implicit runs and trafs, explicit base",
          "[mp4][fragment]") {
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc()));
  // No tfhd flags: traf 1's base is the moof start; its run 2 follows run 1; traf 2 (clear
  // audio, no data_offset) starts where traf 1's data ended (14496-12 8.8.7.1).
  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        Bytes traf1 = Box("traf", Cat({FullBox("tfhd", 0, 0, B().U32(1)),
                                       TrunSizes(int32_t(moof_size + 8), {4, 4}),
                                       FullBox("trun", 0, 0x200, B().U32(1).U32(2)),
                                       Senc(0, 3, Cat({Iv(1, 8), Iv(2, 8), Iv(3, 8)}))}));
        Bytes traf2 = Box("traf", Cat({FullBox("tfhd", 0, 0x10, B().U32(2).U32(7)),
                                       FullBox("trun", 0, 0, B().U32(2))}));
        return Cat({traf1, traf2});
      },
      Bytes(24, 0));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  REQUIRE(f.trafs.size() == 2);
  const uint64_t mdat = f.moof.size + 8;
  const auto& v = f.trafs[0].samples;
  REQUIRE(v.size() == 3);
  CHECK(v[0].data_offset == mdat);
  CHECK(v[1].data_offset == mdat + 4);
  CHECK(v[2].data_offset == mdat + 8);
  CHECK(v[2].size == 2);
  const auto& a = f.trafs[1].samples;
  REQUIRE(a.size() == 2);
  CHECK(a[0].data_offset == mdat + 10);
  CHECK(a[0].size == 7);  // tfhd default_sample_size
  CHECK(a[1].data_offset == mdat + 17);
  CHECK(!a[0].is_protected);
  CHECK(f.data_end == mdat + 24);

  // A moof in the middle of a buffer: offsets stay absolute.
  Bytes shifted = Cat({Box("free", Bytes(100, 0)), data});
  Fragment g = ParseFragmentOrDie(shifted, 108, init);
  CHECK(g.trafs[0].samples[0].data_offset == 108 + mdat);
  CHECK(g.trafs[1].samples[0].data_offset == 108 + mdat + 10);
}

TEST_CASE("trun fields and defaults from tfhd and trex", "[mp4][fragment]") {
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc(), {}, {}, Trex(1, 2, 900, 33, 0x101)));
  const Track& t = *init.FindTrack(1);
  CHECK(t.default_sample_description_index == 2);
  CHECK(t.default_sample_duration == 900);
  CHECK(t.entry_is_protected == std::vector<bool>{true, false});

  // trex says description 2 (the clear avc1): no senc needed, samples clear.
  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        // trun v1: data offset, first-sample flags, durations, composition offsets (signed).
        return Box("traf", Cat({TfhdMoofBase(1), FullBox("trun", 1, 0x905,
                                                         B().U32(2)
                                                             .U32(moof_size + 8)
                                                             .U32(0x2000000)
                                                             .U32(10)
                                                             .U32(uint32_t(-20))
                                                             .U32(11)
                                                             .U32(5))}));
      },
      Bytes(66, 0));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  const auto& s = f.trafs.at(0).samples;
  REQUIRE(s.size() == 2);
  CHECK(s[0].sample_description_index == 2);
  CHECK(!s[0].is_protected);
  CHECK(s[0].size == 33);  // trex
  CHECK(s[0].duration == 10);
  CHECK(s[0].flags == 0x2000000);  // first_sample_flags
  CHECK(s[0].composition_offset == -20);
  CHECK(s[1].flags == 0x101);  // trex
  CHECK(s[1].composition_offset == 5);
  CHECK(s[1].data_offset == s[0].data_offset + 33);

  // tfhd overrides: description 1 (protected), size, duration, flags; trun v0 offsets unsigned.
  Bytes data2 = MakeSegment(
      [&](uint32_t moof_size) {
        return Box(
            "traf",
            Cat({FullBox("tfhd", 0, 0x2003a, B().U32(1).U32(1).U32(40).U32(3).U32(0x10000)),
                 FullBox("trun", 0, 0x801, B().U32(2).U32(moof_size + 8).U32(0xffffffff).U32(0)),
                 Senc(0, 2, Cat({Iv(1, 8), Iv(2, 8)}))}));
      },
      Bytes(6, 0));
  Fragment g = ParseFragmentOrDie(data2, 0, init);
  const auto& u = g.trafs.at(0).samples;
  REQUIRE(u.size() == 2);
  CHECK(u[0].is_protected);
  CHECK(u[0].size == 3);
  CHECK(u[0].duration == 40);
  CHECK(u[0].flags == 0x10000);
  CHECK(u[0].composition_offset == 0xffffffffLL);
}

TEST_CASE("senc wins over the PIFF box; clear samples have no IV", "[mp4][fragment]") {
  // The seig entry says not protected but (against 23001-7) gives an IV size: the sample is
  // clear and its senc entry holds no IV.
  InitSegment init =
      ParseInitOrDie(MakeInit(DefaultTenc(), SgpdSeig(1, {CencParams(0, 0, 8, 0x22)})));
  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        Bytes piff = Uuid(kPiffSencUuid, B().U8(0).U24(0).U32(2).Add(Iv(7, 8)).Add(Iv(8, 8)));
        return Box("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(moof_size + 8), {4, 4}), piff,
                                SbgpSeig({{1, 1}}), Senc(0, 2, Iv(5, 8))}));
      },
      Bytes(8, 0));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  const auto& s = f.trafs.at(0).samples;
  REQUIRE(s.size() == 2);
  CHECK(!s[0].is_protected);
  CHECK(s[0].iv.empty());
  CHECK(s[1].is_protected);
  CHECK(s[1].iv == Iv(5, 8));  // from the senc, not the PIFF box (whose IVs are 7.. and 8..)
  CHECK(f.to_neutralise.size() == 3);  // uuid, sbgp, senc
}

TEST_CASE("PIFF senc override and pssh in moof", "[mp4][fragment]") {
  InitSegment init = ParseInitOrDie(MakeInit(DefaultTenc()));
  Bytes pssh_v1 = FullBox("pssh", 1, 0,
                          B().Add(Bytes(16, 0x10))
                              .U32(2)
                              .Add(KidBytes(0x99))
                              .Add(KidBytes(0x98))
                              .U32(3)
                              .U8(1)
                              .U8(2)
                              .U8(3));
  Bytes data = MakeSegment(
      [&](uint32_t moof_size) {
        // PIFF 1.1: flags 0x1 override: AlgorithmID 1 (AES-CTR), IV_size 16, KID 77.
        Bytes piff = Uuid(kPiffSencUuid, B().U8(0)
                                             .U24(3)
                                             .U24(1)
                                             .U8(16)
                                             .Add(KidBytes(0x77))
                                             .U32(1)
                                             .Add(Iv(9, 16))
                                             .U16(1)
                                             .U16(1)
                                             .U32(3));
        return Cat({pssh_v1, Box("traf", Cat({TfhdMoofBase(1),
                                              TrunSizes(int32_t(moof_size + 8), {4}), piff}))});
      },
      Bytes(4, 0));
  Fragment f = ParseFragmentOrDie(data, 0, init);
  const Sample& s = f.trafs.at(0).samples.at(0);
  CHECK(s.is_protected);
  CHECK(KidHex(s.kid) == std::string(32, '7'));
  CHECK(s.iv == Iv(9, 16));
  REQUIRE(s.subsamples.size() == 1);
  REQUIRE(f.pssh.size() == 1);
  CHECK(f.pssh[0].version == 1);
  REQUIRE(f.pssh[0].kids.size() == 2);
  CHECK(f.pssh[0].kids[1] == KidOf(0x98));
  CHECK(f.pssh[0].data == Bytes{1, 2, 3});
  CHECK(f.pssh[0].box == pssh_v1);
  std::vector<FourCC> types;
  for (const BoxRange& r : f.to_neutralise) types.push_back(r.type);
  CHECK(types == std::vector<FourCC>{MakeFourCC("pssh"), MakeFourCC("uuid")});
}

TEST_CASE("sample entries: QuickTime audio v1, an unknown layout found by its sinf",
          "[mp4][init]") {
  Bytes tenc = DefaultTenc();
  // QuickTime sound description version 1: 16 more bytes before the child boxes.
  Bytes enca = Box("enca", B().Zeros(6)
                               .U16(1)
                               .U16(1)
                               .Zeros(18)
                               .Zeros(16)
                               .Add(Box("esds", Bytes(4, 0)))
                               .Add(Sinf("mp4a", "cbcs", tenc)));
  // A protected text entry: layout unknown to the parser, the sinf is found by scanning.
  Bytes enct = Box("enct", B().Zeros(6).U16(1).Add({'a', 'b', 0}).Add(Sinf("stpp", "cenc", tenc)));
  // ISO AudioSampleEntryV1 (entry_version 1 in an stsd of version 1): no extra bytes.
  Bytes iso_v1 = Box("enca", B().Zeros(6).U16(1).U16(1).Zeros(18).Add(Sinf("mp4a", "cenc", tenc)));
  Bytes data = Cat(
      {Ftyp(), Box("moov", Cat({Trak(5, "soun", Stsd({enca})), Trak(6, "subt", Stsd({enct})),
                                Trak(7, "soun", FullBox("stsd", 1, 0, B().U32(1).Add(iso_v1)))}))});
  InitSegment init = ParseInitOrDie(data);
  REQUIRE(init.tracks.size() == 3);
  CHECK(init.tracks[2].scheme_type == MakeFourCC("cenc"));
  CHECK(init.tracks[0].original_format == MakeFourCC("mp4a"));
  CHECK(init.tracks[0].scheme_type == MakeFourCC("cbcs"));
  CHECK(init.tracks[1].original_format == MakeFourCC("stpp"));
  CHECK(init.tracks[1].sample_entry_type == MakeFourCC("enct"));
  CHECK(init.tracks[1].sample_entry_type_offset + 4 <= data.size());
  CHECK(LoadBE32(data.data() + init.tracks[1].sample_entry_type_offset) == MakeFourCC("enct"));
  CHECK(init.to_neutralise.size() == 3);
  // No trex: the defaults stay.
  CHECK(init.tracks[0].default_sample_description_index == 1);
}

TEST_CASE("PIFF 1.1 tenc uuid in schi when there is no tenc", "[mp4][init]") {
  const std::array<uint8_t, 16> piff_tenc = {0x89, 0x74, 0xdb, 0xce, 0x7b, 0xe7, 0x4c, 0x51,
                                             0x84, 0xf9, 0x71, 0x48, 0xf9, 0x88, 0x25, 0x54};
  auto init_with_schi = [&](const Bytes& schi_children) {
    Bytes sinf = Box("sinf", Cat({Box("frma", B().CC("avc1")),
                                  FullBox("schm", 0, 0, B().CC("piff").U32(0x10000)),
                                  Box("schi", schi_children)}));
    return Cat({Ftyp(), Box("moov", Trak(1, "vide", Stsd({VisualEntry("encv", sinf)})))});
  };
  // AlgorithmID 1 (AES-CTR), IV size 16, KID 5a...
  Bytes piff = Uuid(piff_tenc, B().U8(0).U24(0).U24(1).U8(16).Add(KidBytes(0x5a)));
  InitSegment init = ParseInitOrDie(init_with_schi(piff));
  const Track& t = init.tracks.at(0);
  CHECK(t.scheme_type == MakeFourCC("piff"));
  CHECK(t.tenc.is_protected);
  CHECK(t.tenc.per_sample_iv_size == 16);
  CHECK(t.tenc.kid == KidOf(0x5a));
  // A real tenc wins over the PIFF box.
  InitSegment both = ParseInitOrDie(init_with_schi(Cat({piff, DefaultTenc()})));
  CHECK(both.tracks.at(0).tenc.kid == KidOf(0x11));
  // IV size 4 is not PIFF either.
  InitSegment bad;
  Status s =
      ParseInit(init_with_schi(Uuid(piff_tenc, B().U32(0).U24(1).U8(4).Add(KidBytes(1)))), &bad);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message().find("schi/uuid (PIFF tenc): default_IV_size 4 is not 8 or 16") !=
        std::string::npos);
}

TEST_CASE("ReadBoxHeader: size 0, largesize, uuid, need more data", "[mp4][header]") {
  BoxHeader h;
  Bytes mdat0 = B().U32(0).CC("mdat").Zeros(10);
  CHECK(ReadBoxHeader(mdat0, 0, false, &h).code() == Code::kNeedMoreData);
  REQUIRE(ReadBoxHeader(mdat0, 0, true, &h).ok());
  CHECK(h.size == 18);
  CHECK(h.header_size == 8);

  Bytes large = B().U32(1).CC("mdat").U64(20).Zeros(4);
  REQUIRE(ReadBoxHeader(large, 0, false, &h).ok());
  CHECK(h.header_size == 16);
  CHECK(h.size == 20);
  CHECK(ReadBoxHeader(ByteSpan(large.data(), 19), 0, false, &h).code() == Code::kNeedMoreData);
  CHECK(ReadBoxHeader(ByteSpan(large.data(), 12), 0, false, &h).code() == Code::kNeedMoreData);

  Bytes uuid = Uuid(kPiffSencUuid, Bytes(3, 0));
  REQUIRE(ReadBoxHeader(uuid, 0, true, &h).ok());
  CHECK(h.header_size == 24);
  CHECK(h.usertype == kPiffSencUuid);
  CHECK(ReadBoxHeader(ByteSpan(uuid.data(), 20), 0, true, &h).code() == Code::kNeedMoreData);

  // Offsets are absolute; an offset at or past the end needs more data.
  Bytes two = Cat({Box("free", {}), Box("skip", Bytes(2, 0))});
  REQUIRE(ReadBoxHeader(two, 8, false, &h).ok());
  CHECK(h.offset == 8);
  CHECK(h.type == MakeFourCC("skip"));
  CHECK(ReadBoxHeader(two, 18, true, &h).code() == Code::kNeedMoreData);
  CHECK(ReadBoxHeader(two, 1000, true, &h).code() == Code::kNeedMoreData);
}

TEST_CASE("ParseInit skips top-level boxes and stops after moov", "[mp4][init]") {
  Bytes init = MakeInit(DefaultTenc(), {}, FullBox("pssh", 0, 0, B().Add(Bytes(16, 0xab)).U32(0)));
  // A large free box and a sidx first, and garbage after the moov, are fine.
  Bytes data = Cat({Box("free", Bytes(1000, 0)), Box("sidx", Bytes(20, 0)), init, Bytes(3, 0xff)});
  InitSegment out = ParseInitOrDie(data);
  CHECK(out.tracks.size() == 2);
  REQUIRE(out.pssh.size() == 1);
  CHECK(out.pssh[0].range.offset > 1000);
  CHECK(!out.FindTrack(2)->tenc.is_protected);
  CHECK(out.FindTrack(2)->codec == "mp4a");
  CHECK(out.FindTrack(1)->codec == "avc1");
}

}  // namespace
}  // namespace wee::mp4
