// Table-driven negative tests: every bad init data, license or name is refused with the exact
// Code the EME layer maps (kInvalidArgument -> TypeError, kUnsupported -> NotSupportedError)
// and a message naming the field.
#include <cstring>

#include <catch2/catch.hpp>

#include "base/byte_reader.h"
#include "cdm/init_data.h"
#include "cdm/jwk.h"
#include "test_util.h"

using namespace wee;
using namespace wee::cdm;

namespace {

enum class Kind { kJwk, kCenc, kKeyIds, kWebM, kSessionType, kInitDataType };

struct BadInput {
  const char* name;
  Kind kind;
  std::string input;
  Code code;
  std::string message;
};

std::string Jwk(const std::string& kid, const std::string& k, const std::string& rest = "") {
  return R"({"keys":[{"kty":"oct","kid":")" + kid + R"(","k":")" + k + "\"}]" + rest + "}";
}

const char kKey16[] = "FBUWFxgZGhscHR4fICEiIw";
const char kKid[] = "LwVHf8JLtPrv2GUXFW2v_A";

std::string ManyKeys(int n) {
  std::string text = R"({"keys":[)";
  for (int i = 0; i < n; ++i)
    text += std::string(i ? "," : "") + R"({"kty":"oct","kid":"AQI","k":")" + kKey16 + "\"}";
  return text + "]}";
}

std::string ManyKids(int n) {
  std::string text = R"({"kids":[)";
  for (int i = 0; i < n; ++i)
    text += std::string(i ? "," : "") + "\"AQI\"";
  return text + "]}";
}

// The W3C "cenc" example box (with its size corrected, see init_data_test.cpp) with edits.
std::string Pssh(uint32_t size = 0x44,
                 uint32_t version_flags = 0x01000000,
                 uint32_t kid_count = 2,
                 uint32_t data_size = 0,
                 const char* type = "pssh") {
  Bytes box = test::Hex(
      "0000004470737368010000001077efecc0b24d02ace33c1e52e2fb4b00000002"
      "303132333435363738393031323334354142434445464748494a4b4c4d4e4f5000000000");
  StoreBE32(&box[0], size);
  std::memcpy(&box[4], type, 4);
  StoreBE32(&box[8], version_flags);
  StoreBE32(&box[28], kid_count);
  StoreBE32(&box[64], data_size);
  return ByteSpan(box).ToString();
}

const std::string kPsshPrefix = "cenc: pssh[0] (byte 0): ";

Status Run(const BadInput& t) {
  ByteSpan in(t.input);
  switch (t.kind) {
    case Kind::kJwk:
      return ParseJwkLicense(in).status();
    case Kind::kCenc:
      return ExtractKeyIds(InitDataType::kCenc, in).status();
    case Kind::kKeyIds:
      return ExtractKeyIds(InitDataType::kKeyIds, in).status();
    case Kind::kWebM:
      return ExtractKeyIds(InitDataType::kWebM, in).status();
    case Kind::kSessionType:
      return ParseSessionType(t.input).status();
    case Kind::kInitDataType:
      return ParseInitDataType(t.input).status();
  }
  return Status::Ok();
}

}  // namespace

