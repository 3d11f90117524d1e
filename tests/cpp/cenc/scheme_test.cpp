#include "cenc/scheme.h"

#include <catch2/catch.hpp>

#include <random>

#include "test_util.h"

using namespace wee;
using namespace wee::cenc;
using test::Hex;
using test::ToHex;

namespace {

ContentKey MakeKey(const std::string& hex) {
  auto key = ContentKey::Create(Hex(hex));
  REQUIRE(key.ok());
  return std::move(key).value();
}

mp4::Sample MakeSample(const std::string& iv_hex, std::vector<mp4::Subsample> subsamples = {},
                       mp4::Pattern pattern = {}) {
  mp4::Sample sample;
  sample.is_protected = true;
  sample.iv = Hex(iv_hex);
  sample.subsamples = std::move(subsamples);
  sample.pattern = pattern;
  return sample;
}

// The plaintext of the openssl-made vectors below: byte i is (i * 31 + 7) mod 256.
Bytes Plain(size_t size) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = uint8_t(i * 31 + 7);
  return out;
}

// Encrypts Plain(size) and checks the result, then decrypts it back.
void CheckVector(Scheme scheme, const ContentKey& key, const mp4::Sample& sample, size_t size,
                 const std::string& expected_hex) {
  Bytes data = Plain(size);
  REQUIRE(EncryptSample(scheme, key, sample, data.data(), data.size()).ok());
  CHECK(ToHex(data) == expected_hex);
  REQUIRE(DecryptSample(scheme, key, sample, data.data(), data.size()).ok());
  CHECK(data == Plain(size));
}

// NIST SP 800-38A, key and plaintext of appendix F.
const char* kNistKey = "2b7e151628aed2a6abf7158809cf4f3c";
const char* kNistPlain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
// F.5.1 CTR-AES128.Encrypt, initial counter block f0f1...feff.
const char* kNistCtr =
    "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
    "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";
// F.2.1 CBC-AES128.Encrypt, IV 000102...0f.
const char* kNistCbc =
    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";

// The key of the openssl-made vectors.
const char* kOracleKey = "000102030405060708090a0b0c0d0e0f";

}  // namespace

TEST_CASE("SchemeFromFourCC and SchemeName") {
  const std::pair<mp4::FourCC, const char*> known[] = {{mp4::MakeFourCC("cenc"), "cenc"},
                                                       {mp4::MakeFourCC("cbcs"), "cbcs"},
                                                       {mp4::MakeFourCC("cens"), "cens"},
                                                       {mp4::MakeFourCC("cbc1"), "cbc1"}};
  for (auto [fourcc, name] : known) {
    auto scheme = SchemeFromFourCC(fourcc);
    REQUIRE(scheme.ok());
    CHECK(std::string(SchemeName(*scheme)) == name);
  }
  auto bad = SchemeFromFourCC(mp4::MakeFourCC("abcd"));
  CHECK(bad.status().code() == Code::kUnsupported);
  CHECK(bad.status().message() == "scheme 'abcd' is not supported");
}

TEST_CASE("ContentKey accepts exactly 16 bytes") {
  for (size_t size : {size_t(0), size_t(15), size_t(17), size_t(32)}) {
    auto key = ContentKey::Create(Bytes(size, 1));
    CHECK(key.status().code() == Code::kInvalidArgument);
    CHECK(key.status().message() == "key is " + std::to_string(size) + " bytes, expected 16");
  }
  auto key = ContentKey::Create(Hex(kNistKey));
  REQUIRE(key.ok());
  CHECK(key->valid());
  ContentKey moved = std::move(key).value();
  CHECK(moved.valid());
}

// Published vectors mapped onto samples: a whole-sample protected range is plain CTR / CBC.
TEST_CASE("SP 800-38A F.5.1 as a cenc / cens sample") {
  ContentKey key = MakeKey(kNistKey);
  // 'cens' without subsamples and pattern 0:0 encrypts every whole block: 64 bytes, the same.
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCens}) {
    INFO(SchemeName(scheme));
    mp4::Sample sample = MakeSample("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    Bytes data = Hex(kNistCtr);
    REQUIRE(DecryptSample(scheme, key, sample, data.data(), data.size()).ok());
    CHECK(ToHex(data) == kNistPlain);
    REQUIRE(EncryptSample(scheme, key, sample, data.data(), data.size()).ok());
    CHECK(ToHex(data) == kNistCtr);
  }
}

