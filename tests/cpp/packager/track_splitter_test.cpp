// The track splitter on a real two-track file (every sample of every split stream must match
// the published per-sample md5s, an oracle the splitter did not produce), on hand-built inputs
// with the 14496-12 data offset rules, and on malformed ones.
#include "packager/track_splitter.h"

#include <catch2/catch.hpp>
#include <map>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "mp4/mp4_test_util.h"
#include "packager/box_tree.h"
#include "packager/codecs_parameter.h"
#include "test_util.h"

namespace wee::packager {
namespace {

using namespace mp4::test;

// mp4::test::Box, which packager::Box hides here.
Bytes Bx(const char* type, const Bytes& body) { return mp4::test::Box(type, body); }

Bytes Stream(ByteSpan file, const TrackStream& t) {
  Bytes out = t.init;
  for (const SplitSegment& s : t.segments) {
    Bytes b = WriteSegment(file, s);
    CHECK(b.size() == s.Size());
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

std::vector<TrackStream> Split(ByteSpan file) {
  std::vector<TrackStream> tracks;
  Status s = SplitTracks(file, &tracks);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return tracks;
}

// The top-level boxes of a buffer, parsed with the box tree.
std::vector<Box> TopLevel(ByteSpan data) {
  std::vector<Box> boxes;
  REQUIRE(ParseBoxes(data, "", &boxes).ok());
  return boxes;
}

TEST_CASE("split: each track of a two-track file alone, samples equal to the published ones") {
  const Bytes input = test::ReadTestData("mp4ff/prog_8s_dec_dashinit.mp4");  // moofs with 2 trafs
  const std::vector<TrackStream> tracks = Split(input);
  REQUIRE(tracks.size() == 2);
  std::map<uint32_t, std::vector<std::string>> want;
  for (const ExpectedSample& e : ReadExpected("mp4ff_prog_8s_enc_dashinit.samples.tsv"))
    want[e.track_id].push_back(e.md5);
  for (const TrackStream& t : tracks) {
    INFO("track " << t.track_id);
    const Bytes stream = Stream(input, t);
    mp4::test::Stream parsed;
    REQUIRE(ParseStream(stream, &parsed).ok());
    REQUIRE(parsed.init.tracks.size() == 1);
    CHECK(parsed.init.tracks[0].track_id == t.track_id);
    std::vector<std::string> md5s;
    for (const mp4::Fragment& f : parsed.fragments) {
      REQUIRE(f.trafs.size() == 1);
      CHECK(f.trafs[0].track_id == t.track_id);
      for (const mp4::Sample& s : f.trafs[0].samples)
        md5s.push_back(HexEncode(Md5(ByteSpan(stream).sub(size_t(s.data_offset), s.size))));
    }
    CHECK(md5s == want[t.track_id]);

    // Only this track's trex; each moof has one traf, default-base-is-moof, and is followed by
    // an mdat that holds exactly its samples.
    const std::vector<Box> init = TopLevel(t.init);
    REQUIRE(init.size() == 2);
    CHECK(init[0].type == MakeFourCC("ftyp"));
    const Box* mvex = init[1].Child(MakeFourCC("mvex"));
    REQUIRE(mvex);
    REQUIRE(mvex->Children(MakeFourCC("trex")).size() == 1);
    CHECK(LoadBE32(mvex->Child(MakeFourCC("trex"))->payload.data() + 4) == t.track_id);
    CHECK(init[1].Child(MakeFourCC("mvhd")));
    for (const SplitSegment& s : t.segments) {
      const Bytes segment = WriteSegment(input, s);
      const std::vector<Box> boxes = TopLevel(segment);
      REQUIRE(boxes.size() == 2);
      const Box* tfhd = boxes[0].Child(MakeFourCC("traf"))->Child(MakeFourCC("tfhd"));
      CHECK((LoadBE32(tfhd->payload.data()) & 0xffffff) == 0x020000);
      uint64_t sample_bytes = 0;
      mp4::test::Stream one;
      Bytes with_init = t.init;
      with_init.insert(with_init.end(), segment.begin(), segment.end());
      REQUIRE(ParseStream(with_init, &one).ok());
      for (const mp4::Sample& x : one.fragments[0].trafs[0].samples) sample_bytes += x.size;
      CHECK(boxes[1].payload.size() == sample_bytes);
    }
  }
  const TrackStream& video = tracks[0].kind == TrackKind::kVideo ? tracks[0] : tracks[1];
  const TrackStream& audio = tracks[0].kind == TrackKind::kVideo ? tracks[1] : tracks[0];
  CHECK(video.kind == TrackKind::kVideo);
  CHECK(video.codecs == "avc1.64001e");  // its avcC: High profile, level 3.0
  CHECK(video.width == 640);
  CHECK(video.height == 360);
  CHECK(audio.kind == TrackKind::kAudio);
  CHECK(audio.codecs == "mp4a.40.2");
}

// --- hand-built inputs ------------------------------------------------------------------------

Bytes Mdhd(uint32_t timescale) {
  return FullBox("mdhd", 0, 0, B().U32(0).U32(0).U32(timescale).U32(0).U16(0x55c4).U16(0));
}
Bytes ClearTrak(uint32_t id, const char* handler, uint32_t timescale, const Bytes& entry) {
  return Bx("trak", Cat({Tkhd(id), Bx("tref", Bx("chap", B().U32(3 - id))),
                          Bx("mdia", Cat({Mdhd(timescale), Hdlr(handler),
                                           Bx("minf", Bx("stbl", Stsd({entry})))}))}));
}
Bytes Avc1(const Bytes& avcc) {
  return Bx("avc1", B().Zeros(6).U16(1).Zeros(16).U16(320).U16(180).Zeros(50).Add(Bx("avcC", avcc)));
}
// esds with an AudioSpecificConfig.
Bytes Esds(uint8_t object_type, const Bytes& asc) {
  Bytes config = B().U8(object_type).U8(0x15).U24(0).U32(0).U32(0).Add(B().U8(5).U8(uint8_t(asc.size())).Add(asc));
  Bytes es = B().U16(1).U8(0).U8(4).U8(uint8_t(config.size())).Add(config);
  return FullBox("esds", 0, 0, B().U8(3).U8(uint8_t(es.size())).Add(es));
}
Bytes Mp4a(const Bytes& esds) {
  return Bx("mp4a", B().Zeros(6).U16(1).Zeros(8).U16(2).U16(16).U32(0).U32(48000u << 16).Add(esds));
}
const Bytes kAvcc = test::Hex("0164001fffe1000467640015" "01000468ee3cb0");  // SPS and PPS stubs
const Bytes kAacLcMono = test::Hex("1188");  // AOT 2, 48 kHz, 1 channel

// ftyp moov(mvhd iods trak1(avc1) trak2(mp4a) mvex(mehd trex1 trex2 leva)).
Bytes Init(const Bytes& mvex_extra = {}) {
  return Cat({Ftyp(), Bx("moov", Cat({FullBox("mvhd", 0, 0, B().Zeros(96)), FullBox("iods", 0, 0, B().U32(0)),
                                       ClearTrak(1, "vide", 15360, Avc1(kAvcc)),
                                       ClearTrak(2, "soun", 48000, Mp4a(Esds(0x40, kAacLcMono))),
                                       Bx("mvex", Cat({FullBox("mehd", 0, 0, B().U32(100)), Trex(1), Trex(2),
                                                        FullBox("leva", 0, 0, B().U8(0)), mvex_extra}))}))});
}

// moof(mfhd traf1 traf2) mdat: track 1 samples "aaa" "bbbb", track 2 sample "ccccc".
Bytes Fragment(uint32_t sequence = 1) {
  return MakeSegment(
      [](uint32_t moof_size) {
        return Cat({Bx("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(moof_size + 8), {3, 4})})),
                    Bx("traf", Cat({TfhdMoofBase(2), TrunSizes(int32_t(moof_size + 8 + 7), {5})}))});
      },
      Bytes{'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c', 'c'});
}

// The samples of a split stream, as the mp4 parser reads them.
std::vector<std::string> Samples(const Bytes& stream) {
  mp4::test::Stream parsed;
  Status s = ParseStream(stream, &parsed);
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::vector<std::string> out;
  for (const auto& [id, samples] : parsed.SamplesByTrack())
    for (const mp4::Sample& x : samples)
      out.push_back(ByteSpan(stream).sub(size_t(x.data_offset), x.size).ToString());
  return out;
}

TEST_CASE("split: a hand-built two-track file; what names the other track is dropped") {
  const Bytes input = Cat({Init(), Fragment(1), Fragment(2)});
  const std::vector<TrackStream> tracks = Split(input);
  REQUIRE(tracks.size() == 2);
  CHECK(Samples(Stream(input, tracks[0])) == std::vector<std::string>{"aaa", "bbbb", "aaa", "bbbb"});
  CHECK(Samples(Stream(input, tracks[1])) == std::vector<std::string>{"ccccc", "ccccc"});
  CHECK(tracks[0].segments.size() == 2);
  CHECK(tracks[0].segments[0].runs.size() == 1);  // adjacent samples: one run

  const TrackStream& video = tracks[0];
  CHECK(video.kind == TrackKind::kVideo);
  CHECK(video.codecs == "avc1.64001f");
  CHECK(video.width == 320);
  CHECK(video.height == 180);
  CHECK(video.timescale == 15360);
  const TrackStream& audio = tracks[1];
  CHECK(audio.kind == TrackKind::kAudio);
  CHECK(audio.codecs == "mp4a.40.2");
  CHECK(audio.sample_rate == 48000);
  CHECK(audio.channels == 1);  // from the AudioSpecificConfig, not the entry's 2

  const std::vector<Box> init = TopLevel(audio.init);
  const Box& moov = init[1];
  CHECK(moov.Children(MakeFourCC("trak")).size() == 1);
  CHECK(!moov.Child(MakeFourCC("iods")));
  CHECK(!moov.Child(MakeFourCC("trak"))->Child(MakeFourCC("tref")));
  const Box* mvex = moov.Child(MakeFourCC("mvex"));
  CHECK(mvex->Child(MakeFourCC("mehd")));
  CHECK(!mvex->Child(MakeFourCC("leva")));
  REQUIRE(mvex->Children(MakeFourCC("trex")).size() == 1);
  CHECK(LoadBE32(mvex->Child(MakeFourCC("trex"))->payload.data() + 4) == 2);
}

TEST_CASE("split: base-data-offset, implicit trun positions and a styp are handled") {
  const Bytes init = Init();
  const Bytes styp = Bx("styp", B().CC("msdh").U32(0).CC("msdh"));
  // traf 1: base_data_offset absolute (tfhd flag 1), trun without data_offset (samples at the
  // base); traf 2: no flags at all, so its data follows traf 1's (8.8.7.1).
  const uint64_t moof_at = init.size() + styp.size();
  Bytes moof;
  for (int pass = 0; pass < 2; ++pass) {
    const uint64_t mdat_payload = moof_at + moof.size() + 8;
    Bytes trun1 = FullBox("trun", 0, 0x200, B().U32(2).U32(3).U32(4));
    Bytes trun2 = FullBox("trun", 0, 0x200, B().U32(1).U32(5));
    moof = Bx("moof", Cat({Mfhd(), Bx("traf", Cat({FullBox("tfhd", 0, 1, B().U32(1).U64(mdat_payload)), trun1})),
                            Bx("traf", Cat({FullBox("tfhd", 0, 0, B().U32(2)), trun2}))}));
  }
  const Bytes input = Cat({init, styp, moof, Bx("mdat", Bytes{'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c', 'c'})});
  const std::vector<TrackStream> tracks = Split(input);
  CHECK(Samples(Stream(input, tracks[0])) == std::vector<std::string>{"aaa", "bbbb"});
  CHECK(Samples(Stream(input, tracks[1])) == std::vector<std::string>{"ccccc"});
  for (const TrackStream& t : tracks) CHECK(TopLevel(WriteSegment(input, t.segments[0]))[0].type == MakeFourCC("styp"));
}

Status SplitError(const Bytes& input) {
  std::vector<TrackStream> tracks;
  Status s = SplitTracks(input, &tracks);
  CHECK(tracks.empty());
  return s;
}

TEST_CASE("split: malformed input is refused with the box and its offset") {
  const Bytes init = Init();
  const Bytes good = Cat({init, Fragment()});

  Status s = SplitError(Bytes(good.begin(), good.end() - 2));
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message().rfind("the input is truncated: mdat at ", 0) == 0);

  s = SplitError(Cat({Ftyp(), Fragment(), Bytes(init.begin() + Ftyp().size(), init.end())}));
  CHECK(s.message() == "moof at " + std::to_string(Ftyp().size()) + ": comes before any 'moov' (the init segment must come first)");

  s = SplitError(Cat({init, Bytes(init.begin() + Ftyp().size(), init.end())}));
  CHECK(s.message().find(": a second 'moov'") != std::string::npos);

  // A trun pointing back into the moov, and one running past its mdat into the next box.
  const std::string at = "moof at " + std::to_string(init.size());
  Bytes back = Cat({init, MakeSegment([](uint32_t) { return Bx("traf", Cat({TfhdMoofBase(1), TrunSizes(-40, {3})})); }, Bytes(3, 'a'))});
  s = SplitError(back);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message().rfind(at + ": sample data at ", 0) == 0);
  CHECK(s.message().find("is not inside an 'mdat' of this input") != std::string::npos);
  Bytes past = Cat({init, MakeSegment([](uint32_t m) { return Bx("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(m + 8), {4})})); }, Bytes(3, 'a')),
                    Bx("free", Bytes(8, 0))});
  s = SplitError(past);
  CHECK(s.message().rfind(at + ": sample data at ", 0) == 0);

  s = SplitError(Cat({init, MakeSegment([](uint32_t m) { return Bx("traf", Cat({TfhdMoofBase(9), TrunSizes(int32_t(m + 8), {3})})); }, Bytes(3, 'a'))}));
  CHECK(s.message() == at + ": moof/traf[1]/tfhd: track_ID 9 is not in the init segment");

  // A trun whose sample count does not fit its box.
  Bytes bad_trun = Cat({init, MakeSegment([](uint32_t) { return Bx("traf", Cat({TfhdMoofBase(1), FullBox("trun", 0, 0x200, B().U32(1000).U32(3))})); }, Bytes(3, 'a'))});
  CHECK(SplitError(bad_trun).code() == Code::kMalformed);

  const Bytes no_mvex = Cat({Ftyp(), Bx("moov", ClearTrak(1, "vide", 15360, Avc1(kAvcc)))});
  s = SplitError(no_mvex);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().rfind("the input is not a fragmented MP4 (no 'mvex' in 'moov')", 0) == 0);

  const Bytes short_avcc = Cat({Ftyp(), Bx("moov", Cat({ClearTrak(1, "vide", 15360, Avc1(test::Hex("0164"))), Bx("mvex", Trex(1))}))});
  s = SplitError(short_avcc);
  CHECK(s.message() == "moov/trak[1]/mdia/minf/stbl/stsd/avc1: avcC: not an AVCDecoderConfigurationRecord version 1");

  const Bytes short_entry = Cat({Ftyp(), Bx("moov", Cat({ClearTrak(1, "soun", 48000, Bx("mp4a", Bytes(10, 0))), Bx("mvex", Trex(1))}))});
  s = SplitError(short_entry);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message().rfind("moov/trak[1]/mdia/minf/stbl/stsd/mp4a: ", 0) == 0);

  CHECK(SplitError(Bytes()).message() == "no 'moov' in the input");
}

// --- codecs parameters ----------------------------------------------------------------------

TEST_CASE("codecs: H.264 from avcC") {
  CHECK(*AvcCodecs(MakeFourCC("avc1"), test::Hex("0164000d")) == "avc1.64000d");
  CHECK(*AvcCodecs(MakeFourCC("avc3"), test::Hex("0142c01e")) == "avc3.42c01e");
  CHECK(AvcCodecs(MakeFourCC("avc1"), test::Hex("006400")).status().code() == Code::kMalformed);
}

TEST_CASE("codecs: H.265 from hvcC, as 14496-15 Annex E spells it") {
  // Main profile (compatibility flags 0x60000000: reversed 0x6), level 3.1 (93), progressive
  // source + frame only constraint flags (0x90), no other constraint byte.
  Bytes main = test::Hex("01" "01" "60000000" "900000000000" "5d");
  CHECK(*HevcCodecs(MakeFourCC("hvc1"), main) == "hvc1.1.6.L93.90");
  // Profile space 1 (A), high tier, profile 4, compatibility bit 4 (0x08000000 -> 0x10),
  // level 120, constraint bytes B0 00 23 (the zero in between is kept, trailing ones dropped).
  Bytes rext = test::Hex("01" "64" "08000000" "b00023000000" "78");
  CHECK(*HevcCodecs(MakeFourCC("hev1"), rext) == "hev1.A4.10.H120.B0.0.23");
  Bytes none = test::Hex("01" "01" "60000000" "000000000000" "5d");
  CHECK(*HevcCodecs(MakeFourCC("hvc1"), none) == "hvc1.1.6.L93");
  CHECK(HevcCodecs(MakeFourCC("hvc1"), test::Hex("0101600000009000")).status().code() == Code::kMalformed);
}

TEST_CASE("codecs: AV1 from av1C") {
  CHECK(*Av1Codecs(test::Hex("81000c00")) == "av01.0.00M.08");
  CHECK(*Av1Codecs(test::Hex("8124c000")) == "av01.1.04H.10.0.000.01.01.01.0");  // profile 1 (4:4:4), level 4, high tier, 10 bits
  CHECK(*Av1Codecs(test::Hex("814de000")) == "av01.2.13H.12.0.000.01.01.01.0");  // profile 2, level 13, 12 bits, 4:4:4
  // The optional fields when they are not the defaults: from 'colr' (BT.2100 PQ, limited
  // range), or from the sequence header of the configOBUs, or only the chroma format differs.
  CHECK(*Av1Codecs(test::Hex("81084c00"), test::Hex("6e636c78" "0009" "0010" "0009" "00")) ==
        "av01.0.08M.10.0.110.09.16.09.0");
  CHECK(*Av1Codecs(test::Hex("81200000")) == "av01.1.00M.08.0.000.01.01.01.0");  // 4:4:4
  CHECK(*Av1Codecs(test::Hex("81001c00")) == "av01.0.00M.08.1.110.01.01.01.0");  // monochrome
  // libaom's av1C for 320x180 BT.709 primaries and transfer, BT.601 matrix (6), full range:
  // the colour comes from the sequence header in its configOBUs, or equally from FFmpeg's colr.
  const Bytes av1c = test::Hex("81000c00" "0a0e000000043cfeccdaf91010106840");
  CHECK(*Av1Codecs(av1c) == "av01.0.00M.08.0.110.01.01.06.1");
  CHECK(*Av1Codecs(av1c, test::Hex("6e636c7800010001000680")) == "av01.0.00M.08.0.110.01.01.06.1");
  CHECK(Av1Codecs(test::Hex("01000c00")).status().code() == Code::kMalformed);
  CHECK(Av1Codecs(test::Hex("8100")).status().code() == Code::kMalformed);
}

TEST_CASE("codecs: AAC and other MPEG-4 system audio from esds") {
  auto payload = [](const Bytes& esds) { return Bytes(esds.begin() + 8, esds.end()); };
  uint32_t channels = 2;
  CHECK(*Mp4aCodecs(payload(Esds(0x40, kAacLcMono)), &channels) == "mp4a.40.2");
  CHECK(channels == 1);
  // HE-AAC (AOT 5), 44.1 kHz, 7.1 (channelConfiguration 7: 8 channels).
  channels = 0;
  CHECK(*Mp4aCodecs(payload(Esds(0x40, test::Hex("2a38"))), &channels) == "mp4a.40.5");
  CHECK(channels == 8);
  // An escaped object type (31 -> 32 + 10 = 42, USAC), explicit 24-bit frequency.
  channels = 0;
  CHECK(*Mp4aCodecs(payload(Esds(0x40, test::Hex("f95e01770040"))), &channels) == "mp4a.40.42");
  CHECK(channels == 2);
  // MP3 (OTI 0x6B): no AudioSpecificConfig needed; channels untouched.
  channels = 2;
  CHECK(*Mp4aCodecs(payload(Esds(0x6b, {})), &channels) == "mp4a.6B");
  CHECK(channels == 2);
  CHECK(Mp4aCodecs(test::Hex("00000000" "03"), &channels).status().code() == Code::kMalformed);
  CHECK(Mp4aCodecs(payload(Esds(0x40, {})), &channels).status().code() == Code::kMalformed);
  CHECK(Mp4aCodecs(payload(Esds(0x40, test::Hex("f9"))), &channels).status().code() == Code::kMalformed);
}

}  // namespace
}  // namespace wee::packager