TEST_CASE("bad inputs: exact code and message") {
  const Code kArg = Code::kInvalidArgument;
  const std::vector<BadInput> table = {
      // --- JWK Set licenses (EME update(): TypeError) ---
      {"non-ASCII JWK", Kind::kJwk, "{\"x\":\"\xc3\xa9\"," + Jwk(kKid, kKey16).substr(1), kArg,
       "license: byte 6 is not ASCII"},
      {"padded k", Kind::kJwk, Jwk(kKid, "FBUWFxgZGhscHR4fICEiIw=="), kArg,
       "keys[0].k: not base64url without padding"},
      {"padded kid", Kind::kJwk, Jwk("AQI=", kKey16), kArg,
       "keys[0].kid: not base64url without padding"},
      {"base64 alphabet in k", Kind::kJwk, Jwk(kKid, "+/37/fv9+/37/fv9+/37/Q"), kArg,
       "keys[0].k: not base64url without padding"},
      {"17-byte key", Kind::kJwk, Jwk(kKid, "AAECAwQFBgcICQoLDA0ODxA"), kArg,
       "keys[0].k: 17 bytes, expected 16"},
      {"15-byte key", Kind::kJwk, Jwk(kKid, "AAECAwQFBgcICQoLDA0O"), kArg,
       "keys[0].k: 15 bytes, expected 16"},
      {"0-byte KID", Kind::kJwk, Jwk("", kKey16), kArg, "keys[0].kid: 0 bytes, expected 1..512"},
      {"513-byte KID", Kind::kJwk, Jwk(Base64UrlEncode(Bytes(513, 0)), kKey16), kArg,
       "keys[0].kid: 513 bytes, expected 1..512"},
      {"129 keys", Kind::kJwk, ManyKeys(129), kArg, "keys: 129 keys, at most 128"},
      {"kty RSA", Kind::kJwk,
       R"({"keys":[{"kty":"RSA","kid":"AQI","k":"FBUWFxgZGhscHR4fICEiIw"}]})", kArg,
       "keys[0].kty: not \"oct\""},
      {"kty is case sensitive", Kind::kJwk,
       R"({"keys":[{"kty":"OCT","kid":"AQI","k":"FBUWFxgZGhscHR4fICEiIw"}]})", kArg,
       "keys[0].kty: not \"oct\""},
      {"kty missing", Kind::kJwk, R"({"keys":[{"kid":"AQI","k":"FBUWFxgZGhscHR4fICEiIw"}]})", kArg,
       "keys[0].kty: missing"},
      {"k missing", Kind::kJwk, R"({"keys":[{"kty":"oct","kid":"AQI"}]})", kArg,
       "keys[0].k: missing"},
      {"kid missing", Kind::kJwk, R"({"keys":[{"kty":"oct","k":"FBUWFxgZGhscHR4fICEiIw"}]})", kArg,
       "keys[0].kid: missing"},
      {"k not a string", Kind::kJwk, R"({"keys":[{"kty":"oct","kid":"AQI","k":12}]})", kArg,
       "keys[0].k: not a string"},
      {"keys missing", Kind::kJwk, "{}", kArg, "keys: missing or not an array"},
      {"a single JWK, not a set", Kind::kJwk,
       R"({"kty":"oct","kid":"AQI","k":"FBUWFxgZGhscHR4fICEiIw"})", kArg,
       "keys: missing or not an array"},
      {"keys not an array", Kind::kJwk, R"({"keys":{"0":1}})", kArg,
       "keys: missing or not an array"},
      {"keys empty", Kind::kJwk, R"({"keys":[]})", kArg, "keys: empty"},
      {"key not an object", Kind::kJwk, R"({"keys":[1,2,3]})", kArg, "keys[0]: not an object"},
      {"third key bad", Kind::kJwk,
       R"({"keys":[{"kty":"oct","kid":"AQ","k":"FBUWFxgZGhscHR4fICEiIw"},)"
       R"({"kty":"oct","kid":"Ag","k":"FBUWFxgZGhscHR4fICEiIw"},{"kty":"oct","kid":"Aw","k":"!"}]})",
       kArg, "keys[2].k: not base64url without padding"},
      {"response > 64 KiB", Kind::kJwk,
       Jwk(kKid, kKey16) + std::string(65537 - Jwk(kKid, kKey16).size(), ' '), kArg,
       "license: 65537 bytes exceeds the 65536-byte limit"},
      {"unknown type", Kind::kJwk, Jwk(kKid, kKey16, R"(,"type":"persistent-usage-record")"), kArg,
       "type: session type 'persistent-usage-record' is not supported by Clear Key"},
      {"type not a string", Kind::kJwk, Jwk(kKid, kKey16, R"(,"type":3)"), kArg,
       "type: not a string"},
      {"not JSON", Kind::kJwk, "This is not a JSON key.", kArg,
       "license: not valid JSON at byte 0 (unexpected 'T')"},
      {"trailing garbage", Kind::kJwk, Jwk(kKid, kKey16) + " x", kArg,
       "license: not valid JSON at byte " + std::to_string(Jwk(kKid, kKey16).size() + 1) +
           " (unexpected 'x')"},
      {"root not an object", Kind::kJwk, "40", kArg, "license: JSON root is not an object"},
      {"deep nesting", Kind::kJwk, std::string(33, '[') + std::string(33, ']'), kArg,
       "license: JSON nested deeper than 32 levels"},
      {"empty response", Kind::kJwk, "", kArg, "license: empty"},
      // --- "cenc" init data (EME generateRequest(): TypeError; no KID: NotSupportedError) ---
      {"truncated pssh", Kind::kCenc, Pssh().substr(0, 67), kArg,
       kPsshPrefix + "box size 68 exceeds the 67 bytes left"},
      {"pssh KID count past the box", Kind::kCenc, Pssh(0x44, 0x01000000, 3), kArg,
       kPsshPrefix + "KID_count 3 needs 48 bytes, the box has 36 left"},
      {"pssh KID count 2^32-1", Kind::kCenc, Pssh(0x44, 0x01000000, 0xffffffff), kArg,
       kPsshPrefix + "KID_count 4294967295 needs 68719476720 bytes, the box has 36 left"},
      {"pssh DataSize past the box", Kind::kCenc, Pssh(0x44, 0x01000000, 2, 1), kArg,
       kPsshPrefix + "DataSize 1 does not match the 0 bytes left in the box"},
      {"pssh version 2", Kind::kCenc, Pssh(0x44, 0x02000000), kArg,
       kPsshPrefix + "version 2 is not 0 or 1"},
      {"pssh flags", Kind::kCenc, Pssh(0x44, 0x01000001), kArg, kPsshPrefix + "flags 1 are not 0"},
      {"not a pssh box", Kind::kCenc, Pssh(0x44, 0x01000000, 2, 0, "moov"), kArg,
       kPsshPrefix + "box type 'moov' is not 'pssh'"},
      {"box size below the minimum", Kind::kCenc, Pssh(8), kArg,
       kPsshPrefix + "box size 8 is less than the minimum 32"},
      {"trailing bytes after a box", Kind::kCenc, Pssh() + "abc", kArg,
       "cenc: pssh[1] (byte 68): truncated box header (3 bytes left)"},
      {"no Clear Key SystemID", Kind::kCenc,
       Pssh(32, 0x00000000).substr(0, 28) + std::string(4, '\0'), Code::kUnsupported, ""},
      {"init data empty", Kind::kCenc, "", kArg, "init data: empty"},
      {"init data > 64 KiB", Kind::kCenc, std::string(65537, 'x'), kArg,
       "init data: 65537 bytes exceeds the 65536-byte limit"},
      // --- "keyids" init data ---
      {"keyids not base64url", Kind::kKeyIds, R"({"kids":["AQI","AQI+"]})", kArg,
       "keyids: kids[1]: not base64url without padding"},
      {"keyids padded", Kind::kKeyIds, R"({"kids":["AQI="]})", kArg,
       "keyids: kids[0]: not base64url without padding"},
      {"keyids empty KID", Kind::kKeyIds, R"({"kids":[""]})", kArg,
       "keyids: kids[0]: 0 bytes, expected 1..512"},
      {"keyids KID not a string", Kind::kKeyIds, R"({"kids":[1]})", kArg,
       "keyids: kids[0]: not a string"},
      {"keyids kids missing", Kind::kKeyIds, R"({"keys":["AQI"]})", kArg,
       "keyids: kids: missing or not an array"},
      {"keyids 129 KIDs", Kind::kKeyIds, ManyKids(129), kArg,
       "keyids: kids: 129 key IDs, at most 128"},
      {"keyids non-ASCII", Kind::kKeyIds, "{\"kids\":[\"\xff\"]}", kArg,
       "keyids: byte 10 is not ASCII"},
      // --- "webm" init data ---
      {"webm KID empty", Kind::kWebM, "", kArg, "init data: empty"},
      {"webm KID 513 bytes", Kind::kWebM, std::string(513, 'k'), kArg,
       "webm: init data is 513 bytes, a key ID is at most 512"},
      // --- names (EME: NotSupportedError) ---
      {"session type", Kind::kSessionType, "persistent-usage-record", Code::kUnsupported,
       "session type 'persistent-usage-record' is not supported by Clear Key"},
      {"init data type", Kind::kInitDataType, "mp4", Code::kUnsupported,
       "init data type 'mp4' is not supported by Clear Key"},
  };
  REQUIRE(table.size() >= 20);
  for (const BadInput& t : table) {
    SECTION(t.name) {
      Status status = Run(t);
      INFO(status.ToString());
      CHECK(status.code() == t.code);
      if (!t.message.empty())
        CHECK(status.message() == t.message);
    }
  }
}

TEST_CASE("bad inputs: a failed parse returns no keys") {
  // Results are built in a local: the valid first key of a bad set is not returned.
  auto r = ParseJwkLicense(ByteSpan(std::string(
      R"({"keys":[{"kty":"oct","kid":"AQ","k":"FBUWFxgZGhscHR4fICEiIw"},{"kty":"oct"}]})")));
  CHECK_FALSE(r.ok());
  CHECK(r->keys.empty());
}

TEST_CASE("bad inputs: MakeLicenseRequest") {
  // No KID is a valid request (keyids init data with an empty list, as in Chromium).
  auto none = MakeLicenseRequest({}, SessionType::kTemporary);
  REQUIRE(none.ok());
  CHECK(none.value() == R"({"kids":[],"type":"temporary"})");
  auto empty_kid = MakeLicenseRequest({Bytes()}, SessionType::kTemporary);
  CHECK(empty_kid.status().message() == "license request: kids[0]: 0 bytes, expected 1..512");
  auto too_many = MakeLicenseRequest(std::vector<Bytes>(129, Bytes{1}), SessionType::kTemporary);
  CHECK(too_many.status().message() == "license request: 129 key IDs, at most 128");
}
