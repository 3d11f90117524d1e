// The stream decryptor on the external vectors: every decrypted sample must have the published
// md5 (../shared/testdata/expected), whole or fed in pieces; keys missing and arriving later.
#include "cenc/stream_decryptor.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <sstream>

#include "base/byte_reader.h"
#include "crypto/aes.h"
#include "crypto/hash.h"
#include "mp4/mp4_test_util.h"
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

// How the bytes reach the decryptor and where the AES runs.
enum class Feed { kCopy, kInPlace, kDeferred };

// Deferred: the plan runs here in two halves, as a backend outside the module would run it.
void RunDeferred(cenc::StreamDecryptor& stream) {
  size_t chains = stream.plan().chains.size();
  REQUIRE(stream.RunChains(0, chains / 2).ok());
  REQUIRE(stream.RunChains(chains / 2, chains - chains / 2).ok());
}

Bytes DecryptInPieces(const Vector& v, size_t piece, Feed feed = Feed::kCopy) {
  Bytes input = Concat(v.inputs);
  cenc::StreamDecryptor::Options options;
  options.defer_crypto = feed == Feed::kDeferred;
  cenc::StreamDecryptor stream(options);
  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  Bytes clear;
  for (size_t at = 0; at < input.size(); at += piece) {
    cenc::StreamDecryptor::Output out;
    const size_t n = std::min(piece, input.size() - at);
    Status s = feed == Feed::kCopy ? stream.Push(ByteSpan(input.data() + at, n), &out)
                                   : stream.PushInPlace(input.data() + at, n, &out);
    REQUIRE(s.ToString() == "ok");
    REQUIRE_FALSE(out.missing_key);
    if (feed == Feed::kDeferred) RunDeferred(stream);
    clear.insert(clear.end(), out.clear.begin(), out.clear.end());
  }
  cenc::StreamDecryptor::Output out;
  REQUIRE(stream.Flush(&out).ToString() == "ok");
  if (feed == Feed::kDeferred) RunDeferred(stream);
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

TEST_CASE("in place and with the AES deferred to RunChains: the same bytes") {
  for (const Vector& v : Vectors()) {
    INFO(v.name);
    Bytes whole = DecryptInPieces(v, size_t(1) << 30);
    for (size_t piece : {size_t(4093), size_t(1) << 30}) {
      INFO("piece " << piece);
      CHECK(DecryptInPieces(v, piece, Feed::kInPlace) == whole);
      CHECK(DecryptInPieces(v, piece, Feed::kDeferred) == whole);
    }
  }
}

// What WebCrypto does with a CBC chain: decrypt the gathered runs plus the pad block as one
// PKCS#7-padded message; the padding must come out as sixteen 0x10 bytes.
TEST_CASE("CBC pad blocks make each chain a valid PKCS#7 message") {
  const Vector& v = Vectors()[1];  // cbcs video
  Bytes input = Concat(v.inputs);
  Bytes reference = DecryptInPieces(v, size_t(1) << 30);
  cenc::StreamDecryptor::Options options;
  options.defer_crypto = true;
  options.cbc_pad_blocks = true;
  cenc::StreamDecryptor stream(options);
  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  cenc::StreamDecryptor::Output out;
  REQUIRE(stream.PushInPlace(input.data(), input.size(), &out).ok());
  const cenc::CipherPlan& plan = stream.plan();
  REQUIRE(plan.chains.size() > 100);
  REQUIRE(stream.cbc_pad_blocks().size() == 16 * plan.chains.size());
  auto aes = Aes::Create(Hex(v.key), Aes::Direction::kDecrypt);
  REQUIRE(aes.ok());
  for (size_t c = 0; c < plan.chains.size(); ++c) {
    const cenc::CipherChain& chain = plan.chains[c];
    REQUIRE(chain.mode == cenc::ChainMode::kCbc);
    Bytes message, want;
    for (uint32_t r = 0; r < chain.run_count; ++r) {
      const cenc::CipherRun& run = plan.runs[chain.first_run + r];
      message.insert(message.end(), out.clear.data + run.offset, out.clear.data + run.offset + run.size);
      want.insert(want.end(), reference.begin() + run.offset, reference.begin() + run.offset + run.size);
    }
    message.insert(message.end(), stream.cbc_pad_blocks().begin() + 16 * c,
                   stream.cbc_pad_blocks().begin() + 16 * (c + 1));
    uint8_t iv[16];
    std::memcpy(iv, chain.iv, 16);
    (*aes)->CbcDecrypt(iv, message.data(), message.data(), message.size());
    want.insert(want.end(), 16, 0x10);
    REQUIRE(message == want);
  }
}

// Linear cost, checked by counting instead of timing: a stream of 1e5 one-sample fragments,
// appended in pieces, must not move or parse each byte more than a few times (erasing each
// emitted box from the front of the buffer moved ~N/2 bytes per input byte).
TEST_CASE("cost stays linear in the input: 1e5 fragments, any piece size") {
  using namespace mp4::test;  // NOLINT: the box builder
  Bytes init = MakeInit(DefaultTenc());
  Bytes fragment = MakeSegment(
      [](uint32_t moof_size) {
        return Box("traf", Cat({TfhdMoofBase(1), TrunSizes(int32_t(moof_size + 8), {40}),
                                Senc(2, 1, SencEntry(Iv(0xa1, 8), {{8, 32}}))}));
      },
      Bytes(40, 0x5a));
  constexpr size_t kFragments = 100000;
  Bytes stream_bytes = init;
  stream_bytes.reserve(init.size() + kFragments * fragment.size());
  for (size_t i = 0; i < kFragments; ++i) stream_bytes.insert(stream_bytes.end(), fragment.begin(), fragment.end());
  for (size_t piece : {size_t(1) << 30, size_t(65536), size_t(1000), size_t(61)}) {
    INFO("piece " << piece);
    for (Feed feed : {Feed::kCopy, Feed::kInPlace}) {
      Bytes input = stream_bytes;
      cenc::StreamDecryptor stream;
      REQUIRE(stream.SetKey(Bytes(16, 0x11), Bytes(16, 0x42)).ok());
      size_t emitted = 0;
      for (size_t at = 0; at < input.size(); at += piece) {
        cenc::StreamDecryptor::Output out;
        const size_t n = std::min(piece, input.size() - at);
        REQUIRE((feed == Feed::kCopy ? stream.Push(ByteSpan(input.data() + at, n), &out)
                                     : stream.PushInPlace(input.data() + at, n, &out)).ok());
        emitted += out.clear.size;
      }
      CHECK(emitted == input.size());
      CHECK(stream.bytes_buffered() <= 2 * input.size());
      CHECK(stream.bytes_parsed() <= 2 * input.size());
    }
  }
}

TEST_CASE("small appends into a large fragment parse its moof once, not once per append") {
  const Vector& v = Vectors()[1];  // cbcs video: one moof, ~1 MB of mdat
  Bytes input = Concat(v.inputs);
  cenc::StreamDecryptor stream;
  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  for (size_t at = 0; at < input.size(); at += 256) {
    cenc::StreamDecryptor::Output out;
    REQUIRE(stream.Push(ByteSpan(input.data() + at, std::min<size_t>(256, input.size() - at)), &out).ok());
  }
  CHECK(stream.bytes_parsed() <= 3 * input.size());
  CHECK(stream.bytes_buffered() <= 3 * input.size());
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
  size_t held_back = input.size() - out.clear.size;
  CHECK(held_back > 0);
  Bytes clear = out.clear.ToBytes();  // the view expires with the next call

  REQUIRE(stream.SetKey(Hex(v.kid), Hex(v.key)).ok());
  cenc::StreamDecryptor::Output resumed;
  REQUIRE(stream.Push(ByteSpan(), &resumed).ok());
  CHECK_FALSE(resumed.missing_key);
  CHECK(resumed.clear.size == held_back);
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

namespace {

// A stream with a 'free' box before two fragments (video: 2 protected samples, IVs in senc or
// through saiz/saio; clear audio: 1 sample, both trafs' data in one mdat). `absolute`: each
// tfhd carries base_data_offset = the moof's stream position instead of default-base-is-moof.
// The same offsets otherwise, so both forms must decrypt to the same sample bytes.
Bytes BaseOffsetStream(bool absolute, bool aux_in_saio) {
  using namespace mp4::test;  // NOLINT: the box builder
  Bytes stream = Cat({MakeInit(DefaultTenc()), Box("free", Bytes(100, 0))});
  for (uint8_t fragment = 0; fragment < 2; ++fragment) {
    const uint64_t position = stream.size();
    auto tfhd = [&](uint32_t track) {
      return absolute ? FullBox("tfhd", 0, 0x1, B().U32(track).U64(position)) : TfhdMoofBase(track);
    };
    const Bytes aux = Cat({Iv(uint8_t(0xa0 + fragment), 8), Iv(uint8_t(0xb0 + fragment), 8)});
    Bytes samples(32 + 20 + 10);
    for (size_t i = 0; i < samples.size(); ++i) samples[i] = uint8_t(i * 7 + fragment);
    stream = Cat({stream, MakeSegment(
                              [&](uint32_t moof_size) {
                                const uint32_t mdat = moof_size + 8, data = mdat + (aux_in_saio ? 16 : 0);
                                Bytes ivs = aux_in_saio
                                                ? Cat({FullBox("saiz", 0, 0, B().U8(8).U32(2)),
                                                       FullBox("saio", 0, 0, B().U32(1).U32(mdat))})
                                                : Senc(0, 2, aux);
                                return Cat({Box("traf", Cat({tfhd(1), TrunSizes(int32_t(data), {32, 20}), ivs})),
                                            Box("traf", Cat({tfhd(2), TrunSizes(int32_t(data + 52), {10})}))});
                              },
                              aux_in_saio ? Cat({aux, samples}) : samples)});
  }
  return stream;
}

// The mdat payloads of a stream, concatenated.
Bytes MdatPayloads(const Bytes& stream) {
  Bytes out;
  for (uint64_t at = 0; at < stream.size();) {
    mp4::BoxHeader h;
    REQUIRE(mp4::ReadBoxHeader(stream, at, true, &h).ok());
    if (h.type == mp4::MakeFourCC("mdat"))
      out.insert(out.end(), stream.begin() + at + h.header_size, stream.begin() + at + h.size);
    at += h.size;
  }
  return out;
}

Bytes DecryptWhole(const Bytes& input, cenc::StreamDecryptor::Options options, size_t piece, Status* status) {
  cenc::StreamDecryptor stream(options);
  REQUIRE(stream.SetKey(Bytes(16, 0x11), Hex("00112233445566778899aabbccddeeff")).ok());
  Bytes clear;
  cenc::StreamDecryptor::Output out;
  for (size_t at = 0; at < input.size(); at += piece) {
    *status = stream.Push(ByteSpan(input.data() + at, std::min(piece, input.size() - at)), &out);
    if (!status->ok()) return clear;
    clear.insert(clear.end(), out.clear.begin(), out.clear.end());
  }
  *status = stream.Flush(&out);
  clear.insert(clear.end(), out.clear.begin(), out.clear.end());
  return clear;
}

}  // namespace

TEST_CASE("tfhd base_data_offset: a stream position in a file, refused in an MSE byte stream") {
  for (bool aux_in_saio : {false, true}) {
    CAPTURE(aux_in_saio);
    const Bytes relative = BaseOffsetStream(false, aux_in_saio);
    const Bytes absolute = BaseOffsetStream(true, aux_in_saio);
    cenc::StreamDecryptor::Options file;
    file.file_positions = true;
    Status status;
    const Bytes expected = MdatPayloads(DecryptWhole(relative, file, relative.size(), &status));
    REQUIRE(status.ok());
    REQUIRE(expected != MdatPayloads(relative));  // something was decrypted
    for (size_t piece : {size_t(1), size_t(7), size_t(100), absolute.size()}) {
      CAPTURE(piece);
      const Bytes clear = DecryptWhole(absolute, file, piece, &status);
      REQUIRE(status.ToString() == "ok");
      CHECK(clear.size() == absolute.size());
      CHECK(MdatPayloads(clear) == expected);
    }

    // MSE (the default): the ISO BMFF byte stream format has no file positions.
    DecryptWhole(absolute, {}, absolute.size(), &status);
    CHECK(status.code() == Code::kMalformed);
    CHECK(status.message().find("moof at byte ") == 0);
    CHECK(status.message().find("moof/traf[1]/tfhd: base-data-offset-present") != std::string::npos);
    CHECK(status.message().find("MSE") != std::string::npos);
  }

  // A base before the moof: those bytes have gone (and are no sample data of this moof).
  Bytes early = BaseOffsetStream(true, false);
  const uint8_t pattern[] = {'t', 'f', 'h', 'd', 0, 0, 0, 1, 0, 0, 0, 1};  // track 1's tfhd
  auto it = std::search(early.begin(), early.end(), std::begin(pattern), std::end(pattern));
  REQUIRE(it != early.end());
  const size_t base_at = size_t(it - early.begin()) + sizeof(pattern);
  StoreBE32(&early[base_at + 4], LoadBE32(&early[base_at + 4]) - 1);
  cenc::StreamDecryptor::Options file;
  file.file_positions = true;
  Status status;
  DecryptWhole(early, file, early.size(), &status);
  CHECK(status.code() == Code::kMalformed);
  CHECK(status.message().find("base_data_offset") != std::string::npos);
  CHECK(status.message().find("is before the parsed bytes, which start at file position") != std::string::npos);
}
