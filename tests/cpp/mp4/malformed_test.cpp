// Hostile input: each hand-built case must fail with its exact Code and a message naming the
// box at fault (and, under ASan+UBSan, without touching a byte it should not).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mp4/parser.h"
#include "mp4_test_util.h"

namespace wee::mp4 {
namespace {

using namespace test;  // NOLINT: the box builder

enum class Parser { kInit, kFragment };

struct Case {
  std::string name;
  Parser parser;
  Bytes input;
  Code code;
  std::string needle;  // must appear in the message
};

// A moov holding just these track children for track 1 (the stsd is `stsd`).
Bytes InitWithStsd(const Bytes& stsd) { return Cat({Ftyp(), Box("moov", Trak(1, "vide", stsd))}); }
Bytes InitWithTenc(const Bytes& tenc) {
  return InitWithStsd(Stsd({VisualEntry("encv", Sinf("avc1", "cenc", tenc))}));
}
Bytes InitWithMoov(const Bytes& moov_children) { return Cat({Ftyp(), Box("moov", moov_children)}); }
Bytes GoodTrak() { return Trak(1, "vide", Stsd({VisualEntry("avc1", {})})); }

// A segment whose traf is tfhd (default-base-is-moof, track 1) + `boxes`, with `samples`
// 4-byte samples in its mdat (trun data offset pointing at the mdat payload).
Bytes Segment(const Bytes& boxes, uint32_t samples = 2) {
  return MakeSegment(
      [&](uint32_t moof_size) {
        B trun;
        trun.U32(samples).U32(moof_size + 8);
        for (uint32_t i = 0; i < samples; ++i) trun.U32(4);
        return Box("traf", Cat({TfhdMoofBase(1), FullBox("trun", 0, 0x201, trun), boxes}));
      },
      Bytes(4 * samples, 0));
}
Bytes Senc8(uint32_t count) {  // 8-byte IVs, no subsamples
  return Senc(0, count, Bytes(8 * count, 1));
}
Bytes Moof(const Bytes& children) { return Box("moof", children); }
// The first n bytes of b (n < 0: all but the last -n).
Bytes Prefix(Bytes b, int n) {
  b.resize(n < 0 ? b.size() - size_t(-n) : size_t(n));
  return b;
}

std::vector<Case> Cases() {
  const Bytes good_tenc = DefaultTenc();
  std::vector<Case> c;
  // --- box headers -------------------------------------------------------------------------
  c.push_back({"size smaller than the header", Parser::kInit, Cat({B().U32(4).CC("ftyp").Zeros(8)}),
               Code::kMalformed, "ftyp at 0: size 4 is smaller than its 8-byte header"});
  c.push_back({"largesize smaller than its 16-byte header", Parser::kInit,
               B().U32(1).CC("moov").U64(12).Zeros(8), Code::kMalformed,
               "moov at 0: size 12 is smaller than its 16-byte header"});
  c.push_back({"largesize 2^64-1", Parser::kInit, B().U32(1).CC("moov").U64(~0ull).Zeros(8),
               Code::kMalformed, "moov at 0: size 18446744073709551615 is beyond any real file"});
  c.push_back({"largesize beyond 2^53", Parser::kInit,
               B().U32(1).CC("free").U64((1ull << 53) + 1).Zeros(8), Code::kMalformed,
               "free at 0: size 9007199254740993"});
  c.push_back({"offset + size overflows after a first box", Parser::kInit,
               Cat({Box("free", {}), B().U32(1).CC("skip").U64(~0ull - 4)}), Code::kMalformed,
               "skip at 8"});
  c.push_back({"truncated moov", Parser::kInit, Prefix(InitWithMoov(GoodTrak()), -1),
               Code::kNeedMoreData, "moov at 20: 267-byte box has 266 bytes in the buffer"});
  c.push_back({"truncated uuid usertype", Parser::kInit, B().U32(40).CC("uuid").Zeros(4),
               Code::kNeedMoreData, "usertype"});
  c.push_back({"child past its parent's end", Parser::kInit,
               InitWithMoov(Cat({B().U32(200).CC("trak").Zeros(8)})), Code::kMalformed,
               "moov: trak at 28: box extends past its parent's end at 44"});
  c.push_back({"child size smaller than a header", Parser::kInit,
               InitWithMoov(Cat({GoodTrak(), B().U32(3).CC("free")})), Code::kMalformed,
               "moov: free at"});
  c.push_back({"stray bytes at the end of a container", Parser::kInit,
               InitWithMoov(Cat({GoodTrak(), Bytes{1, 2, 3}})), Code::kMalformed,
               "moov: 3 stray bytes"});
  c.push_back({"moof before moov", Parser::kInit, Cat({Ftyp(), Box("moof", {})}), Code::kMalformed,
               "moof at 20 comes before any moov"});
  {
    // 5000 nested boxes: the parser descends only into known containers, so depth is bounded
    // by the format (moov/trak/mdia/minf/stbl/stsd/entry/sinf/schi), not by the input.
    Bytes nested = Box("trak", {});
    for (int i = 0; i < 5000; ++i) nested = Box("trak", nested);
    c.push_back({"deep nesting", Parser::kInit, InitWithMoov(nested), Code::kMalformed,
                 "moov/trak[1]: no tkhd"});
  }
  // --- init boxes --------------------------------------------------------------------------
  c.push_back({"tenc IV size 255", Parser::kInit, InitWithTenc(Tenc(1, CencParams(0, 1, 255, 1))),
               Code::kMalformed,
               "moov/trak[1]/mdia/minf/stbl/stsd/encv/sinf/schi/tenc: Per_Sample_IV_Size 255 is "
               "not 0, 8 or 16"});
  c.push_back({"tenc version 2", Parser::kInit, InitWithTenc(Tenc(2, CencParams(0, 1, 8, 1))),
               Code::kUnsupported, "schi/tenc: version 2 (known: 0..1)"});
  c.push_back({"tenc v0 with a pattern", Parser::kInit,
               InitWithTenc(Tenc(0, CencParams(0x19, 1, 8, 1))), Code::kMalformed,
               "tenc: version 0 has a crypt/skip pattern byte 25"});
  c.push_back({"tenc constant IV size 5", Parser::kInit,
               InitWithTenc(Tenc(1, CencParams(0, 1, 0, 1, Bytes(5, 0)))), Code::kMalformed,
               "tenc: constant_IV_size 5 is not 8 or 16"});
  c.push_back({"tenc constant IV cut", Parser::kInit,
               InitWithTenc(Tenc(1, B().U8(0).U8(0).U8(1).U8(0).Zeros(16).U8(16).Zeros(3))),
               Code::kMalformed, "tenc: box too short for constant_IV"});
  c.push_back({"tenc truncated KID", Parser::kInit, InitWithTenc(Tenc(1, Bytes(10, 0))),
               Code::kMalformed,
               "tenc: box too short for isProtected, Per_Sample_IV_Size and KID"});
  c.push_back({"tenc isProtected 2", Parser::kInit, InitWithTenc(Tenc(1, CencParams(0, 2, 8, 1))),
               Code::kMalformed, "tenc: isProtected 2 is not 0 or 1"});
  c.push_back({"sinf without tenc", Parser::kInit,
               InitWithStsd(Stsd({VisualEntry(
                   "encv", Box("sinf", Cat({Box("frma", B().CC("avc1")),
                                            FullBox("schm", 0, 0, B().CC("cenc").U32(0))})))})),
               Code::kMalformed, "stsd/encv/sinf: no schi/tenc"});
  c.push_back({"sinf without frma", Parser::kInit,
               InitWithStsd(Stsd({VisualEntry(
                   "encv", Box("sinf", Cat({FullBox("schm", 0, 0, B().CC("cenc").U32(0)),
                                            Box("schi", good_tenc)})))})),
               Code::kMalformed, "encv/sinf: no frma"});
  c.push_back(
      {"stsd entry_count 2^32-1", Parser::kInit,
       InitWithStsd(FullBox("stsd", 0, 0, B().U32(0xffffffff).Add(VisualEntry("avc1", {})))),
       Code::kMalformed, "stsd: entry_count 4294967295 needs more bytes than the box holds"});
  c.push_back({"stsd entry_count 2 with one entry", Parser::kInit,
               InitWithStsd(FullBox("stsd", 0, 0, B().U32(2).Add(VisualEntry("avc1", {})))),
               Code::kMalformed, "stsd: entry_count 2 but 1 sample entries"});
  c.push_back({"size 0 inside a box", Parser::kInit,
               InitWithMoov(Cat({GoodTrak(), B().U32(0).CC("free").Zeros(8)})), Code::kMalformed,
               "moov: free at 287: size 0 (to the end of the file) inside a box"});
  c.push_back({"encv too short for its fields", Parser::kInit,
               InitWithStsd(Stsd({Box("encv", Bytes(40, 0))})), Code::kMalformed,
               "stsd/encv: 40 bytes, too short for its 78 bytes of sample entry fields"});
  c.push_back({"pssh KID_count absurd", Parser::kInit,
               InitWithMoov(Cat(
                   {GoodTrak(), FullBox("pssh", 1, 0, B().Zeros(16).U32(0x10000000).Zeros(20))})),
               Code::kMalformed, "moov/pssh: KID_count 268435456 needs more bytes"});
  c.push_back(
      {"pssh DataSize past the box", Parser::kInit,
       InitWithMoov(Cat({GoodTrak(), FullBox("pssh", 0, 0, B().Zeros(16).U32(100).Zeros(4))})),
       Code::kMalformed, "moov/pssh: DataSize 100 needs more bytes"});
  c.push_back({"pssh version 2", Parser::kInit,
               InitWithMoov(Cat({GoodTrak(), FullBox("pssh", 2, 0, B().Zeros(20))})),
               Code::kUnsupported, "moov/pssh: version 2"});
  c.push_back({"stbl sgpd seig entry_count absurd", Parser::kInit,
               InitWithStsd(
                   Cat({Stsd({VisualEntry("avc1", {})}),
                        FullBox("sgpd", 1, 0,
                                B().CC("seig").U32(20).U32(1000000).Add(CencParams(0, 1, 8, 1)))})),
               Code::kMalformed, "stbl/sgpd: entry_count 1000000 needs more bytes"});
  c.push_back({"seig IV size 255", Parser::kInit,
               InitWithStsd(
                   Cat({Stsd({VisualEntry("avc1", {})}), SgpdSeig(1, {CencParams(0, 1, 255, 1)})})),
               Code::kMalformed, "stbl/sgpd entry 1: Per_Sample_IV_Size 255"});
  c.push_back({"seig description_length past the box", Parser::kInit,
               InitWithStsd(Cat(
                   {Stsd({VisualEntry("avc1", {})}),
                    FullBox("sgpd", 1, 0,
                            B().CC("seig").U32(0).U32(1).U32(500).Add(CencParams(0, 1, 8, 1)))})),
               Code::kMalformed, "sgpd entry 1: description_length 500 runs past"});
  c.push_back({"trak without tkhd", Parser::kInit, InitWithMoov(Box("trak", Box("mdia", {}))),
               Code::kMalformed, "moov/trak[1]: no tkhd"});
  c.push_back({"trak without stsd", Parser::kInit,
               InitWithMoov(Trak(1, "vide", Box("stts", Bytes(8, 0)))), Code::kMalformed,
               "moov/trak[1]/mdia/minf/stbl: no stsd"});
  c.push_back({"track_ID 0", Parser::kInit,
               InitWithMoov(Trak(0, "vide", Stsd({VisualEntry("avc1", {})}))), Code::kMalformed,
               "moov/trak[1]/tkhd: track_ID 0 is reserved"});
  c.push_back({"duplicate track_ID", Parser::kInit, InitWithMoov(Cat({GoodTrak(), GoodTrak()})),
               Code::kMalformed, "moov/trak[2]/tkhd: track_ID 1 is used by an earlier trak"});
  c.push_back({"moov without trak", Parser::kInit, InitWithMoov(Box("mvex", {})), Code::kMalformed,
               "moov: no trak"});
  // --- fragments (init: MakeInit(DefaultTenc()): track 1 cenc, IV size 8) -------------------
  c.push_back(
      {"trun sample_count 2^32-1", Parser::kFragment,
       MakeSegment(
           [](uint32_t) {
             return Box("traf", Cat({TfhdMoofBase(1),
                                     FullBox("trun", 0, 0x200, B().U32(0xffffffff).U32(4))}));
           },
           {}),
       Code::kMalformed,
       "moof/traf[1]/trun[1]: sample_count 4294967295 needs more bytes than the box holds"});
  c.push_back({"trun without per-sample fields over the sample cap", Parser::kFragment,
               MakeSegment(
                   [](uint32_t) {
                     return Box("traf", Cat({FullBox("tfhd", 0, 0x20002, B().U32(1).U32(2)),
                                             FullBox("trun", 0, 0, B().U32(1u << 21))}));
                   },
                   {}),
               Code::kLimitExceeded, "moof/traf[1]/trun[1]: sample_count 2097152 takes the moof"});
  c.push_back({"trun version 2", Parser::kFragment,
               MakeSegment(
                   [](uint32_t) {
                     return Box("traf", Cat({TfhdMoofBase(1), FullBox("trun", 2, 0, B().U32(0))}));
                   },
                   {}),
               Code::kUnsupported, "moof/traf[1]/trun[1]: version 2"});
  c.push_back({"trun data_offset before the buffer", Parser::kFragment,
               MakeSegment(
                   [](uint32_t) {
                     return Box("traf", Cat({TfhdMoofBase(1), TrunSizes(-100, {4}), Senc8(1)}));
                   },
                   Bytes(4, 0)),
               Code::kMalformed, "moof/traf[1]/trun[1]: data_offset -100"});
  c.push_back({"senc with more samples than trun", Parser::kFragment, Segment(Senc8(3)),
               Code::kMalformed, "moof/traf[1]/senc: sample_count 3 but the traf has 2 samples"});
  c.push_back({"senc subsample_count past the box", Parser::kFragment,
               Segment(Senc(2, 2, Cat({Bytes(8, 1), B().U16(1000).U16(1).U32(3)}))),
               Code::kMalformed, "senc: sample 1: subsample_count 1000 needs more bytes"});
  c.push_back(
      {"senc subsamples not adding up to the sample", Parser::kFragment,
       Segment(
           Senc(2, 2, Cat({SencEntry(Bytes(8, 1), {{1, 2}}), SencEntry(Bytes(8, 1), {{1, 3}})}))),
       Code::kMalformed, "senc: sample 1 subsamples cover 3 bytes but the sample has 4"});
  c.push_back({"senc with bytes left over (wrong IV size)", Parser::kFragment,
               Segment(Senc(0, 2, Bytes(32, 1))), Code::kMalformed,
               "senc: 16 bytes follow the 2 samples"});
  c.push_back({"senc cut inside an IV", Parser::kFragment, Segment(Senc(0, 2, Bytes(12, 1))),
               Code::kMalformed,
               "senc: sample 2: box too short for its 8-byte InitializationVector"});
  c.push_back({"two senc boxes", Parser::kFragment, Segment(Cat({Senc8(2), Senc8(2)})),
               Code::kMalformed, "moof/traf[1]/senc: second senc in traf"});
  c.push_back(
      {"PIFF override IV size 7", Parser::kFragment,
       Segment(Uuid(kPiffSencUuid, B().U8(0).U24(1).U24(1).U8(7).Zeros(16).U32(2).Zeros(14))),
       Code::kMalformed, "uuid (PIFF senc): IV_size 7"});
  c.push_back({"no senc, saiz or saio for 8-byte IVs", Parser::kFragment, Segment({}),
               Code::kMalformed, "moof/traf[1]: protected samples need per-sample IVs"});
  c.push_back({"saiz sample_count mismatch", Parser::kFragment,
               Segment(Cat({FullBox("saiz", 0, 0, B().U8(8).U32(3)),
                            FullBox("saio", 0, 0, B().U32(1).U32(16))})),
               Code::kMalformed, "moof/traf[1]/saiz: sample_count 3 but the traf has 2 samples"});
  c.push_back({"saiz sample_count past the box", Parser::kFragment,
               Segment(FullBox("saiz", 0, 0, B().U8(0).U32(5000).Zeros(2))), Code::kMalformed,
               "saiz: sample_count 5000 needs more bytes"});
  c.push_back({"saiz without saio", Parser::kFragment,
               Segment(FullBox("saiz", 0, 0, B().U8(8).U32(2))), Code::kMalformed,
               "saiz: no saio for it in the traf"});
  c.push_back({"saio 64-bit offset past any file", Parser::kFragment,
               Segment(Cat({FullBox("saiz", 0, 0, B().U8(8).U32(2)),
                            FullBox("saio", 1, 0, B().U32(1).U64(~0ull - 2))})),
               Code::kMalformed, "saio: offset 18446744073709551613 is beyond any real file"});
  c.push_back({"saio offset past the end of the data", Parser::kFragment,
               Segment(Cat({FullBox("saiz", 0, 0, B().U8(8).U32(2)),
                            FullBox("saio", 0, 0, B().U32(1).U32(100000))})),
               Code::kNeedMoreData, "saio: aux info at"});
  c.push_back({"saio entry_count neither 1 nor the truns", Parser::kFragment,
               Segment(Cat({FullBox("saiz", 0, 0, B().U8(8).U32(2)),
                            FullBox("saio", 0, 0, B().U32(3).U32(0).U32(0).U32(0))})),
               Code::kMalformed, "saio: entry_count 3 is neither 1 nor the 1 truns"});
  c.push_back({"saio entry_count absurd", Parser::kFragment,
               Segment(FullBox("saio", 0, 0, B().U32(0x40000000).U32(0))), Code::kMalformed,
               "saio: entry_count 1073741824 needs more bytes"});
  c.push_back({"saiz info size not matching its content", Parser::kFragment,
               Segment(Cat({FullBox("saiz", 0, 0, B().U8(12).U32(2)),
                            FullBox("saio", 0, 0, B().U32(1).U32(0))})),
               Code::kMalformed, "saiz: sample 1: info size 12 does not match its IV size 8"});
  c.push_back(
      {"sbgp index past the traf's sgpd", Parser::kFragment,
       Segment(Cat({SgpdSeig(1, {CencParams(0, 1, 8, 2)}), SbgpSeig({{2, 0x10002}}), Senc8(2)})),
       Code::kMalformed,
       "moof/traf[1]/sbgp: group_description_index 65538 exceeds the 1 entries of the "
       "traf's sgpd 'seig'"});
  c.push_back({"sbgp index past the init's sgpd", Parser::kFragment,
               Segment(Cat({SbgpSeig({{2, 1}}), Senc8(2)})), Code::kMalformed,
               "sbgp: group_description_index 1 exceeds the 0 entries of the init's stbl sgpd"});
  c.push_back(
      {"sbgp index 0x10000 is the init's 65536th entry", Parser::kFragment,
       Segment(Cat({SgpdSeig(1, {CencParams(0, 1, 8, 2)}), SbgpSeig({{2, 0x10000}}), Senc8(2)})),
       Code::kMalformed,
       "sbgp: group_description_index 65536 exceeds the 0 entries of the init's"});
  c.push_back({"sbgp sample counts past the traf's samples", Parser::kFragment,
               Segment(Cat({SbgpSeig({{2, 0}, {1, 0}}), Senc8(2)})), Code::kMalformed,
               "sbgp: sample counts add up to more than the traf's 2 samples"});
  c.push_back({"sbgp entry_count absurd", Parser::kFragment,
               Segment(FullBox("sbgp", 0, 0, B().CC("seig").U32(0x20000000))), Code::kMalformed,
               "sbgp: entry_count 536870912 needs more bytes"});
  c.push_back({"traf sgpd seig entry_count absurd", Parser::kFragment,
               Segment(FullBox("sgpd", 1, 0, B().CC("seig").U32(20).U32(0xffffff))),
               Code::kMalformed, "moof/traf[1]/sgpd: entry_count 16777215 needs more bytes"});
  c.push_back({"sgpd v2 default index past its entries", Parser::kFragment,
               Segment(SgpdSeig(2, {CencParams(0, 1, 8, 2)}, 3)), Code::kMalformed,
               "sgpd: default_group_description_index 3 exceeds entry_count 1"});
  c.push_back({"tfhd of an unknown track", Parser::kFragment,
               MakeSegment([](uint32_t) { return Box("traf", TfhdMoofBase(9)); }, {}),
               Code::kMalformed, "moof/traf[1]/tfhd: track_ID 9 is not in the init segment"});
  c.push_back(
      {"tfhd sample_description_index 5", Parser::kFragment,
       MakeSegment([](uint32_t) { return Box("traf", FullBox("tfhd", 0, 0x2, B().U32(1).U32(5))); },
                   {}),
       Code::kMalformed, "moof/traf[1]/tfhd: sample_description_index 5 is not in 1..2"});
  c.push_back(
      {"tfhd cut in base_data_offset", Parser::kFragment,
       MakeSegment([](uint32_t) { return Box("traf", FullBox("tfhd", 0, 0x1, B().U32(1).U32(0))); },
                   {}),
       Code::kMalformed, "moof/traf[1]/tfhd: box too short for base_data_offset"});
  c.push_back({"traf without tfhd", Parser::kFragment,
               MakeSegment([](uint32_t) { return Box("traf", {}); }, {}), Code::kMalformed,
               "moof/traf[1]: no tfhd"});
  c.push_back({"moof without mfhd", Parser::kFragment, Moof(Box("traf", TfhdMoofBase(1))),
               Code::kMalformed, "moof: no mfhd"});
  c.push_back({"moof cut short", Parser::kFragment, Prefix(Segment(Senc8(2)), 50),
               Code::kNeedMoreData, "moof at 0"});
  c.push_back({"not a moof", Parser::kFragment, Box("mdat", Bytes(4, 0)), Code::kInvalidArgument,
               "no moof at 0 (found mdat)"});
  c.push_back({"pssh in moof cut", Parser::kFragment,
               Moof(Cat({Mfhd(), FullBox("pssh", 0, 0, B().Zeros(10))})), Code::kMalformed,
               "moof/pssh: box too short for SystemID"});
  return c;
}

TEST_CASE("malformed inputs fail with the right code and a message naming the box",
          "[mp4][malformed]") {
  InitSegment init;
  REQUIRE(ParseInit(MakeInit(DefaultTenc()), &init).ok());
  const std::vector<Case> cases = Cases();
  CHECK(cases.size() >= 30);
  for (const Case& c : cases) {
    INFO(c.name);
    Status s;
    if (c.parser == Parser::kInit) {
      InitSegment out;
      s = ParseInit(c.input, &out);
      CHECK(out.tracks.empty());  // nothing committed on failure
    } else {
      Fragment out;
      s = ParseFragment(c.input, 0, init, &out);
      CHECK(out.trafs.empty());
    }
    INFO(s.ToString());
    CHECK(s.code() == c.code);
    CHECK(s.message().find(c.needle) != std::string::npos);
  }
}

// Every prefix of every case is also hostile input: no crash, never ok with garbage.
TEST_CASE("malformed inputs: every prefix", "[mp4][malformed]") {
  InitSegment init;
  REQUIRE(ParseInit(MakeInit(DefaultTenc()), &init).ok());
  for (const Case& c : Cases()) {
    if (c.input.size() > 4096) continue;  // the deep-nesting case: quadratic, nothing new
    INFO(c.name);
    for (size_t len = 0; len < c.input.size(); ++len) {
      ByteSpan prefix(c.input.data(), len);
      Status s;
      if (c.parser == Parser::kInit) {
        InitSegment out;
        s = ParseInit(prefix, &out);
      } else {
        Fragment out;
        s = ParseFragment(prefix, 0, init, &out);
      }
      CHECK(!s.message().empty() == !s.ok());
    }
  }
}

}  // namespace
}  // namespace wee::mp4
