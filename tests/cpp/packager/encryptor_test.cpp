// The packager end to end on real clear files of ../shared/testdata: encrypt, parse the output
// with the mp4 parser, decrypt every sample with the cenc ciphers and compare with the per-sample
// md5s published in expected/*.samples.tsv (an oracle that our packager did not produce).
#include "packager/encryptor.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "cenc/scheme.h"
#include "cenc/stream_decryptor.h"
#include "crypto/hash.h"
#include "mp4/mp4_test_util.h"
#include "test_util.h"

namespace wee::packager {
namespace {

using mp4::test::ExpectedSample;
using mp4::test::ParseStream;
using mp4::test::ReadExpected;
using mp4::test::Stream;

const char kProg8s[] = "mp4ff/prog_8s_dec_dashinit.mp4";  // H.264 (track 2) + AAC (track 1)
const char kProg8sExpected[] = "mp4ff_prog_8s_enc_dashinit.samples.tsv";
const Bytes kKid1 = test::Hex("11111111111111111111111111111111");
const Bytes kKey1 = test::Hex("000102030405060708090a0b0c0d0e0f");
const Bytes kKid2 = test::Hex("22222222222222222222222222222222");
const Bytes kKey2 = test::Hex("f0e0d0c0b0a090807060504030201000");
const Bytes kKid3 = test::Hex("33333333333333333333333333333333");
const Bytes kKey3 = test::Hex("3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c");

struct KeyArg {
  std::string kind;
  Bytes kid;
  Bytes key;
};

EncryptOptions Options(cenc::Scheme scheme) {
  EncryptOptions o;
  o.scheme = scheme;
  o.iv_seed = test::Hex("5eed5eed5eed5eed5eed5eed5eed5eed");
  return o;
}

Status Encrypt(const std::vector<Bytes>& pieces, const EncryptOptions& options,
               const std::vector<KeyArg>& keys, Bytes* out, Encryptor** keep = nullptr) {
  static std::unique_ptr<Encryptor> last;
  last = std::make_unique<Encryptor>(options);
  for (const KeyArg& k : keys) WEE_RETURN_IF_ERROR(last->AddKey(k.kind, k.kid, k.key));
  out->clear();
  for (const Bytes& piece : pieces) {
    Bytes part;
    WEE_RETURN_IF_ERROR(last->Process(piece, &part));
    out->insert(out->end(), part.begin(), part.end());
  }
  if (keep) *keep = last.get();
  return Status::Ok();
}

Bytes Encrypted(const Bytes& input, const EncryptOptions& options, const std::vector<KeyArg>& keys) {
  Bytes out;
  Status s = Encrypt({input}, options, keys, &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

std::string Md5Hex(ByteSpan data) { return HexEncode(Md5(data)); }

mp4::Kid Kid(const Bytes& b) {
  mp4::Kid k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

// Decrypts every sample of `encrypted` and checks it against the published md5s; returns the
// KIDs used per track, in sample order.
std::map<uint32_t, std::vector<mp4::Kid>> CheckRoundTrip(const Bytes& encrypted,
                                                         const std::string& expected_tsv,
                                                         const std::map<mp4::Kid, Bytes>& keys) {
  Stream stream;
  Status s = ParseStream(encrypted, &stream);
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::map<uint32_t, std::vector<mp4::Kid>> kids;
  std::map<uint32_t, std::vector<std::string>> md5s;
  for (const auto& [track_id, samples] : stream.SamplesByTrack()) {
    const mp4::Track* track = stream.init.FindTrack(track_id);
    REQUIRE(track);
    auto scheme = cenc::SchemeFromFourCC(track->scheme_type);
    REQUIRE(scheme.ok());
    for (const mp4::Sample& sample : samples) {
      REQUIRE(sample.is_protected);
      REQUIRE(sample.data_offset + sample.size <= encrypted.size());
      Bytes data(encrypted.begin() + sample.data_offset,
                 encrypted.begin() + sample.data_offset + sample.size);
      auto key = keys.find(sample.kid);
      REQUIRE(key != keys.end());
      auto content = cenc::ContentKey::Create(key->second);
      REQUIRE(content.ok());
      REQUIRE(cenc::DecryptSample(*scheme, *content, sample, data.data(), data.size()).ok());
      md5s[track_id].push_back(Md5Hex(data));
      kids[track_id].push_back(sample.kid);
    }
  }
  std::map<uint32_t, std::vector<std::string>> want;
  for (const ExpectedSample& e : ReadExpected(expected_tsv)) want[e.track_id].push_back(e.md5);
  CHECK(md5s == want);
  return kids;
}

// Every protected range of a video sample lies inside one NAL unit, after its length field and
// header, and is a whole number of blocks (except in cbcs, where it starts at the slice data).
void CheckNalLayout(const Bytes& clear_input, const Bytes& encrypted, uint32_t video_track,
                    bool aligned = true) {
  Stream in, out;
  REQUIRE(ParseStream(clear_input, &in).ok());
  REQUIRE(ParseStream(encrypted, &out).ok());
  const auto clear_samples = in.SamplesByTrack()[video_track];
  const auto samples = out.SamplesByTrack()[video_track];
  REQUIRE(clear_samples.size() == samples.size());
  size_t protected_ranges = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const uint8_t* data = clear_input.data() + clear_samples[i].data_offset;
    std::vector<std::pair<size_t, size_t>> nals;  // [payload start, end)
    for (size_t pos = 0; pos < clear_samples[i].size;) {
      const size_t size = LoadBE32(data + pos);
      nals.emplace_back(pos + 4 + 1, pos + 4 + size);
      pos += 4 + size;
    }
    size_t pos = 0;
    REQUIRE(!samples[i].subsamples.empty());
    for (const mp4::Subsample& sub : samples[i].subsamples) {
      pos += sub.clear_bytes;
      if (sub.protected_bytes) {
        ++protected_ranges;
        CHECK((!aligned || sub.protected_bytes % 16 == 0));
        bool inside = false;
        for (auto [begin, end] : nals)
          inside = inside || (pos >= begin && pos + sub.protected_bytes <= end);
        CHECK(inside);
      }
      pos += sub.protected_bytes;
    }
  }
  CHECK(protected_ranges >= samples.size() / 2);
}

TEST_CASE("encrypt: every scheme round-trips to the published clear samples") {
  const Bytes input = test::ReadTestData(kProg8s);
  for (cenc::Scheme scheme :
       {cenc::Scheme::kCenc, cenc::Scheme::kCbcs, cenc::Scheme::kCens, cenc::Scheme::kCbc1}) {
    SECTION(cenc::SchemeName(scheme)) {
      const Bytes out = Encrypted(input, Options(scheme), {{"", kKid1, kKey1}});
      auto kids = CheckRoundTrip(out, kProg8sExpected, {{Kid(kKid1), kKey1}});
      CHECK(kids.size() == 2);
      CheckNalLayout(input, out, 2, scheme != cenc::Scheme::kCbcs);

      Stream stream;
      REQUIRE(ParseStream(out, &stream).ok());
      for (const mp4::Track& t : stream.init.tracks) {
        const bool video = t.handler == mp4::MakeFourCC("vide");
        CHECK(mp4::FourCCString(t.scheme_type) == cenc::SchemeName(scheme));
        CHECK(t.original_format == mp4::MakeFourCC(video ? "avc1" : "mp4a"));
        CHECK(t.sample_entry_type == mp4::MakeFourCC(video ? "encv" : "enca"));
        CHECK(t.tenc.kid == Kid(kKid1));
        switch (scheme) {
          case cenc::Scheme::kCenc:
            CHECK(t.tenc.per_sample_iv_size == 8);
            break;
          case cenc::Scheme::kCbc1:
            CHECK(t.tenc.per_sample_iv_size == 16);
            break;
          case cenc::Scheme::kCens:
            CHECK(t.tenc.per_sample_iv_size == 8);
            CHECK(t.tenc.pattern == (video ? mp4::Pattern{1, 9} : mp4::Pattern{1, 0}));
            break;
          case cenc::Scheme::kCbcs:
            // Constant IV, 1:9 for video, 0:0 (every whole block) for audio (23001-7 10.4).
            CHECK(t.tenc.per_sample_iv_size == 0);
            CHECK(t.tenc.constant_iv.size() == 16);
            CHECK(t.tenc.pattern == (video ? mp4::Pattern{1, 9} : mp4::Pattern{0, 0}));
            break;
        }
      }
      // One pssh v1 with the Common SystemID listing the KID (23001-7 8.1).
      REQUIRE(stream.init.pssh.size() == 1);
      CHECK(UuidString(ByteSpan(stream.init.pssh[0].system_id.data(), 16)) ==
            "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b");
      CHECK(stream.init.pssh[0].version == 1);
      CHECK(stream.init.pssh[0].kids == std::vector<mp4::Kid>{Kid(kKid1)});
    }
  }
}

// Slice header sizes of the first four pictures of prog_8s, as FFmpeg's trace_headers bitstream
// filter reports them (an independent H.264 parser): the header ends at bit 40, 44, 72 and 81
// of the NAL unit, i.e. 4, 5, 8 and 10 bytes after the 1-byte NAL unit header.
TEST_CASE("encrypt: cbcs protection starts at the H.264 slice data, where FFmpeg's parser says") {
  const Bytes input = test::ReadTestData(kProg8s);
  const Bytes out = Encrypted(input, Options(cenc::Scheme::kCbcs), {{"", kKid1, kKey1}});
  Stream in, enc;
  REQUIRE(ParseStream(input, &in).ok());
  REQUIRE(ParseStream(out, &enc).ok());
  const auto clear = in.SamplesByTrack().at(2);
  const auto protected_samples = enc.SamplesByTrack().at(2);
  const size_t want[] = {4, 5, 8, 10};
  for (size_t i = 0; i < 4; ++i) {
    // The protected range's start, relative to the start of the slice NAL unit's header.
    const uint8_t* data = input.data() + clear[i].data_offset;
    size_t pos = 0, slice_at = 0;
    while (pos < clear[i].size) {
      const uint8_t type = data[pos + 4] & 0x1f;
      if (type == 1 || type == 5) slice_at = pos + 4;
      pos += 4 + LoadBE32(data + pos);
    }
    size_t start = 0;
    for (const mp4::Subsample& sub : protected_samples[i].subsamples) {
      start += sub.clear_bytes;
      if (sub.protected_bytes) break;
      start += sub.protected_bytes;
    }
    INFO("sample " << i);
    CHECK(start - slice_at == 1 + want[i]);
  }
}

TEST_CASE("encrypt: cenc IVs are 8 bytes that count up per sample of a track") {
  const Bytes out = Encrypted(test::ReadTestData(kProg8s), Options(cenc::Scheme::kCenc),
                              {{"", kKid1, kKey1}});
  Stream stream;
  REQUIRE(ParseStream(out, &stream).ok());
  for (const auto& [track_id, samples] : stream.SamplesByTrack()) {
    std::set<Bytes> ivs;
    for (size_t i = 0; i < samples.size(); ++i) {
      REQUIRE(samples[i].iv.size() == 8);
      ivs.insert(samples[i].iv);
      if (i > 0) {
        uint64_t a = LoadBE64(samples[i - 1].iv.data()), b = LoadBE64(samples[i].iv.data());
        CHECK(b == a + 1);
      }
    }
    CHECK(ivs.size() == samples.size());
  }
}

TEST_CASE("encrypt: separate video and audio keys") {
  const Bytes out = Encrypted(test::ReadTestData(kProg8s), Options(cenc::Scheme::kCbcs),
                              {{"video", kKid1, kKey1}, {"audio", kKid2, kKey2}});
  auto kids = CheckRoundTrip(out, kProg8sExpected, {{Kid(kKid1), kKey1}, {Kid(kKid2), kKey2}});
  CHECK(std::set<mp4::Kid>(kids[2].begin(), kids[2].end()) == std::set<mp4::Kid>{Kid(kKid1)});
  CHECK(std::set<mp4::Kid>(kids[1].begin(), kids[1].end()) == std::set<mp4::Kid>{Kid(kKid2)});
  Stream stream;
  REQUIRE(ParseStream(out, &stream).ok());
  REQUIRE(stream.init.pssh.size() == 1);
  CHECK(stream.init.pssh[0].kids.size() == 2);
}

TEST_CASE("encrypt: a catch-all key covers the kinds without their own") {
  const Bytes out = Encrypted(test::ReadTestData(kProg8s), Options(cenc::Scheme::kCenc),
                              {{"video", kKid1, kKey1}, {"", kKid2, kKey2}});
  auto kids = CheckRoundTrip(out, kProg8sExpected, {{Kid(kKid1), kKey1}, {Kid(kKid2), kKey2}});
  CHECK(kids[2].front() == Kid(kKid1));
  CHECK(kids[1].front() == Kid(kKid2));
}

TEST_CASE("encrypt: key rotation switches KIDs every N fragments with seig groups and a pssh") {
  const Bytes input = test::ReadTestData(kProg8s);
  for (cenc::Scheme scheme :
       {cenc::Scheme::kCenc, cenc::Scheme::kCbcs, cenc::Scheme::kCens, cenc::Scheme::kCbc1}) {
    SECTION(cenc::SchemeName(scheme)) {
      EncryptOptions options = Options(scheme);
      options.rotation_period = 1;
      options.clear_key_pssh = true;
      const Bytes out = Encrypted(input, options,
                                  {{"", kKid1, kKey1}, {"", kKid2, kKey2}, {"", kKid3, kKey3}});
      auto kids = CheckRoundTrip(
          out, kProg8sExpected, {{Kid(kKid1), kKey1}, {Kid(kKid2), kKey2}, {Kid(kKid3), kKey3}});
      Stream stream;
      REQUIRE(ParseStream(out, &stream).ok());
      REQUIRE(stream.fragments.size() >= 2);
      const std::vector<Bytes> order = {kKid1, kKid2, kKid3};
      for (size_t f = 0; f < stream.fragments.size(); ++f) {
        const mp4::Fragment& fragment = stream.fragments[f];
        const mp4::Kid want = Kid(order[f % 3]);
        for (const mp4::TrackFragment& traf : fragment.trafs)
          for (const mp4::Sample& sample : traf.samples) CHECK(sample.kid == want);
        // Common SystemID and Clear Key SystemID boxes, both naming the fragment's KID.
        REQUIRE(fragment.pssh.size() == 2);
        for (const mp4::Pssh& pssh : fragment.pssh) CHECK(pssh.kids == std::vector<mp4::Kid>{want});
      }
      // The init names the first period's KID, in tenc and in both pssh boxes.
      CHECK(stream.init.pssh.size() == 2);
      for (const mp4::Track& t : stream.init.tracks) CHECK(t.tenc.kid == Kid(kKid1));
    }
  }
}

TEST_CASE("stream decryptor: each moof's pssh is reported once, before the key it names is needed") {
  // The packager's rotation (a new KID per fragment, named by a pssh in each moof) read back by
  // the decryptor the polyfill runs: the page learns of the next key from that report.
  EncryptOptions options = Options(cenc::Scheme::kCenc);
  options.rotation_period = 1;
  // prog_8s's 2 fragments twice: 4 fragments, KIDs 1 2 1 2.
  const Bytes input = test::ReadTestData(kProg8s);
  const Bytes init(input.begin(), input.begin() + 1204), media(input.begin() + 1204, input.end());
  Bytes out;
  REQUIRE(Encrypt({init, media, media}, options, {{"", kKid1, kKey1}, {"", kKid2, kKey2}}, &out).ok());
  Stream stream;
  REQUIRE(ParseStream(out, &stream).ok());
  REQUIRE(stream.fragments.size() == 4);
  auto pssh_of = [&](size_t f) {
    Bytes b;
    for (const mp4::Pssh& p : stream.fragments[f].pssh) b.insert(b.end(), p.box.begin(), p.box.end());
    return b;
  };

  cenc::StreamDecryptor decryptor;
  REQUIRE(decryptor.SetKey(kKid1, kKey1).ok());
  cenc::StreamDecryptor::Output first;
  REQUIRE(decryptor.Push(out, &first).ok());
  CHECK(first.inits.size() == 1);
  // Fragment 0 (KID 1) decrypted, fragment 1 named KID 2 and stopped for it.
  CHECK(first.moof_pssh == std::vector<Bytes>{pssh_of(0), pssh_of(1)});
  REQUIRE(first.missing_key);
  CHECK(*first.missing_key == Kid(kKid2));

  cenc::StreamDecryptor::Output again;
  REQUIRE(decryptor.Push(ByteSpan(), &again).ok());
  CHECK(again.moof_pssh.empty());  // the waiting moof is not reported twice
  CHECK(again.missing_key);

  REQUIRE(decryptor.SetKey(kKid2, kKey2).ok());
  cenc::StreamDecryptor::Output rest;
  REQUIRE(decryptor.Push(ByteSpan(), &rest).ok());
  CHECK_FALSE(rest.missing_key);
  std::vector<Bytes> want;
  for (size_t f = 2; f < stream.fragments.size(); ++f) want.push_back(pssh_of(f));
  CHECK(rest.moof_pssh == want);
}

TEST_CASE("encrypt: rotation every 2 fragments, counted across pieces") {
  // The init, then the 2-fragment media part twice: 4 fragments in 3 pieces.
  const Bytes input = test::ReadTestData(kProg8s);
  const Bytes init(input.begin(), input.begin() + 1204), media(input.begin() + 1204, input.end());
  EncryptOptions options = Options(cenc::Scheme::kCenc);
  options.rotation_period = 2;
  Bytes out;
  REQUIRE(Encrypt({init, media, media}, options, {{"", kKid1, kKey1}, {"", kKid2, kKey2}}, &out).ok());
  Stream stream;
  REQUIRE(ParseStream(out, &stream).ok());
  REQUIRE(stream.fragments.size() == 4);
  const mp4::Kid want[] = {Kid(kKid1), Kid(kKid1), Kid(kKid2), Kid(kKid2)};
  for (size_t f = 0; f < 4; ++f)
    for (const mp4::TrackFragment& traf : stream.fragments[f].trafs) CHECK(traf.samples[0].kid == want[f]);
}

TEST_CASE("encrypt: cbcs video with several slices per sample, and a clear text track") {
  // cbcsdec.mp4: H.264 track 1 (several slices per picture) and a CEA-608 track 2 whose truns
  // interleave with the video's in the mdat; the text track must stay clear and in place.
  const Bytes input = test::ReadTestData("mp4ff/cbcsdec.mp4");
  const Bytes out = Encrypted(input, Options(cenc::Scheme::kCbcs), {{"", kKid1, kKey1}});
  Stream stream;
  REQUIRE(ParseStream(out, &stream).ok());
  std::vector<std::string> md5s;
  auto key = cenc::ContentKey::Create(kKey1);
  const auto by_track = stream.SamplesByTrack();
  for (const mp4::Sample& sample : by_track.at(1)) {
    REQUIRE(sample.is_protected);
    Bytes data(out.begin() + sample.data_offset, out.begin() + sample.data_offset + sample.size);
    REQUIRE(cenc::DecryptSample(cenc::Scheme::kCbcs, *key, sample, data.data(), data.size()).ok());
    md5s.push_back(Md5Hex(data));
  }
  std::vector<std::string> want;
  for (const ExpectedSample& e : ReadExpected("mp4ff_cbcs.samples.tsv"))
    if (e.track_id == 1) want.push_back(e.md5);
  CHECK(md5s == want);
  CheckNalLayout(input, out, 1, /*aligned=*/false);
  for (const mp4::Track& t : stream.init.tracks)
    CHECK((t.scheme_type == mp4::MakeFourCC("cbcs")) == (t.handler == mp4::MakeFourCC("vide")));
  // The first CEA-608 sample ('cdat' box, 24 bytes at 2821 in the input: traf 2 of the first
  // moof, data_offset 1599 from the moof at 1222) moved with its mdat and is unchanged.
  const Bytes cdat(input.begin() + 2821, input.begin() + 2821 + 24);
  REQUIRE(std::string(cdat.begin() + 4, cdat.begin() + 8) == "cdat");
  uint64_t pos = 0;
  mp4::BoxHeader h;
  for (; pos < out.size(); pos += h.size) {
    REQUIRE(mp4::ReadBoxHeader(out, pos, true, &h).ok());
    if (h.type == mp4::MakeFourCC("mdat")) break;
  }
  const size_t at = size_t(pos + h.header_size + (2821 - 2262));  // 2262: input mdat payload
  CHECK(Bytes(out.begin() + at, out.begin() + at + 24) == cdat);
}

TEST_CASE("encrypt: a whole file gets a sidx indexing every fragment") {
  const Bytes input = test::ReadTestData(kProg8s);
  const Bytes out = Encrypted(input, Options(cenc::Scheme::kCenc), {{"", kKid1, kKey1}});
  // Top-level boxes: ftyp moov sidx (moof mdat)*.
  std::vector<mp4::BoxHeader> boxes;
  for (uint64_t pos = 0; pos < out.size();) {
    mp4::BoxHeader h;
    REQUIRE(mp4::ReadBoxHeader(out, pos, true, &h).ok());
    boxes.push_back(h);
    pos += h.size;
  }
  REQUIRE(boxes.size() >= 5);
  REQUIRE(boxes[2].type == mp4::MakeFourCC("sidx"));
  const uint8_t* sidx = out.data() + boxes[2].offset + 8;
  CHECK(LoadBE32(sidx + 4) == 2);        // reference_ID: the video track
  CHECK(LoadBE32(sidx + 8) == 90000);    // its timescale
  CHECK(LoadBE32(sidx + 16) == 0);       // first_offset: the first moof follows
  const uint16_t count = uint16_t((sidx[22] << 8) | sidx[23]);
  CHECK(count == (boxes.size() - 3) / 2);
  uint64_t pos = boxes[3].offset;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* ref = sidx + 24 + 12 * i;
    CHECK(boxes[3 + 2 * i].offset == pos);
    CHECK(boxes[3 + 2 * i].type == mp4::MakeFourCC("moof"));
    pos += LoadBE32(ref) & 0x7fffffff;
    CHECK(LoadBE32(ref + 4) > 0);            // subsegment_duration
    CHECK((ref[8] & 0x80) != 0);             // starts_with_SAP
  }
  CHECK(pos == out.size());
}

TEST_CASE("encrypt: pieces (init, then media) give the same bytes as one piece without a sidx") {
  const Bytes input = test::ReadTestData(kProg8s);
  mp4::BoxHeader ftyp, moov;
  REQUIRE(mp4::ReadBoxHeader(input, 0, true, &ftyp).ok());
  REQUIRE(mp4::ReadBoxHeader(input, ftyp.size, true, &moov).ok());
  const size_t init_end = size_t(ftyp.size + moov.size);
  const Bytes init(input.begin(), input.begin() + init_end);
  const Bytes media(input.begin() + init_end, input.end());
  EncryptOptions options = Options(cenc::Scheme::kCenc);
  options.write_sidx = false;
  Bytes whole, pieces;
  REQUIRE(Encrypt({input}, options, {{"", kKid1, kKey1}}, &whole).ok());
  Encryptor* encryptor = nullptr;
  REQUIRE(Encrypt({init, media}, options, {{"", kKid1, kKey1}}, &pieces, &encryptor).ok());
  CHECK(whole == pieces);
  // What the playlists need: per-fragment durations, in the track's timescale.
  REQUIRE(encryptor->tracks().size() == 2);
  uint64_t video_duration = 0;
  for (const auto& f : encryptor->last_fragments())
    if (f.track_id == 2) video_duration += f.duration;
  CHECK(video_duration == 8 * 90000);
}

TEST_CASE("encrypt: output is deterministic for a given input, key and IV seed") {
  const Bytes input = test::ReadTestData(kProg8s);
  EncryptOptions options = Options(cenc::Scheme::kCenc);
  const Bytes a = Encrypted(input, options, {{"", kKid1, kKey1}});
  const Bytes b = Encrypted(input, options, {{"", kKid1, kKey1}});
  CHECK(a == b);
  options.iv_seed = test::Hex("0123456789abcdef");
  const Bytes c = Encrypted(input, options, {{"", kKid1, kKey1}});
  CHECK(a.size() == c.size());
  CHECK(a != c);
}

// --- bad input --------------------------------------------------------------------------------

Status EncryptError(const Bytes& input, std::vector<KeyArg> keys = {{"", kKid1, kKey1}},
                    EncryptOptions options = Options(cenc::Scheme::kCenc)) {
  Bytes out;
  Status s = Encrypt({input}, options, keys, &out);
  CHECK(out.empty());
  return s;
}

Bytes Replace(Bytes data, const std::string& from, const std::string& to) {
  auto it = std::search(data.begin(), data.end(), from.begin(), from.end());
  REQUIRE(it != data.end());
  std::copy(to.begin(), to.end(), it);
  return data;
}

TEST_CASE("encrypt: a truncated file names the box that is cut") {
  Bytes input = test::ReadTestData(kProg8s);
  input.resize(input.size() - 1000);
  Status s = EncryptError(input);
  CHECK(s.code() == Code::kMalformed);
  CHECK_THAT(s.message(), Catch::StartsWith("the input is truncated: mdat at 114641"));
}

TEST_CASE("encrypt: a non-fragmented file is refused with how to fragment it") {
  Bytes input = Replace(test::ReadTestData(kProg8s), "mvex", "free");
  Status s = EncryptError(input);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() ==
        "the input is not a fragmented MP4 (no 'mvex' in 'moov'): fragment it first, e.g. ffmpeg "
        "-i in.mp4 -c copy -movflags +frag_keyframe+empty_moov+default_base_moof out.mp4");
}

TEST_CASE("encrypt: an unsupported codec is named") {
  Status s = EncryptError(Replace(test::ReadTestData(kProg8s), "avc1", "vp09"));
  CHECK(s.code() == Code::kUnsupported);
  CHECK(s.message() ==
        "track 2: codec 'vp09' is not supported (supported: avc1, avc3, hvc1, hev1, av01 (H.264, "
        "H.265, AV1) and mp4a (AAC))");
}

TEST_CASE("encrypt: already encrypted input is refused") {
  Status s = EncryptError(test::ReadTestData("mp4ff/prog_8s_enc_dashinit.mp4"));
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "the input is already encrypted (track 2 has 'encv')");
}

TEST_CASE("encrypt: key errors") {
  Encryptor e(Options(cenc::Scheme::kCenc));
  Status s = e.AddKey("", kKid1, test::Hex("000102030405060708090a0b0c0d0e"));
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "key is 15 bytes, expected 16");
  CHECK(e.AddKey("", test::Hex("1111"), kKey1).message() == "KID is 2 bytes, expected 16");
  REQUIRE(e.AddKey("", kKid1, kKey1).ok());
  CHECK(e.AddKey("audio", kKid1, kKey1).ok());  // the same key again is fine
  s = e.AddKey("video", kKid1, kKey2);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "KID 11111111111111111111111111111111 is given twice with different keys");
  CHECK(e.AddKey("text", kKid2, kKey2).code() == Code::kInvalidArgument);

  Status missing = EncryptError(test::ReadTestData(kProg8s), {{"video", kKid1, kKey1}});
  CHECK(missing.message() == "no key for track 1 (audio)");
  Status rotation = EncryptError(test::ReadTestData(kProg8s), {{"", kKid1, kKey1}, {"", kKid2, kKey2}});
  CHECK(rotation.message() == "2 keys for the video track need key rotation");
  EncryptOptions no_seed = Options(cenc::Scheme::kCenc);
  no_seed.iv_seed.clear();
  CHECK(EncryptError(test::ReadTestData(kProg8s), {{"", kKid1, kKey1}}, no_seed).code() ==
        Code::kInvalidArgument);
}