TEST_CASE("SP 800-38A F.2.1 as a cbc1 / cbcs sample") {
  ContentKey key = MakeKey(kNistKey);
  // cbc1: one 64-byte subsample range; cbcs 0:0 without subsamples: one CBC chain too.
  mp4::Sample cbc1 = MakeSample("000102030405060708090a0b0c0d0e0f", {{0, 64}});
  mp4::Sample cbcs = MakeSample("000102030405060708090a0b0c0d0e0f");
  for (auto [scheme, sample] : {std::pair{Scheme::kCbc1, cbc1}, std::pair{Scheme::kCbcs, cbcs}}) {
    INFO(SchemeName(scheme));
    Bytes data = Hex(kNistCbc);
    REQUIRE(DecryptSample(scheme, key, sample, data.data(), data.size()).ok());
    CHECK(ToHex(data) == kNistPlain);
    REQUIRE(EncryptSample(scheme, key, sample, data.data(), data.size()).ok());
    CHECK(ToHex(data) == kNistCbc);
  }
}

// The vectors below were made with the openssl CLI as the cipher and the layout rules applied by
// hand (a separate script, not this code): the protected bytes that form one keystream / CBC chain
// were concatenated, run through
//   openssl enc -aes-128-ctr -nopad -K 000102030405060708090a0b0c0d0e0f -iv <16-byte IV>
//   openssl enc -aes-128-cbc -nopad -K 000102030405060708090a0b0c0d0e0f -iv <16-byte IV>
// and put back in place. Plaintext: Plain(size).

TEST_CASE("cenc: subsample ranges of 10, 23 and 5 bytes are one keystream, 8-byte IV") {
  // Subsamples (clear, protected): (5,10) (7,23) (3,5) (4,0) = 57 bytes; counter block
  // 0123456789abcdef 0000000000000000; openssl -aes-128-ctr over the 38 protected bytes.
  mp4::Sample sample = MakeSample("0123456789abcdef", {{5, 10}, {7, 23}, {3, 5}, {4, 0}});
  CheckVector(Scheme::kCenc, MakeKey(kOracleKey), sample, 57,
              "07264564834009f2ed1047187b7db5d8f7163554739273c67c5b50129b6941fb"
              "c05e0f81d2ae8c0f2409a302377a99b8e3e4cccdfd7291b0cf");
}

TEST_CASE("cenc: the counter is 128 bits wide") {
  // IV 00000000000000ffffffffffffffffff: the third block's counter carries into byte 6.
  // openssl -aes-128-ctr over all 40 bytes.
  CheckVector(Scheme::kCenc, MakeKey(kOracleKey), MakeSample("00000000000000ffffffffffffffffff"),
              40,
              "62b033542d5d2ae7adcc6bf8e969b9416e9b00a4646ea044d0dc594138e1ef5c"
              "bb0bd613d3db243d");
}

