#include "auth/key_seed.h"

#include <catch2/catch.hpp>

#include "auth/entitlement.h"
#include "base/encoding.h"
#include "test_util.h"

using namespace wee;
using namespace wee::auth;

namespace {

// The PlayReady test key seed, published with the test server
// (learn.microsoft.com/playready/advanced/testservers/playready-test-server).
const char kTestKeySeed[] = "XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I";

Bytes Seed() {
  Bytes seed;
  REQUIRE(Base64Decode(kTestKeySeed, Padding::kRequired, &seed));
  REQUIRE(seed.size() == 30);
  return seed;
}

Bytes Kid(const std::string& guid) {
  Bytes kid;
  REQUIRE(ParseGuid(guid, &kid));
  return kid;
}

}  // namespace

TEST_CASE("the published test key seed decodes to the published bytes") {
  CHECK(test::ToHex(Seed()) == "5d5068bec9b384ff6044867159f16d6b755544fcd5116989b1acc4278e88");
}

TEST_CASE("key seed: Microsoft's known-good vector") {
  // Azure Media Services .NET SDK unit test PlayReadyContentKeyGenerationKnownGoodTest
  // (github.com/Azure/azure-sdk-for-media-services, CommonEncryptionTest.cs): test seed, Guid
  // 339C45B5-FB6D-4BD9-994C-EABD9D41C95B -> "pTfNwMplhBQG1SXnvyLXVA==".
  auto key = DeriveKeyFromSeed(Seed(), Kid("339C45B5-FB6D-4BD9-994C-EABD9D41C95B"));
  REQUIRE(key.ok());
  CHECK(Base64Encode(key->span()) == "pTfNwMplhBQG1SXnvyLXVA==");
}

TEST_CASE("key seed: a second vector with the test seed") {
  // KID 8ba94ade-6eb9-449d-b44f-a5beefaf43b0 -> DBFD6922C321C4BB486F4A1C44097ED6, as listed
  // next to the test server's WRMHEADER for that KID (checksum Me48z71nuqY=) in a public
  // PlayReady header test suite; recomputed independently with Python's hashlib.
  auto key = DeriveKeyFromSeed(Seed(), Kid("8ba94ade-6eb9-449d-b44f-a5beefaf43b0"));
  REQUIRE(key.ok());
  CHECK(test::ToHex(key->span()) == "dbfd6922c321c4bb486f4a1c44097ed6");
}

TEST_CASE("key seed: only the first 30 bytes count; shorter seeds are refused") {
  Bytes longer = Seed();
  longer.insert(longer.end(), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto key = DeriveKeyFromSeed(longer, Kid("339C45B5-FB6D-4BD9-994C-EABD9D41C95B"));
  REQUIRE(key.ok());
  CHECK(Base64Encode(key->span()) == "pTfNwMplhBQG1SXnvyLXVA==");

  Bytes shorter = Seed();
  shorter.pop_back();
  CHECK(DeriveKeyFromSeed(shorter, Kid("339C45B5-FB6D-4BD9-994C-EABD9D41C95B")).status().code() ==
        Code::kInvalidArgument);
  CHECK(DeriveKeyFromSeed(Seed(), Bytes(15)).status().code() == Code::kInvalidArgument);
}

TEST_CASE("Guid byte order swaps the first three fields") {
  Bytes kid = Kid("339c45b5-fb6d-4bd9-994c-eabd9d41c95b");
  CHECK(test::ToHex(SwapGuidByteOrder(kid)) == "b5459c336dfbd94b994ceabd9d41c95b");
  CHECK(SwapGuidByteOrder(SwapGuidByteOrder(kid)) == kid);
}

TEST_CASE("key seed text: hex when it gives >= 30 bytes, else base64 or base64url") {
  // Axinom's test seed: 40 characters, 20 bytes as hex but 30 as base64.
  auto axinom = DecodeKeySeedText("8888000000000000000000000000000000000000");
  REQUIRE(axinom.ok());
  Bytes expected;
  REQUIRE(Base64Decode("8888000000000000000000000000000000000000", Padding::kRequired, &expected));
  CHECK(test::ToHex(axinom->span()) == "f3cf3cd34d34d34d34d34d34d34d34d34d34d34d34d34d34d34d34d34d34");
  CHECK(axinom->span().ToBytes() == expected);

  // 60 hex digits are 30 bytes (and also valid base64, 45 bytes): hex wins.
  const std::string hex60 = "5d5068bec9b384ff6044867159f16d6b755544fcd5116989b1acc4278e88";
  auto hex = DecodeKeySeedText(hex60);
  REQUIRE(hex.ok());
  CHECK(hex->span().ToBytes() == Seed());
  auto prefixed = DecodeKeySeedText("0x" + hex60);
  REQUIRE(prefixed.ok());
  CHECK(prefixed->span().ToBytes() == Seed());

  // The published test seed is base64; without its (absent) padding and as base64url too.
  auto b64 = DecodeKeySeedText(kTestKeySeed);
  REQUIRE(b64.ok());
  CHECK(b64->span().ToBytes() == Seed());
  Bytes urlish = {0xfb, 0xff};  // "+/" in base64, "-_" in base64url
  urlish.resize(30, 0x11);
  auto url = DecodeKeySeedText(Base64UrlEncode(urlish));
  REQUIRE(url.ok());
  CHECK(url->span().ToBytes() == urlish);
}

TEST_CASE("key seed text: short or malformed seeds are refused without echoing them") {
  auto short_hex = DecodeKeySeedText("00112233445566778899");  // 10 bytes hex, 15 base64
  REQUIRE_FALSE(short_hex.ok());
  CHECK(short_hex.status().code() == Code::kInvalidArgument);
  CHECK(short_hex.status().message() ==
        "key seed is 10 bytes as hex, 15 bytes as base64; at least 30 are required");
  auto junk = DecodeKeySeedText("not a seed!");
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.status().message() ==
        "key seed (character 4 of 11 is in none of them) is neither hex, base64 nor base64url");
  CHECK(junk.status().message().find("not a seed") == std::string::npos);
  CHECK_FALSE(DecodeKeySeedText("").ok());
  // 29 bytes in every form.
  Bytes b29(29, 0x5a);
  auto b64_29 = DecodeKeySeedText(Base64Encode(b29));
  REQUIRE_FALSE(b64_29.ok());
  CHECK(b64_29.status().message() == "key seed is 29 bytes as base64; at least 30 are required");
}
