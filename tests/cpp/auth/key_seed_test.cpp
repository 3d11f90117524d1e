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
