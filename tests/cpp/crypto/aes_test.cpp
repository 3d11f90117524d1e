#include "crypto/aes.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using test::Hex;
using test::ToHex;

// FIPS-197 appendix C.1.
TEST_CASE("AES-128 FIPS-197 C.1") {
  auto enc = Aes::Create(Hex("000102030405060708090a0b0c0d0e0f"), Aes::Direction::kEncrypt);
  auto dec = Aes::Create(Hex("000102030405060708090a0b0c0d0e0f"), Aes::Direction::kDecrypt);
  REQUIRE(enc.ok());
  REQUIRE(dec.ok());
  Bytes block = Hex("00112233445566778899aabbccddeeff");
  (*enc)->EncryptBlock(block.data(), block.data());
  CHECK(ToHex(block) == "69c4e0d86a7b0430d8cdb78070b4c55a");
  (*dec)->DecryptBlock(block.data(), block.data());
  CHECK(ToHex(block) == "00112233445566778899aabbccddeeff");
}

// FIPS-197 appendix C.3 (AES-256, used by the Axinom-style encrypted_key).
TEST_CASE("AES-256 FIPS-197 C.3") {
  auto enc = Aes::Create(Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
                         Aes::Direction::kEncrypt);
  REQUIRE(enc.ok());
  Bytes block = Hex("00112233445566778899aabbccddeeff");
  (*enc)->EncryptBlock(block.data(), block.data());
  CHECK(ToHex(block) == "8ea2b7ca516745bfeafc49904b496089");
}

const char* kSp800Key = "2b7e151628aed2a6abf7158809cf4f3c";
const char* kSp800Plain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

// NIST SP 800-38A F.5.1 / F.5.2, fed in uneven pieces: the keystream must continue mid-block.
TEST_CASE("AES-128-CTR SP 800-38A F.5.1, split at odd offsets") {
  auto aes = Aes::Create(Hex(kSp800Key), Aes::Direction::kEncrypt);
  REQUIRE(aes.ok());
  const std::string expected =
      "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
      "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";
  for (size_t split : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(33), size_t(64)}) {
    Bytes data = Hex(kSp800Plain);
    AesCtr ctr(**aes, Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").data());
    ctr.Process(data.data(), data.data(), split);
    ctr.Process(data.data() + split, data.data() + split, data.size() - split);
    INFO("split " << split);
    CHECK(ToHex(data) == expected);
  }
}

TEST_CASE("AES-CTR counter carries across all 128 bits") {
  auto aes = Aes::Create(Hex(kSp800Key), Aes::Direction::kEncrypt);
  REQUIRE(aes.ok());
  Bytes iv = Hex("00000000000000ffffffffffffffffff");
  Bytes next = Hex("00000000000001000000000000000000");
  Bytes two_blocks(32, 0);
  AesCtr ctr(**aes, iv.data());
  ctr.Process(two_blocks.data(), two_blocks.data(), 32);
  Bytes second(16);
  (*aes)->EncryptBlock(next.data(), second.data());
  CHECK(ToHex(ByteSpan(two_blocks.data() + 16, 16)) == ToHex(second));
}

// NIST SP 800-38A F.2.1 / F.2.2.
TEST_CASE("AES-128-CBC SP 800-38A F.2") {
  const std::string cipher =
      "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
      "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
  auto enc = Aes::Create(Hex(kSp800Key), Aes::Direction::kEncrypt);
  auto dec = Aes::Create(Hex(kSp800Key), Aes::Direction::kDecrypt);
  REQUIRE(enc.ok());
  REQUIRE(dec.ok());
  Bytes data = Hex(kSp800Plain);
  Bytes iv = Hex("000102030405060708090a0b0c0d0e0f");
  (*enc)->CbcEncrypt(iv.data(), data.data(), data.data(), data.size());
  CHECK(ToHex(data) == cipher);
  iv = Hex("000102030405060708090a0b0c0d0e0f");
  (*dec)->CbcDecrypt(iv.data(), data.data(), data.data(), data.size());
  CHECK(ToHex(data) == kSp800Plain);
}

TEST_CASE("AES rejects bad key sizes") {
  auto r = Aes::Create(Hex("00112233445566778899aabbccddeeff00"), Aes::Direction::kEncrypt);
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message() == "AES key is 17 bytes, expected 16, 24 or 32");
}
