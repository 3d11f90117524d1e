#include "cdm/jwk.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using namespace wee::cdm;

namespace {

JwkLicense Parse(const std::string& text) {
  auto license = ParseJwkLicense(ByteSpan(text));
  INFO(license.status().ToString());
  REQUIRE(license.ok());
  return std::move(license).value();
}

JwkKey Key(const std::string& kid_hex, const std::string& key_hex) {
  return {test::Hex(kid_hex), SecretBytes(test::Hex(key_hex))};
}

}  // namespace

TEST_CASE("jwk: the EME 9.1.4 License Format example") {
  // https://www.w3.org/TR/encrypted-media/#clear-key-license-format, Example (the spec writes
  // 'type' in single quotes, which is not JSON; the member is written as JSON here).
  JwkLicense license = Parse(
      "{\n  \"keys\":\n    [{\n      \"kty\":\"oct\",\n      \"k\":\"tQ0bJVWb6b0KPL6KtZIy_A\",\n"
      "      \"kid\":\"LwVHf8JLtPrv2GUXFW2v_A\"\n    }],\n  \"type\":\"temporary\"\n}");
  REQUIRE(license.keys.size() == 1);
  CHECK(test::ToHex(license.keys[0].kid) == "2f05477fc24bb4faefd86517156daffc");
  CHECK(test::ToHex(license.keys[0].key.span()) == "b50d1b25559be9bd0a3cbe8ab59232fc");
  REQUIRE(license.type.has_value());
  CHECK(*license.type == SessionType::kTemporary);
}

TEST_CASE("jwk: the EME 'Source and Key Known at Page Load' example license") {
  JwkLicense license = Parse(
      R"({"keys":[{"kty":"oct","k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"LwVHf8JLtPrv2GUXFW2v_A"}],"type":"temporary"})");
  REQUIRE(license.keys.size() == 1);
  CHECK(test::ToHex(license.keys[0].key.span()) == "b50d1b25559be9bd0a3cbe8ab59232fc");
}

TEST_CASE("jwk: several keys, any member order, whitespace, unknown members ignored") {
  JwkLicense license = Parse(
      "\n\n{\"something\":1,\"keys\":[{\n\n\"k\":\"FBUWFxgZGhscHR4fICEiIw\",\"alg\":\"A128KW\","
      "\"kid\":\"AAECAwQFBgcICQoLDA0ODxAREhM\",\"kty\":\"oct\",\"use\":{\"nested\":[1,2]}},"
      "  {\"kty\": \"oct\", \"kid\": \"JCUmJygpKissLS4vMA\", \"k\": \"MTIzNDU2Nzg5Ojs8PT4_QA\"}"
      "], \"extra\": null}\n\n");
  REQUIRE(license.keys.size() == 2);
  CHECK(test::ToHex(license.keys[0].kid) == "000102030405060708090a0b0c0d0e0f10111213");
  CHECK(test::ToHex(license.keys[0].key.span()) == "1415161718191a1b1c1d1e1f20212223");
  CHECK(test::ToHex(license.keys[1].kid) == "2425262728292a2b2c2d2e2f30");
  CHECK(test::ToHex(license.keys[1].key.span()) == "3132333435363738393a3b3c3d3e3f40");
  CHECK_FALSE(license.type.has_value());
}

TEST_CASE("jwk: a repeated KID is kept twice, in order (the session stores the last)") {
  JwkLicense license =
      Parse(R"({"keys":[{"kty":"oct","kid":"JCUmJygpKissLS4vMA","k":"FBUWFxgZGhscHR4fICEiIw"},)"
            R"({"kty":"oct","kid":"JCUmJygpKissLS4vMA","k":"MTIzNDU2Nzg5Ojs8PT4_QA"}]})");
  REQUIRE(license.keys.size() == 2);
  CHECK(license.keys[0].kid == license.keys[1].kid);
  CHECK(test::ToHex(license.keys[1].key.span()) == "3132333435363738393a3b3c3d3e3f40");
}