TEST_CASE("cbcs 1:9: the chain restarts per subsample, partial blocks stay clear") {
  // Subsamples (5,340) (3,167) = 515 bytes. Range 1: 21 blocks + 4 bytes, blocks 0, 10, 20
  // encrypted as one CBC chain from the IV. Range 2: 10 blocks + 7 bytes, block 0 encrypted
  // with a chain restarted at the IV; the 4 and 7 trailing bytes stay clear.
  mp4::Sample sample =
      MakeSample("cbe3327da85a1e7a74496db552dfe6d0", {{5, 340}, {3, 167}}, {1, 9});
  CheckVector(Scheme::kCbcs, MakeKey(kOracleKey), sample, 515,
              "0726456483ebf67958187198827f7765f02c2cea0292b1d0ef0e2d4c6b8aa9c8"
              "e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8"
              "c7e60524436281a0bfdefd1c3b5a7998b7d6f51433527190afceed0c2b4a6988"
              "a7c6e504234261809fbeddfc1b3a597897b6d5f4133251708faecdec0b2a4968"
              "87a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadcceb0a2948"
              "6786a5c4e37d678d904063ad412c7c24560a888222f211304f6e8daccbea0928"
              "476685a4c3e201203f5e7d9cbbdaf91837567594b3d2f1102f4e6d8cabcae908"
              "27466584a3c2e1001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e8"
              "0726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8"
              "e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8"
              "c7e6052443c986a091865ab230cf22a66c0d796159527190afceed0c52611fcb"
              "c716ff0fd927bb8cee8cf6d31b3a597897b6d5f4133251708faecdec0b2a4968"
              "87a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadcceb0a2948"
              "6786a5c4e30221405f7e9dbcdbfa1938577695b4d3f211304f6e8daccbea0928"
              "476685a4c3e201203f5e7d9cbbdaf91837567594b3d2f1102f4e6d8cabcae908"
              "27466584a3c2e1001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e8"
              "072645");
}

TEST_CASE("cbcs 2:3: a crypt run cut short keeps its whole blocks encrypted") {
  // Subsample (4,101): 6 blocks + 5 bytes; blocks 0, 1 and 5 (the truncated second run, as
  // Chromium's cbcs_decryptor reads it) are one CBC chain; the 5 trailing bytes stay clear.
  mp4::Sample sample = MakeSample("cbe3327da85a1e7a74496db552dfe6d0", {{4, 101}}, {2, 3});
  CheckVector(Scheme::kCbcs, MakeKey(kOracleKey), sample, 105,
              "0726456480562401c003096c7d856ceea38dc627a753b75b4e9d2d276d447945"
              "0cb452816382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8"
              "c7e60524436281a0bfdefd1c3b5a7998b7d6f5148e1edd89193e710ec9dee5c3"
              "0984978d234261809f");
}

TEST_CASE("cbcs 0:0 audio: every whole block, the tail stays clear") {
  // No subsamples, 100 bytes: 6 blocks in one CBC chain, 4 bytes clear.
  CheckVector(Scheme::kCbcs, MakeKey(kOracleKey), MakeSample("94dc7d3f974d9087cb38c90f121b246d"),
              100,
              "f1a124663d80ebce1ea17cb4b2a6193baca6693a3a2b32caf3f64c24c7ef515a"
              "b278dbe299bce9c330765d6cc47707ede2aa4f6f27041ab4731313320a208580"
              "4169f2f1452a4f4d5112c620134be3ad3ab9d91db89619038b02c6b9e2e4af51"
              "a7c6e504");
}

TEST_CASE("cens 1:9: the keystream covers encrypted blocks only, across subsamples") {
  // Subsamples (7,352) (2,48) = 409 bytes; encrypted blocks 0, 10, 20 of range 1 and block 0 of
  // range 2 take keystream blocks 0..3 of counter 0123456789abcdef 0000000000000000.
  mp4::Sample sample = MakeSample("0123456789abcdef", {{7, 352}, {2, 48}}, {1, 9});
  CheckVector(Scheme::kCens, MakeKey(kOracleKey), sample, 409,
              "0726456483a2c102370c2f5201deb93ffbd423c726efefd0ef0e2d4c6b8aa9c8"
              "e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8"
              "c7e60524436281a0bfdefd1c3b5a7998b7d6f51433527190afceed0c2b4a6988"
              "a7c6e504234261809fbeddfc1b3a597897b6d5f4133251708faecdec0b2a4968"
              "87a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadcceb0a2948"
              "6786a5c4e30221b0bc96ae9b83d0dc897b5b5a4f244c2f304f6e8daccbea0928"
              "476685a4c3e201203f5e7d9cbbdaf91837567594b3d2f1102f4e6d8cabcae908"
              "27466584a3c2e1001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e8"
              "0726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8"
              "e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8"
              "c7e60524436281cc8bcc24e595a3a3757adeda4470852790afceed0c2b4a6988"
              "a7c6e504234261809f57554a9584339ebf3de6e58f3715f7f9aecdec0b2a4968"
              "87a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f");
}