TEST_CASE("encrypt: media before the init segment, and a second moov") {
  const Bytes input = test::ReadTestData(kProg8s);
  const Bytes media(input.begin() + 1204, input.end());
  Status s = EncryptError(media);
  CHECK(s.message() == "moof at 0: comes before any 'moov' (the init segment must come first)");
  mp4::BoxHeader ftyp, moov;
  REQUIRE(mp4::ReadBoxHeader(input, 0, true, &ftyp).ok());
  REQUIRE(mp4::ReadBoxHeader(input, ftyp.size, true, &moov).ok());
  Bytes twice(input.begin(), input.begin() + ftyp.size + moov.size);
  twice.insert(twice.end(), input.begin() + ftyp.size, input.begin() + ftyp.size + moov.size);
  CHECK_THAT(EncryptError(twice).message(), Catch::Contains("a second 'moov'"));
}

TEST_CASE("encrypt: a sample outside the mdat is refused before anything is written") {
  // Make the first trun's data_offset point far beyond the file.
  Bytes input = test::ReadTestData(kProg8s);
  const std::string trun = "trun";
  auto it = std::search(input.begin(), input.end(), trun.begin(), trun.end());
  REQUIRE(it != input.end());
  const size_t data_offset_at = size_t(it - input.begin()) + 4 + 8;
  StoreBE32(input.data() + data_offset_at, 0x7ffffff0);
  Status s = EncryptError(input);
  CHECK(s.code() == Code::kMalformed);
  CHECK_THAT(s.message(), Catch::Contains("runs past the end of the input"));
}

}  // namespace
}  // namespace wee::packager