TEST_CASE("jwk: type temporary / persistent-license") {
  const std::string keys = R"({"keys":[{"k":"FBUWFxgZGhscHR4fICEiIw","kid":"AQI","kty":"oct"}])";
  CHECK(*Parse(keys + R"(,"type":"temporary"})").type == SessionType::kTemporary);
  CHECK(*Parse(keys + R"(,"type":"persistent-license"})").type == SessionType::kPersistentLicense);
  CHECK_FALSE(Parse(keys + "}").type.has_value());
}

TEST_CASE("jwk: KID sizes 1 and 512 bytes are the bounds") {
  std::string kid512 = Base64UrlEncode(Bytes(512, 0xab));
  JwkLicense license = Parse(R"({"keys":[{"kty":"oct","k":"FBUWFxgZGhscHR4fICEiIw","kid":"AQ"},)"
                             R"({"kty":"oct","k":"FBUWFxgZGhscHR4fICEiIw","kid":")" +
                             kid512 + "\"}]}");
  CHECK(license.keys[0].kid == Bytes{1});
  CHECK(license.keys[1].kid.size() == 512);
}

TEST_CASE("jwk: 128 keys are accepted") {
  std::string text = R"({"keys":[)";
  for (int i = 0; i < 128; ++i) {
    text += std::string(i ? "," : "") + R"({"kty":"oct","k":"FBUWFxgZGhscHR4fICEiIw","kid":")" +
            Base64UrlEncode(Bytes{uint8_t(i), 1}) + "\"}";
  }
  CHECK(Parse(text + "]}").keys.size() == 128);
}

TEST_CASE("jwk: MakeJwkSet writes Chromium's GenerateJWKSet format") {
  // Expected texts written by hand from the format: members k, kid, kty in that order.
  auto one =
      MakeJwkSet({Key("2f05477fc24bb4faefd86517156daffc", "b50d1b25559be9bd0a3cbe8ab59232fc")},
                 SessionType::kTemporary);
  REQUIRE(one.ok());
  CHECK(
      one.value() ==
      R"({"keys":[{"k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"LwVHf8JLtPrv2GUXFW2v_A","kty":"oct"}],"type":"temporary"})");
  auto two = MakeJwkSet({Key("0102", "000102030405060708090a0b0c0d0e0f"),
                         Key("fbfdfbfdfbfdfb", "fbfdfbfdfbfdfbfdfbfdfbfdfbfdfbfd")},
                        std::nullopt);
  REQUIRE(two.ok());
  CHECK(two.value() == R"({"keys":[{"k":"AAECAwQFBgcICQoLDA0ODw","kid":"AQI","kty":"oct"},)"
                       R"({"k":"-_37_fv9-_37_fv9-_37_Q","kid":"-_37_fv9-w","kty":"oct"}]})");
  // And what we write, we read back.
  JwkLicense back = Parse(two.value());
  REQUIRE(back.keys.size() == 2);
  CHECK(test::ToHex(back.keys[1].key.span()) == "fbfdfbfdfbfdfbfdfbfdfbfdfbfdfbfd");
  auto persistent = MakeJwkSet({Key("0102", "000102030405060708090a0b0c0d0e0f")},
                               SessionType::kPersistentLicense);
  REQUIRE(persistent.ok());
  CHECK(*Parse(persistent.value()).type == SessionType::kPersistentLicense);
}

TEST_CASE("jwk: MakeJwkSet refuses what ParseJwkLicense would refuse") {
  auto check = [](const std::vector<JwkKey>& keys, const std::string& message) {
    auto r = MakeJwkSet(keys, std::nullopt);
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message() == message);
  };
  check({}, "keys: empty");
  check({Key("01", "000102030405060708090a0b0c0d0e")}, "keys[0].k: 15 bytes, expected 16");
  check({Key("01", "000102030405060708090a0b0c0d0e0f"), {Bytes(), SecretBytes(Bytes(16, 1))}},
        "keys[1].kid: 0 bytes, expected 1..512");
  check(std::vector<JwkKey>(129, Key("01", "000102030405060708090a0b0c0d0e0f")),
        "keys: 129 keys, at most 128");
}
