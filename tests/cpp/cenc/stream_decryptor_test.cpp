// The stream decryptor on the external vectors: every decrypted sample must have the published
// md5 (../shared/testdata/expected), whole or fed in pieces; keys missing and arriving later.
#include "cenc/stream_decryptor.h"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "crypto/hash.h"
#include "mp4/parser.h"
#include "test_util.h"

using namespace wee;
using test::Hex;

namespace {

struct Vector {
  const char* name;
  std::vector<std::string> inputs;
  std::string kid, key;
  std::string expected;
};

const std::vector<Vector>& Vectors() {
  static const std::vector<Vector> v = {
      {"prog_8s cenc", {"mp4ff/prog_8s_enc_dashinit.mp4"}, "cd7eb9ff88f34caeb06185b00024e4c2",
       "63cb5f7184dd4b689a5c5ff11ee6a328", "mp4ff_prog_8s_enc_dashinit.samples.tsv"},
      {"cbcs video", {"mp4ff/cbcs.mp4"}, "00000000000000000000000000000000",
       "22bdb0063805260307ee5045c0f3835a", "mp4ff_cbcs.samples.tsv"},
      {"cbcs audio", {"mp4ff/cbcs_audio.mp4"}, "00000000000000000000000000000000",
       "5ffd93861fa776e96cccd934898fc1c8", "mp4ff_cbcs_audio.samples.tsv"},
      {"PIFF audio", {"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001.m4s"},
       "21b82dc2ebb24d5aa9f8631f04726650", "602a9289bfb9b1995b75ac63f123fc86", "mp4ff_PIFF_audio.samples.tsv"},
      {"PIFF video", {"mp4ff/PIFF_video_complseg-1.0001.mp4"}, "21b82dc2ebb24d5aa9f8631f04726650",
       "602a9289bfb9b1995b75ac63f123fc86", "mp4ff_PIFF_video.samples.tsv"},
      {"shaka dash-clearkey",
       {"shaka-player/dash-clearkey/video-H264-288-400k_init.mp4",
        "shaka-player/dash-clearkey/video-H264-288-400k_1.m4s",
        "shaka-player/dash-clearkey/video-H264-288-400k_2.m4s",
        "shaka-player/dash-clearkey/video-H264-288-400k_3.m4s",
        "shaka-player/dash-clearkey/video-H264-288-400k_4.m4s",
        "shaka-player/dash-clearkey/video-H264-288-400k_5.m4s"},
       "4060a865887842679cbf91ae5bae1e72", "fc35340837310cc0fb53de97e22a69e0", "shaka_dash-clearkey.samples.tsv"},
  };
  return v;
}

Bytes Concat(const std::vector<std::string>& inputs) {
  Bytes all;
  for (const auto& f : inputs) {
    Bytes b = test::ReadTestData(f);
    all.insert(all.end(), b.begin(), b.end());
  }
  return all;
}

// "track_id index size md5" lines of the clear stream's samples, in the TSV's format and order
// (by track, then sample).
std::string SampleTable(const Bytes& clear) {
  std::map<uint32_t, std::ostringstream> tables;
  mp4::InitSegment init;
  std::map<uint32_t, int> index;
  uint64_t offset = 0;
  while (offset < clear.size()) {
    mp4::BoxHeader h;
    REQUIRE(mp4::ReadBoxHeader(clear, offset, true, &h).ok());
    if (h.type == mp4::MakeFourCC("moov")) {
      REQUIRE(mp4::ParseInit(ByteSpan(clear.data() + offset, size_t(h.size)), &init).ok());
      for (const auto& t : init.tracks) CHECK_FALSE(t.tenc.is_protected);  // the rewrite made it clear
    } else if (h.type == mp4::MakeFourCC("moof")) {
      mp4::Fragment f;
      REQUIRE(mp4::ParseFragment(clear, offset, init, &f).ok());
      CHECK(f.pssh.empty());
      for (const auto& traf : f.trafs) {
        for (const auto& s : traf.samples) {
          CHECK_FALSE(s.is_protected);
          tables[traf.track_id] << traf.track_id << '\t' << index[traf.track_id]++ << '\t' << s.size
                                << '\t' << test::ToHex(Md5(ByteSpan(clear.data() + s.data_offset, s.size)))
                                << '\n';
        }
      }
    }
    offset += h.size;
  }
  std::string table;
  for (auto& [track, lines] : tables) table += lines.str();
  return table;
}

std::string ExpectedTable(const std::string& name) {
  std::istringstream in(ByteSpan(test::ReadTestData("expected/" + name)).ToString());
  std::string line, out;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out += line + "\n";
  return out;
}

Bytes DecryptInPieces(const Vector& v, size_t piece) {
  Bytes input = Concat(v.inputs);
  cenc::StreamDecryptor stream;
  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  Bytes clear;
  for (size_t at = 0; at < input.size(); at += piece) {
    cenc::StreamDecryptor::Output out;
    Status s = stream.Push(ByteSpan(input.data() + at, std::min(piece, input.size() - at)), &out);
    REQUIRE(s.ToString() == "ok");
    REQUIRE_FALSE(out.missing_key);
    clear.insert(clear.end(), out.clear.begin(), out.clear.end());
  }
  cenc::StreamDecryptor::Output out;
  REQUIRE(stream.Flush(&out).ToString() == "ok");
  clear.insert(clear.end(), out.clear.begin(), out.clear.end());
  CHECK(clear.size() == input.size());  // sizes and offsets never change
  return clear;
}

}  // namespace