TEST_CASE("cbc1: the chain continues across subsamples") {
  // Subsamples (4,32) (6,32) (3,0) = 77 bytes; the 64 protected bytes are one CBC chain.
  mp4::Sample sample = MakeSample("00112233445566778899aabbccddeeff", {{4, 32}, {6, 32}, {3, 0}});
  CheckVector(Scheme::kCbc1, MakeKey(kOracleKey), sample, 77,
              "072645643ca5f3780ddfe13f63e3709fb06aec5886198c0e81459708777fd180"
              "ec6a09a16382a1c0dffe6e51b47dda531bc1c3ce22d70c9f62c722820a9753ed"
              "0efadcf302f8aadc2b23fd1c3b");
}

TEST_CASE("cbc1 full sample: whole blocks, the tail stays clear") {
  // No subsamples, 37 bytes: 2 blocks in one chain, 5 bytes clear.
  CheckVector(Scheme::kCbc1, MakeKey(kOracleKey), MakeSample("00112233445566778899aabbccddeeff"),
              37,
              "2fe622eeed970441943d99deb5394afa88c9f10d3af01ffbc379c95a54329ccb"
              "e706254463");
}

TEST_CASE("an 8-byte IV is the 16-byte IV with 8 zero bytes, for every scheme") {
  ContentKey key = MakeKey(kOracleKey);
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs, Scheme::kCens, Scheme::kCbc1}) {
    INFO(SchemeName(scheme));
    Bytes short_iv = Plain(80), long_iv = Plain(80);
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef"), short_iv.data(), 80).ok());
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef0000000000000000"),
                          long_iv.data(), 80)
                .ok());
    CHECK(short_iv == long_iv);
    CHECK(short_iv != Plain(80));
  }
}

TEST_CASE("patterns: 0:N encrypts nothing, N:0 everything") {
  ContentKey key = MakeKey(kOracleKey);
  for (Scheme scheme : {Scheme::kCbcs, Scheme::kCens}) {
    INFO(SchemeName(scheme));
    Bytes data = Plain(160);
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef", {}, {0, 5}), data.data(), 160)
                .ok());
    CHECK(data == Plain(160));
    Bytes all = Plain(160), ten = Plain(160);
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef", {}, {0, 0}), all.data(), 160)
                .ok());
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef", {}, {10, 0}), ten.data(), 160)
                .ok());
    CHECK(all == ten);
  }
  // cenc and cbc1 have no pattern: a stray one is ignored, as Chromium's cenc decryptor does.
  Bytes plain = Plain(48), stray = Plain(48);
  REQUIRE(EncryptSample(Scheme::kCenc, key, MakeSample("0123456789abcdef"), plain.data(), 48).ok());
  REQUIRE(EncryptSample(Scheme::kCenc, key, MakeSample("0123456789abcdef", {}, {200, 9}),
                        stray.data(), 48)
              .ok());
  CHECK(plain == stray);
}

TEST_CASE("a zero-length sample and a sample of only clear bytes are left as they are") {
  ContentKey key = MakeKey(kOracleKey);
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs, Scheme::kCens, Scheme::kCbc1}) {
    INFO(SchemeName(scheme));
    CHECK(DecryptSample(scheme, key, MakeSample("0123456789abcdef"), nullptr, 0).ok());
    CHECK(EncryptSample(scheme, key, MakeSample("0123456789abcdef", {{0, 0}}), nullptr, 0).ok());
    Bytes data = Plain(15);
    mp4::Sample clear = MakeSample("0123456789abcdef", {{10, 0}, {5, 0}}, {1, 9});
    REQUIRE(DecryptSample(scheme, key, clear, data.data(), data.size()).ok());
    REQUIRE(EncryptSample(scheme, key, clear, data.data(), data.size()).ok());
    CHECK(data == Plain(15));
    // Less than one block under a pattern scheme is all partial block: clear.
    Bytes tiny = Plain(15);
    REQUIRE(EncryptSample(scheme, key, MakeSample("0123456789abcdef"), tiny.data(), 15).ok());
    CHECK((tiny == Plain(15)) == (scheme != Scheme::kCenc));
  }
}

