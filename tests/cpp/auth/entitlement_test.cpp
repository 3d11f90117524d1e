#include "auth/entitlement.h"

#include <catch2/catch.hpp>

#include "auth/rfc3339.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "test_util.h"

using namespace wee;
using namespace wee::auth;

namespace {

// The example communication key and id of Axinom's "Signing a License Service Message"
// article (docs.axinom.com); keys are base64 there.
const char kComKeyBase64[] = "RPSdG/fViTkTjcuG3fcRXL2JDchGThWQ/tfSNHAoG+A=";
const char kComKeyId[] = "aa0151d7-081c-4699-a049-fc584556c9d2";

// A content key from ../shared/testdata (mp4ff prog_8s) and its encrypted_key, computed with
// an independent implementation:
//   printf 63cb5f7184dd4b689a5c5ff11ee6a328 | xxd -r -p | openssl enc -aes-256-cbc -nopad \
//     -K <communication key hex> -iv cd7eb9ff88f34caeb06185b00024e4c2 | base64
const char kKid[] = "cd7eb9ff-88f3-4cae-b061-85b00024e4c2";
const char kKey[] = "63cb5f7184dd4b689a5c5ff11ee6a328";
const char kEncryptedKey[] = "xa9Z9nL9j0RKdLxUzkGbCg==";
// The all-zero KID of mp4ff/cbcs.mp4 with key 22bdb0063805260307ee5045c0f3835a.
const char kEncryptedKeyZeroKid[] = "LZrB9zJWdC0bdKp7kO5PLw==";

Bytes ComKey() {
  Bytes key;
  REQUIRE(Base64Decode(kComKeyBase64, Padding::kRequired, &key));
  return key;
}

Bytes Guid(const std::string& text) {
  Bytes out;
  REQUIRE(ParseGuid(text, &out));
  return out;
}

std::string Sign(const std::string& payload_json, ByteSpan key) {
  std::string input = Base64UrlEncode(std::string(R"({"alg":"HS256","typ":"JWT"})")) + "." +
                      Base64UrlEncode(payload_json);
  return input + "." + Base64UrlEncode(Hmac(HashAlgorithm::kSha256, key, input));
}

int64_t Date(const char* text) {
  int64_t seconds = 0;
  REQUIRE(ParseRfc3339(text, &seconds));
  return seconds;
}

EntitlementVerifyOptions At(int64_t now, int64_t skew = 0) {
  EntitlementVerifyOptions options;
  options.jwt.now = now;
  options.jwt.clock_skew = skew;
  return options;
}

bool HasReason(const Status& status, const char* why) {
  return status.code() == Code::kDenied && status.message().rfind(std::string(why) + ":", 0) == 0;
}

// A hand-written v2 message in the documented shape, with an inline encrypted key.
std::string V2Payload(const std::string& license = R"({"allow_persistence":true})") {
  return std::string(R"({"version":1,"com_key_id":")") + kComKeyId +
         R"(","id":"c76d9f99-dd53-46a0-8aa0-1dc8a931202d",)"
         R"("begin_date":"2024-01-01T00:00:00+02:00","expiration_date":"2024-01-02T00:00:00Z",)"
         R"("message":{"type":"entitlement_message","version":2,"license":)" + license +
         R"(,"content_keys_source":{"inline":[{"id":")" + kKid + R"(","encrypted_key":")" +
         kEncryptedKey + R"(","usage_policy":"HD"},)"
         R"({"id":"00000000-0000-0000-0000-000000000000"}]}}})";
}

}  // namespace