TEST_CASE("external vectors decrypt to the published per-sample md5s") {
  for (const Vector& v : Vectors()) {
    INFO(v.name);
    Bytes clear = DecryptInPieces(v, size_t(1) << 30);
    CHECK(SampleTable(clear) == ExpectedTable(v.expected));
  }
}

TEST_CASE("appends split anywhere give the same bytes as one append") {
  for (const Vector& v : Vectors()) {
    INFO(v.name);
    Bytes whole = DecryptInPieces(v, size_t(1) << 30);
    for (size_t piece : {size_t(1000), size_t(4093), size_t(65536)}) {
      INFO("piece " << piece);
      CHECK(DecryptInPieces(v, piece) == whole);
    }
  }
}

TEST_CASE("a missing key stops before the fragment and the stream resumes after SetKey") {
  const Vector& v = Vectors()[5];  // shaka: init + 5 segments
  Bytes input = Concat(v.inputs);
  cenc::StreamDecryptor stream;
  cenc::StreamDecryptor::Output out;
  REQUIRE(stream.Push(input, &out).ok());
  REQUIRE(out.missing_key);
  CHECK(test::ToHex(ByteSpan(out.missing_key->data(), 16)) == v.kid);
  REQUIRE(out.inits.size() == 1);
  REQUIRE(out.inits[0].default_kids.size() == 1);
  CHECK(test::ToHex(ByteSpan(out.inits[0].default_kids[0].data(), 16)) == v.kid);
  CHECK(out.inits[0].pssh.size() > 0);  // PlayReady and Widevine boxes, passed on as they are
  size_t held_back = input.size() - out.clear.size();
  CHECK(held_back > 0);

  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  cenc::StreamDecryptor::Output resumed;
  REQUIRE(stream.Push(ByteSpan(), &resumed).ok());
  CHECK_FALSE(resumed.missing_key);
  CHECK(resumed.clear.size() == held_back);
  Bytes clear = out.clear;
  clear.insert(clear.end(), resumed.clear.begin(), resumed.clear.end());
  CHECK(SampleTable(clear) == ExpectedTable(v.expected));
}

TEST_CASE("truncation, garbage and reset") {
  const Vector& v = Vectors()[1];
  Bytes input = Concat(v.inputs);
  {
    cenc::StreamDecryptor stream;
    REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
    cenc::StreamDecryptor::Output out;
    REQUIRE(stream.Push(ByteSpan(input.data(), input.size() - 100), &out).ok());
    Status s = stream.Flush(&out);
    CHECK(s.code() == Code::kMalformed);
    CHECK(s.message().find("mdat") != std::string::npos);
    CHECK(stream.Push(ByteSpan(), &out).code() == Code::kInvalidState);
    stream.Reset();
    CHECK(stream.Push(ByteSpan(), &out).ok());
  }
  {
    cenc::StreamDecryptor stream;
    cenc::StreamDecryptor::Output out;
    Bytes garbage = Hex("00000004667479700000");  // box size 4 < header
    CHECK(stream.Push(garbage, &out).code() == Code::kMalformed);
    CHECK(out.clear.empty());
  }
  {
    cenc::StreamDecryptor stream;
    CHECK(stream.SetKey(Hex("00"), Hex(v.key)).message() == "KID is 1 bytes, expected 16");
    CHECK(stream.SetKey(Hex(v.kid), Hex("0011")).message() == "key is 2 bytes, expected 16");
  }
}