namespace {

// Runs both directions on a copy of Plain(size) and expects the same error, with the data
// untouched.
void CheckError(Scheme scheme, const ContentKey& key, const mp4::Sample& sample, size_t size,
                Code code, const std::string& message) {
  for (bool encrypt : {false, true}) {
    INFO(SchemeName(scheme) << (encrypt ? " encrypt" : " decrypt"));
    Bytes data = Plain(size);
    Status status = encrypt ? EncryptSample(scheme, key, sample, data.data(), data.size())
                            : DecryptSample(scheme, key, sample, data.data(), data.size());
    CHECK(status.code() == code);
    CHECK(status.message() == message);
    CHECK(data == Plain(size));
  }
}

}  // namespace

TEST_CASE("validation errors name the field and leave the data untouched") {
  ContentKey key = MakeKey(kOracleKey);
  const std::vector<Scheme> all = {Scheme::kCenc, Scheme::kCbcs, Scheme::kCens, Scheme::kCbc1};

  for (Scheme scheme : all) {
    CheckError(scheme, key, MakeSample("010203"), 32, Code::kMalformed,
               "IV is 3 bytes, expected 8 or 16");
    CheckError(scheme, key, MakeSample(""), 32, Code::kMalformed,
               "IV is 0 bytes, expected 8 or 16");
    CheckError(scheme, key, MakeSample("0123456789abcdef", {{2, 16}, {4, 8}}), 32,
               Code::kMalformed, "subsamples cover 30 bytes but the sample has 32");
    CheckError(scheme, key, MakeSample("0123456789abcdef", {{2, 16}, {6, 16}}), 32,
               Code::kMalformed, "subsamples cover 40 bytes but the sample has 32");
    // A 32-bit sum would wrap to exactly 16 and pass.
    CheckError(scheme, key, MakeSample("0123456789abcdef", {{0x80000000u, 0x80000000u}, {16, 0}}),
               16, Code::kMalformed, "subsamples cover 4294967312 bytes but the sample has 16");
    CheckError(scheme, key, MakeSample("0123456789abcdef", {{0xffffffffu, 0xffffffffu}}), 16,
               Code::kMalformed, "subsamples cover 8589934590 bytes but the sample has 16");
  }

  for (Scheme scheme : {Scheme::kCbcs, Scheme::kCens}) {
    CheckError(scheme, key, MakeSample("0123456789abcdef", {}, {16, 9}), 32,
               Code::kInvalidArgument,
               "pattern 16:9 is out of range: crypt_byte_block and skip_byte_block are at most 15");
    CheckError(scheme, key, MakeSample("0123456789abcdef", {}, {1, 255}), 32,
               Code::kInvalidArgument,
               "pattern 1:255 is out of range: crypt_byte_block and skip_byte_block are at most 15");
  }

  CheckError(Scheme::kCens, key, MakeSample("0123456789abcdef", {{1, 16}, {2, 23}}), 42,
             Code::kMalformed,
             "subsample[1]: 23 protected bytes is not a multiple of 16, required by 'cens' "
             "(ISO/IEC 23001-7 section 10.3)");
  CheckError(Scheme::kCbc1, key, MakeSample("0123456789abcdef", {{0, 17}}), 17, Code::kMalformed,
             "subsample[0]: 17 protected bytes is not a multiple of 16, required by 'cbc1' "
             "(ISO/IEC 23001-7 section 10.2)");
  // The same ranges are fine for cenc and cbcs (the partial block of cbcs stays clear).
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs}) {
    Bytes data = Plain(42);
    CHECK(DecryptSample(scheme, key, MakeSample("0123456789abcdef", {{1, 16}, {2, 23}}, {1, 9}),
                        data.data(), data.size())
              .ok());
  }

  CheckError(Scheme(7), key, MakeSample("0123456789abcdef"), 16, Code::kInvalidArgument,
             "scheme 7 is not a known scheme");
  ContentKey moved = MakeKey(kOracleKey);
  ContentKey taken = std::move(moved);
  CheckError(Scheme::kCenc, moved, MakeSample("0123456789abcdef"), 16,  // NOLINT: use after move
             Code::kInvalidArgument, "content key is empty (moved from)");
  Status null_data = DecryptSample(Scheme::kCenc, taken, MakeSample("0123456789abcdef"), nullptr, 4);
  CHECK(null_data.code() == Code::kInvalidArgument);
  CHECK(null_data.message() == "sample data is null");
}