TEST_CASE("encrypted_key: AES-256-CBC with IV = KID, against openssl") {
  auto encrypted = EncryptContentKey(ComKey(), Guid(kKid), test::Hex(kKey));
  REQUIRE(encrypted.ok());
  CHECK(Base64Encode(*encrypted) == kEncryptedKey);
  auto zero = EncryptContentKey(ComKey(), Bytes(16), test::Hex("22bdb0063805260307ee5045c0f3835a"));
  REQUIRE(zero.ok());
  CHECK(Base64Encode(*zero) == kEncryptedKeyZeroKid);
  auto clear = DecryptContentKey(ComKey(), Guid(kKid), *encrypted);
  REQUIRE(clear.ok());
  CHECK(test::ToHex(clear->span()) == kKey);
  CHECK(EncryptContentKey(Bytes(16), Guid(kKid), test::Hex(kKey)).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("hand-written v2 entitlement: KIDs, keys, persistence, dates, id") {
  std::string token = Sign(V2Payload(), ComKey());
  auto ent = VerifyEntitlement(token, ComKey(), At(Date("2024-01-01T12:00:00Z")));
  REQUIRE(ent.ok());
  CHECK(ent->id == "c76d9f99-dd53-46a0-8aa0-1dc8a931202d");
  CHECK(ent->com_key_id == kComKeyId);
  CHECK(ent->message_version == 2);
  CHECK(ent->allow_persistence);
  CHECK_FALSE(ent->any_kid);
  CHECK_FALSE(ent->prevent_reuse);
  REQUIRE(ent->token_expiration);
  CHECK(*ent->token_expiration == Date("2024-01-02T00:00:00Z"));
  REQUIRE(ent->keys.size() == 2);
  CHECK(test::ToHex(ent->keys[0].kid) == "cd7eb9ff88f34caeb06185b00024e4c2");
  CHECK(test::ToHex(ent->keys[0].key.span()) == kKey);
  CHECK(ent->keys[0].usage_policy == "HD");
  CHECK(ent->keys[1].kid == Bytes(16));
  CHECK(ent->keys[1].key.empty());
  CHECK(ent->payload["message"]["version"] == 2);
}

TEST_CASE("entitlement dates: envelope begin/expiration with skew, license window") {
  std::string token = Sign(V2Payload(), ComKey());
  // begin_date 2024-01-01T00:00:00+02:00 is 2023-12-31T22:00:00Z.
  CHECK(HasReason(VerifyEntitlement(token, ComKey(), At(Date("2023-12-31T21:59:59Z"))).status(),
                  reason::kNotYetValid));
  CHECK(VerifyEntitlement(token, ComKey(), At(Date("2023-12-31T21:59:59Z"), 1)).ok());
  CHECK(VerifyEntitlement(token, ComKey(), At(Date("2023-12-31T22:00:00Z"))).ok());
  CHECK(HasReason(VerifyEntitlement(token, ComKey(), At(Date("2024-01-02T00:00:00Z"))).status(),
                  reason::kExpired));
  CHECK(VerifyEntitlement(token, ComKey(), At(Date("2024-01-02T00:00:00Z"), 60)).ok());

  std::string window = Sign(V2Payload(R"({"start_datetime":"2024-01-01T06:00:00Z",)"
                                      R"("expiration_datetime":"2024-01-01T18:00:00Z",)"
                                      R"("duration":3600})"), ComKey());
  CHECK(HasReason(VerifyEntitlement(window, ComKey(), At(Date("2024-01-01T05:00:00Z"))).status(),
                  reason::kLicenseWindow));
  CHECK(HasReason(VerifyEntitlement(window, ComKey(), At(Date("2024-01-01T18:00:00Z"))).status(),
                  reason::kLicenseWindow));
  auto ent = VerifyEntitlement(window, ComKey(), At(Date("2024-01-01T12:00:00Z")));
  REQUIRE(ent.ok());
  CHECK_FALSE(ent->allow_persistence);
  CHECK(*ent->license_start == Date("2024-01-01T06:00:00Z"));
  CHECK(*ent->license_expiration == Date("2024-01-01T18:00:00Z"));
  CHECK(*ent->duration == 3600);

  // JWT exp is honoured as well, and the earlier end is reported.
  std::string with_exp = Sign(R"({"version":1,"com_key_id":")" + std::string(kComKeyId) +
                              R"(","exp":100,"message":{"type":"entitlement_message",)"
                              R"("version":2}})", ComKey());
  auto early = VerifyEntitlement(with_exp, ComKey(), At(50));
  REQUIRE(early.ok());
  CHECK(*early->token_expiration == 100);
  CHECK(early->keys.empty());
  CHECK(HasReason(VerifyEntitlement(with_exp, ComKey(), At(100)).status(), reason::kExpired));
}

TEST_CASE("a KID the entitlement does not list is denied, naming it") {
  std::string token = Sign(V2Payload(), ComKey());
  EntitlementVerifyOptions options = At(Date("2024-01-01T12:00:00Z"));
  options.requested_kids = {Guid(kKid), Bytes(16)};
  CHECK(VerifyEntitlement(token, ComKey(), options).ok());
  options.requested_kids.push_back(test::Hex("0123456789abcdef0123456789abcdef"));
  auto status = VerifyEntitlement(token, ComKey(), options).status();
  CHECK(HasReason(status, reason::kKidNotEntitled));
  CHECK(status.message().find("0123456789abcdef0123456789abcdef") != std::string::npos);
}

TEST_CASE("communication key: wrong key, wrong key id, wrong size") {
  std::string token = Sign(V2Payload(), ComKey());
  const int64_t now = Date("2024-01-01T12:00:00Z");
  Bytes other = ComKey();
  other[31] ^= 0x80;
  CHECK(HasReason(VerifyEntitlement(token, other, At(now)).status(), reason::kSignature));
  EntitlementVerifyOptions options = At(now);
  options.com_key_id = "AA0151D7-081C-4699-A049-FC584556C9D2";  // GUIDs ignore case
  CHECK(VerifyEntitlement(token, ComKey(), options).ok());
  options.com_key_id = "12196546-a312-4a4e-ab65-c19bccce1adf";
  CHECK(HasReason(VerifyEntitlement(token, ComKey(), options).status(), reason::kComKeyId));
  CHECK(VerifyEntitlement(token, Bytes(33, 1), At(now)).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("real Axinom payloads, re-signed with a test key") {
  // The header.payload bytes of two tokens Axinom published (whitespace as they wrote it),
  // with an HS256 MAC under our key: github.com/Axinom/public-test-vectors
  // X-AxDRM-Message-headers/Axinom-Encoding-Cmaf-H264-protected-MultiKey (message v2) and
  // github.com/Axinom/drm-quick-start VideoDatabase.js (message v1 "keys").
  const std::string v2 =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2ZXJzaW9uIjogMSwiY29tX2tleV9pZCI6ICJmYzEwMzM4Ni05"
      "NmNkLTRmY2YtOTIzZC1hZDhkMDA3NWM1YjQiLCJtZXNzYWdlIjogeyAgInR5cGUiOiAiZW50aXRsZW1lbnRfbWVz"
      "c2FnZSIsICAidmVyc2lvbiI6IDIsICAiY29udGVudF9rZXlzX3NvdXJjZSI6IHsgICAgImlubGluZSI6IFsgICAg"
      "ICB7ICAgICAgICAiaWQiOiAiYjU0ZWM5MTQtMTkyZC00ZWExLWFjMTktZjQyOWViNDk4MjY4IiAgICAgIH0sICAg"
      "ICAgeyAgICAgICAgImlkIjogImM4M2M0ZWE4LTBmMmEtNDUyMy04NTFjLWZiZWNjZGMwZjIwMiIgICAgICB9LCAg"
      "ICAgIHsgICAgICAgICJpZCI6ICJjODY4YzcwMi1jNzFiLTQwNjQtYWUyYi1jMjRmN2NjMTA3OTIiICAgICAgfSAg"
      "ICBdICB9fX0";
  const std::string v1 =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ2ZXJzaW9uIjoxLCJjb21fa2V5X2lkIjoiNjllNTQwODgtZTll"
      "MC00NTMwLThjMWEtMWViNmRjZDBkMTRlIiwibWVzc2FnZSI6eyJ0eXBlIjoiZW50aXRsZW1lbnRfbWVzc2FnZSIs"
      "ImtleXMiOlt7ImlkIjoiNmU1YTFkMjYtMjc1Ny00N2Q3LTgwNDYtZWFhNWQxZDM0YjVhIn1dfX0";
  auto mac = [](const std::string& input) {
    return input + "." + Base64UrlEncode(Hmac(HashAlgorithm::kSha256, ComKey(), input));
  };
  auto ent2 = VerifyEntitlement(mac(v2), ComKey(), At(0));
  REQUIRE(ent2.ok());
  CHECK(ent2->com_key_id == "fc103386-96cd-4fcf-923d-ad8d0075c5b4");
  CHECK(ent2->message_version == 2);
  REQUIRE(ent2->keys.size() == 3);
  CHECK(test::ToHex(ent2->keys[0].kid) == "b54ec914192d4ea1ac19f429eb498268");
  CHECK(test::ToHex(ent2->keys[2].kid) == "c868c702c71b4064ae2bc24f7cc10792");
  CHECK(ent2->id.empty());
  CHECK_FALSE(ent2->token_expiration);

  auto ent1 = VerifyEntitlement(mac(v1), ComKey(), At(0));
  REQUIRE(ent1.ok());
  CHECK(ent1->message_version == 1);
  REQUIRE(ent1->keys.size() == 1);
  CHECK(test::ToHex(ent1->keys[0].kid) == "6e5a1d26275747d78046eaa5d1d34b5a");
  CHECK_FALSE(ent1->allow_persistence);
}

TEST_CASE("v1 message: keys with encrypted_key, key_ids, persistent, keys_based_on_request") {
  std::string token = Sign(
      std::string(R"({"version":1,"com_key_id":")") + kComKeyId +
          R"(","message":{"type":"entitlement_message","persistent":true,)"
          R"("begin_date":"2015-08-18T15:22:40+03:00",)"
          R"("expiration_date":"2015-09-18T12:22:40+00:00",)"
          R"("keys":[{"id":")" + kKid + R"(","encrypted_key":")" + kEncryptedKey + R"("}],)"
          R"("key_ids":["4267c782-f15f-4677-b972-49f78eccb49c"]}})",
      ComKey());
  auto ent = VerifyEntitlement(token, ComKey(), At(Date("2015-09-01T00:00:00Z")));
  REQUIRE(ent.ok());
  CHECK(ent->allow_persistence);
  CHECK(*ent->license_start == Date("2015-08-18T12:22:40Z"));
  REQUIRE(ent->keys.size() == 2);
  CHECK(test::ToHex(ent->keys[0].key.span()) == kKey);
  CHECK(test::ToHex(ent->keys[1].kid) == "4267c782f15f4677b97249f78eccb49c");
  CHECK(ent->Find(Guid(kKid)) == &ent->keys[0]);
  CHECK(ent->Find(Bytes(16)) == nullptr);
  CHECK(HasReason(VerifyEntitlement(token, ComKey(), At(Date("2015-09-18T12:22:40Z"))).status(),
                  reason::kLicenseWindow));

  std::string any = Sign(std::string(R"({"version":1,"com_key_id":")") + kComKeyId +
                             R"(","message":{"type":"entitlement_message",)"
                             R"("keys_based_on_request":true}})",
                         ComKey());
  auto ent_any = VerifyEntitlement(any, ComKey(), At(0));
  REQUIRE(ent_any.ok());
  CHECK(ent_any->any_kid);
  CHECK(CheckKidsEntitled(*ent_any, {Bytes(16, 9)}).ok());
}

TEST_CASE("malformed entitlements are denied with the field named") {
  const std::string head = std::string(R"({"version":1,"com_key_id":")") + kComKeyId + "\",";
  // An envelope around a message with these members.
  auto v2 = [&](const std::string& members) {
    return head + R"("message":{"type":"entitlement_message","version":2,)" + members + "}}";
  };
  const std::string zero = R"({"id":"00000000-0000-0000-0000-000000000000")";
  struct Case { std::string payload; const char* field; };
  const Case cases[] = {
      {R"({"com_key_id":"x","message":{"type":"entitlement_message"}})", "no version"},
      {R"({"version":1,"message":{"type":"entitlement_message"}})", "no com_key_id"},
      {head + R"("message":"text"})", "envelope.message"},
      {head + R"("message":{"type":"other"}})", "message.type"},
      {head + R"("begin_date":"yesterday","message":{"type":"entitlement_message"}})",
       "envelope.begin_date"},
      {v2(R"("license":{"duration":-1})"), "message.license.duration"},
      {v2(R"("license":{"allow_persistence":"yes"})"), "message.license.allow_persistence"},
      {v2(R"("content_keys_source":{"inline":[{"id":"not-a-guid"}]})"), "inline[0].id"},
      {v2(R"("content_keys_source":{"inline":[)" + zero + R"(,"encrypted_key":"AAAA"}]})"),
       "inline[0].encrypted_key"},
      {v2(R"("content_keys_source":{"inline":[)" + zero + "}," + zero + "}]}"), "repeats KID"},
      {v2(R"("content_keys_source":{"inline":[],"license_request":{}})"), "exactly one"},
      {head + R"("message":{"type":"entitlement_message","keys":{}}})", "message.keys"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.payload);
    auto status = VerifyEntitlement(Sign(c.payload, ComKey()), ComKey(), At(0)).status();
    CHECK(HasReason(status, reason::kMalformed));
    CHECK(status.message().find(c.field) != std::string::npos);
  }
  auto v3 = VerifyEntitlement(
      Sign(head + R"("message":{"type":"entitlement_message","version":3}})", ComKey()), ComKey(),
      At(0)).status();
  CHECK(HasReason(v3, reason::kUnsupported));
  auto envelope2 = VerifyEntitlement(Sign(R"({"version":2,"com_key_id":"x","message":{}})",
                                          ComKey()), ComKey(), At(0)).status();
  CHECK(HasReason(envelope2, reason::kUnsupported));
}

TEST_CASE("MakeEntitlement round trip (v2 and v1) matches the independent encrypted_key") {
  EntitlementSpec spec;
  spec.com_key_id = kComKeyId;
  spec.id = "msg-1";
  spec.begin_date = 1000;
  spec.expiration_date = 2000;
  spec.keys = {{Guid(kKid), test::Hex(kKey), "SD"}, {Bytes(16, 0xab), {}, ""}};
  spec.allow_persistence = true;
  spec.license_expiration = 5000;
  spec.duration = 60;
  auto token = MakeEntitlement(spec, ComKey());
  REQUIRE(token.ok());
  auto ent = VerifyEntitlement(*token, ComKey(), At(1500));
  REQUIRE(ent.ok());
  CHECK(ent->id == "msg-1");
  CHECK(ent->allow_persistence);
  CHECK(*ent->token_expiration == 2000);
  CHECK(*ent->license_expiration == 5000);
  CHECK(*ent->duration == 60);
  REQUIRE(ent->keys.size() == 2);
  CHECK(test::ToHex(ent->keys[0].key.span()) == kKey);
  CHECK(ent->keys[0].usage_policy == "SD");
  CHECK(ent->payload["message"]["content_keys_source"]["inline"][0]["encrypted_key"] ==
        kEncryptedKey);
  CHECK(ent->payload["begin_date"] == "1970-01-01T00:16:40Z");
  CHECK(HasReason(VerifyEntitlement(*token, ComKey(), At(999)).status(), reason::kNotYetValid));

  spec.message_version = 1;
  spec.duration.reset();
  spec.keys[0].usage_policy.clear();
  auto v1 = MakeEntitlement(spec, ComKey());
  REQUIRE(v1.ok());
  auto ent1 = VerifyEntitlement(*v1, ComKey(), At(1500));
  REQUIRE(ent1.ok());
  CHECK(ent1->message_version == 1);
  CHECK(ent1->allow_persistence);
  CHECK(test::ToHex(ent1->keys[0].key.span()) == kKey);

  spec.com_key_id = "not a guid";
  CHECK(MakeEntitlement(spec, ComKey()).status().code() == Code::kInvalidArgument);
}
