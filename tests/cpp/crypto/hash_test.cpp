#include "crypto/hash.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using test::ToHex;

TEST_CASE("digests of 'abc' (RFC 1321, FIPS 180-4 examples)") {
  std::string abc = "abc";
  CHECK(ToHex(Md5(abc)) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(ToHex(Sha1(abc)) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(ToHex(Sha256(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("HMAC RFC 4231 case 2 and RFC 2202 case 2") {
  std::string key = "Jefe", data = "what do ya want for nothing?";
  CHECK(ToHex(Hmac(HashAlgorithm::kSha256, key, data)) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(ToHex(Hmac(HashAlgorithm::kSha1, key, data)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST_CASE("constant-time compare and random bytes") {
  CHECK(ConstantTimeEquals(std::string("abc"), std::string("abc")));
  CHECK_FALSE(ConstantTimeEquals(std::string("abc"), std::string("abd")));
  CHECK_FALSE(ConstantTimeEquals(std::string("abc"), std::string("ab")));
  uint8_t a[32] = {}, b[32] = {};
  REQUIRE(RandomBytes(a, sizeof(a)).ok());
  REQUIRE(RandomBytes(b, sizeof(b)).ok());
  CHECK_FALSE(ConstantTimeEquals(ByteSpan(a, 32), ByteSpan(b, 32)));
}