namespace {

// Which bytes a layout leaves clear, computed from the rules independently of the code under test.
std::vector<bool> ClearMask(Scheme scheme, const mp4::Sample& sample, size_t size) {
  std::vector<bool> clear(size, true);
  std::vector<std::pair<size_t, size_t>> ranges;
  if (sample.subsamples.empty()) {
    ranges.push_back({0, size});
  } else {
    size_t offset = 0;
    for (const mp4::Subsample& s : sample.subsamples) {
      ranges.push_back({offset + s.clear_bytes, s.protected_bytes});
      offset += size_t(s.clear_bytes) + s.protected_bytes;
    }
  }
  for (auto [offset, length] : ranges) {
    if (scheme == Scheme::kCenc) {
      for (size_t i = 0; i < length; ++i) clear[offset + i] = false;
      continue;
    }
    size_t period = 0, crypt = 0;
    bool patterned = scheme == Scheme::kCbcs || scheme == Scheme::kCens;
    if (patterned && sample.pattern.skip != 0) {
      period = size_t(sample.pattern.crypt) + sample.pattern.skip;
      crypt = sample.pattern.crypt;
    }
    for (size_t block = 0; block < length / 16; ++block) {
      if (period && block % period >= crypt) continue;
      for (size_t i = 0; i < 16; ++i) clear[offset + block * 16 + i] = false;
    }
  }
  return clear;
}

}  // namespace

TEST_CASE("random layouts round-trip and leave clear bytes alone") {
  std::mt19937 rng(20240601);  // fixed seed: the same layouts on every run and platform
  auto below = [&](uint32_t n) { return n ? uint32_t(rng() % n) : 0; };
  ContentKey key = MakeKey("63cb5f7184dd4b689a5c5ff11ee6a328");
  for (int round = 0; round < 400; ++round) {
    Scheme scheme = Scheme(round % 4);
    bool aligned = scheme == Scheme::kCens || scheme == Scheme::kCbc1;
    mp4::Sample sample;
    sample.iv.resize(below(2) ? 16 : 8);
    for (uint8_t& b : sample.iv) b = uint8_t(rng());
    sample.pattern = {uint8_t(below(4) == 0 ? 0 : below(10)), uint8_t(below(10))};
    size_t size = 0;
    if (below(5) == 0) {
      size = below(700);
    } else {
      for (uint32_t n = 1 + below(6); n > 0; --n) {
        mp4::Subsample s{below(40), aligned ? 16 * below(30) : below(500)};
        sample.subsamples.push_back(s);
        size += s.clear_bytes + s.protected_bytes;
      }
    }
    Bytes original(size);
    for (uint8_t& b : original) b = uint8_t(rng());
    INFO("round " << round << " " << SchemeName(scheme) << " size " << size);

    Bytes data = original;
    REQUIRE(EncryptSample(scheme, key, sample, data.data(), data.size()).ok());
    std::vector<bool> clear = ClearMask(scheme, sample, size);
    size_t changed_protected = 0, protected_bytes = 0;
    for (size_t i = 0; i < size; ++i) {
      if (clear[i]) {
        REQUIRE(data[i] == original[i]);
      } else {
        ++protected_bytes;
        changed_protected += data[i] != original[i];
      }
    }
    // Random ciphertext keeps a byte unchanged 1 time in 256; many more means no encryption.
    CHECK(changed_protected * 10 + 20 >= protected_bytes * 9);
    REQUIRE(DecryptSample(scheme, key, sample, data.data(), data.size()).ok());
    REQUIRE(data == original);
  }
}
