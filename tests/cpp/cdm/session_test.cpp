#include "cdm/session.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using namespace wee::cdm;

namespace {

// EME examples: KID LwVHf8JLtPrv2GUXFW2v_A with key tQ0bJVWb6b0KPL6KtZIy_A.
const char kKidA[] = "2f05477fc24bb4faefd86517156daffc";
const char kKeyA[] = "b50d1b25559be9bd0a3cbe8ab59232fc";
const char kKidB[] = "d0376d53da1df818792f7c5bbf45dffc";  // 0DdtU9od-Bh5L3xbv0Xf_A

std::string License(const std::vector<std::pair<std::string, std::string>>& kid_key_hex,
                    const char* type = nullptr) {
  std::string text = R"({"keys":[)";
  for (size_t i = 0; i < kid_key_hex.size(); ++i) {
    text += std::string(i ? "," : "") + R"({"kty":"oct","kid":")" +
            Base64UrlEncode(test::Hex(kid_key_hex[i].first)) + R"(","k":")" +
            Base64UrlEncode(test::Hex(kid_key_hex[i].second)) + "\"}";
  }
  text += "]";
  if (type)
    text += std::string(R"(,"type":")") + type + "\"";
  return text + "}";
}

std::string KeyIdsInit(const std::vector<std::string>& kid_hex) {
  std::string text = R"({"kids":[)";
  for (size_t i = 0; i < kid_hex.size(); ++i)
    text += std::string(i ? "," : "") + "\"" + Base64UrlEncode(test::Hex(kid_hex[i])) + "\"";
  return text + "]}";
}

// Creates a session and generates its request for the given KIDs.
std::string Open(ClearKeyCdm& cdm, SessionType type, const std::vector<std::string>& kids) {
  auto id = cdm.CreateSession(type);
  REQUIRE(id.ok());
  auto request = cdm.GenerateRequest(id.value(), InitDataType::kKeyIds, ByteSpan(KeyIdsInit(kids)));
  REQUIRE(request.ok());
  return id.value();
}

std::string Statuses(const std::vector<KeyStatusEntry>& list) {
  std::string out;
  for (const auto& s : list)
    out += test::ToHex(s.kid) + "=" + KeyStatusName(s.status) + ";";
  return out;
}

std::string KeyHex(const ClearKeyCdm& cdm, const std::string& kid_hex) {
  const SecretBytes* key = cdm.FindKey(test::Hex(kid_hex));
  return key ? test::ToHex(key->span()) : "none";
}

}  // namespace

TEST_CASE("session: ids are unique decimal numbers") {
  ClearKeyCdm cdm;
  auto a = cdm.CreateSession(SessionType::kTemporary);
  auto b = cdm.CreateSession(SessionType::kPersistentLicense);
  REQUIRE((a.ok() && b.ok()));
  CHECK(a.value() == "1");
  CHECK(b.value() == "2");
  cdm.Close(a.value());
  CHECK(cdm.CreateSession(SessionType::kTemporary).value() == "3");  // never reused
}

TEST_CASE("session: the EME Clear Key example flow") {
  ClearKeyCdm cdm;
  auto id = cdm.CreateSession(SessionType::kTemporary);
  REQUIRE(id.ok());
  CHECK(cdm.State(id.value()) == SessionState::kUninitialized);
  // EME "Source and Key Known at Page Load (Clear Key)" example: keyids init data, then the
  // license of the 9.1.4 example.
  auto request =
      cdm.GenerateRequest(id.value(), InitDataType::kKeyIds,
                          ByteSpan(std::string(R"({"kids":["LwVHf8JLtPrv2GUXFW2v_A"]})")));
  REQUIRE(request.ok());
  CHECK(request.value() == R"({"kids":["LwVHf8JLtPrv2GUXFW2v_A"],"type":"temporary"})");
  CHECK(cdm.State(id.value()) == SessionState::kPending);
  CHECK(cdm.KeyStatuses(id.value())->empty());
  CHECK(KeyHex(cdm, kKidA) == "none");

  auto update = cdm.Update(
      id.value(),
      ByteSpan(std::string(
          R"({"keys":[{"kty":"oct","k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"LwVHf8JLtPrv2GUXFW2v_A"}],"type":"temporary"})")));
  REQUIRE(update.ok());
  CHECK(Statuses(update->key_statuses) == std::string(kKidA) + "=usable;");
  CHECK(update->has_additional_usable_key);
  CHECK_FALSE(update->session_closed);
  CHECK(cdm.State(id.value()) == SessionState::kActive);
  CHECK(KeyHex(cdm, kKidA) == kKeyA);
}

TEST_CASE("session: AOSP Clear Key VTS vector (pssh -> request, license -> key)") {
  // hardware/interfaces drm/1.1 VTS, DrmHalClearkeyTest::loadKeys(): a Common SystemID 'pssh',
  // the key request Android's Clear Key plugin must produce, and the license it then accepts.
  ClearKeyCdm cdm;
  std::string id = cdm.CreateSession(SessionType::kTemporary).value();
  auto request = cdm.GenerateRequest(
      id, InitDataType::kCenc,
      test::Hex("0000003470737368010000001077efecc0b24d02ace33c1e52e2fb4b00000001"
                "60061e017e477e877e57d00d1ed00d1e00000000"));
  REQUIRE(request.ok());
  CHECK(request.value() == R"({"kids":["YAYeAX5Hfod-V9ANHtANHg"],"type":"temporary"})");
  auto update =
      cdm.Update(id, ByteSpan(std::string("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"YAYeAX5Hfod-"
                                          "V9ANHtANHg\",\"k\":\"GoogleTestKeyBase64ggg\"}]}\n")));
  REQUIRE(update.ok());
  CHECK(KeyHex(cdm, "60061e017e477e877e57d00d1ed00d1e") == "1a8a2095e4deb2d29ec816ac7bae2082");
}

TEST_CASE("session: statuses after update, remove and close (temporary)") {
  ClearKeyCdm cdm;
  std::string id = Open(cdm, SessionType::kTemporary, {kKidA, kKidB});
  auto first = cdm.Update(id, ByteSpan(License({{kKidB, kKeyA}})));
  REQUIRE(first.ok());
  auto second = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}, {kKidB, kKeyA}})));
  REQUIRE(second.ok());
  // Sorted by KID (EME MediaKeyStatusMap order), every key of the session.
  CHECK(Statuses(second->key_statuses) == std::string(kKidA) + "=usable;" + kKidB + "=usable;");
  CHECK(second->has_additional_usable_key);  // kKidA is new
  auto again = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}})));
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_additional_usable_key);

  auto removed = cdm.Remove(id);
  REQUIRE(removed.ok());
  CHECK_FALSE(removed->message.has_value());  // temporary sessions send no release message
  CHECK(Statuses(removed->key_statuses) ==
        std::string(kKidA) + "=released;" + kKidB + "=released;");
  CHECK(Statuses(cdm.KeyStatuses(id).value()) == Statuses(removed->key_statuses));
  CHECK(cdm.State(id) == SessionState::kReleased);
  CHECK(KeyHex(cdm, kKidA) == "none");

  // A new license after remove() replaces the released keys.
  auto renewed = cdm.Update(id, ByteSpan(License({{kKidB, kKeyA}})));
  REQUIRE(renewed.ok());
  CHECK(Statuses(renewed->key_statuses) == std::string(kKidB) + "=usable;");

  cdm.Close(id);
  CHECK(cdm.State(id) == SessionState::kClosed);
  CHECK(KeyHex(cdm, kKidB) == "none");
  CHECK(cdm.KeyStatuses(id).status().code() == Code::kInvalidState);
  cdm.Close(id);  // closing twice is harmless
  CHECK(cdm.open_sessions() == 0);
}

TEST_CASE("session: persistent-license remove, release message, acknowledgement") {
  ClearKeyCdm cdm;
  std::string id = Open(cdm, SessionType::kPersistentLicense, {kKidA});
  // EME 9.1.4: without "type" the license is "temporary", which a persistent session refuses.
  auto untyped = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}})));
  CHECK(untyped.status().code() == Code::kInvalidArgument);
  CHECK(untyped.status().message() ==
        "type: a \"temporary\" license for a \"persistent-license\" session");
  REQUIRE(cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}, {kKidB, kKeyA}}, "persistent-license")))
              .ok());

  auto removed = cdm.Remove(id);
  REQUIRE(removed.ok());
  REQUIRE(removed->message.has_value());
  CHECK(*removed->message == R"({"kids":["LwVHf8JLtPrv2GUXFW2v_A","0DdtU9od-Bh5L3xbv0Xf_A"]})");
  CHECK(Statuses(removed->key_statuses) ==
        std::string(kKidA) + "=released;" + kKidB + "=released;");
  CHECK(KeyHex(cdm, kKidA) == "none");
  // remove() again sends the same record until it is acknowledged.
  CHECK(cdm.Remove(id)->message == removed->message);
  // A license is not an acknowledgement.
  auto wrong = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}}, "persistent-license")));
  CHECK(wrong.status().code() == Code::kInvalidArgument);
  CHECK(wrong.status().message() ==
        "license release acknowledgement: kids: missing or not an array");
  CHECK(cdm.State(id) == SessionState::kReleased);

  auto ack = cdm.Update(id, ByteSpan(*removed->message));
  REQUIRE(ack.ok());
  CHECK(ack->session_closed);
  CHECK(ack->key_statuses.empty());
  CHECK(cdm.State(id) == SessionState::kClosed);
}

TEST_CASE("session: a temporary session refuses a persistent license") {
  ClearKeyCdm cdm;
  std::string id = Open(cdm, SessionType::kTemporary, {kKidA});
  auto r = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}}, "persistent-license")));
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message() ==
        "type: a \"persistent-license\" license for a \"temporary\" session");
  CHECK(KeyHex(cdm, kKidA) == "none");  // nothing stored
  CHECK(cdm.State(id) == SessionState::kPending);
}

TEST_CASE("session: key lookup across two sessions, the newest wins, gone after close") {
  ClearKeyCdm cdm;
  const char kKey1[] = "11111111111111111111111111111111";
  const char kKey2[] = "22222222222222222222222222222222";
  std::string s1 = Open(cdm, SessionType::kTemporary, {kKidA});
  std::string s2 = Open(cdm, SessionType::kTemporary, {kKidA});
  REQUIRE(cdm.Update(s1, ByteSpan(License({{kKidA, kKey1}, {kKidB, kKey1}}))).ok());
  CHECK(KeyHex(cdm, kKidA) == kKey1);
  REQUIRE(cdm.Update(s2, ByteSpan(License({{kKidA, kKey2}}))).ok());
  CHECK(KeyHex(cdm, kKidA) == kKey2);  // s2 updated last
  CHECK(KeyHex(cdm, kKidB) == kKey1);  // only s1 has it
  REQUIRE(cdm.Update(s1, ByteSpan(License({{kKidA, kKey1}}))).ok());
  CHECK(KeyHex(cdm, kKidA) == kKey1);  // s1 updated last now
  cdm.Close(s1);
  CHECK(KeyHex(cdm, kKidA) == kKey2);  // s1's keys disappeared
  CHECK(KeyHex(cdm, kKidB) == "none");
  REQUIRE(cdm.Remove(s2).ok());
  CHECK(KeyHex(cdm, kKidA) == "none");  // released keys are not usable
}

TEST_CASE("session: a repeated KID in one license, the last key wins") {
  ClearKeyCdm cdm;
  std::string id = Open(cdm, SessionType::kTemporary, {kKidA});
  auto r = cdm.Update(id, ByteSpan(License({{kKidA, "11111111111111111111111111111111"},
                                            {kKidA, "22222222222222222222222222222222"}})));
  REQUIRE(r.ok());
  CHECK(r->key_statuses.size() == 1);
  CHECK(KeyHex(cdm, kKidA) == "22222222222222222222222222222222");
}

TEST_CASE("session: state errors") {
  ClearKeyCdm cdm;
  auto id = cdm.CreateSession(SessionType::kTemporary).value();
  const std::string license = License({{kKidA, kKeyA}});
  CHECK(cdm.Update(id, ByteSpan(license)).status().code() == Code::kInvalidState);
  CHECK(cdm.Remove(id).status().code() == Code::kInvalidState);
  // A failed generateRequest() leaves the session uninitialized.
  auto no_kid = cdm.GenerateRequest(
      id, InitDataType::kCenc,
      test::Hex("00000020707373680000000010770000000000000000000000000000000000000000"));
  CHECK(no_kid.status().code() == Code::kInvalidArgument);
  CHECK(cdm.State(id) == SessionState::kUninitialized);
  REQUIRE(cdm.GenerateRequest(id, InitDataType::kWebM, test::Hex(kKidA)).ok());
  auto twice = cdm.GenerateRequest(id, InitDataType::kWebM, test::Hex(kKidA));
  CHECK(twice.status().code() == Code::kInvalidState);
  CHECK(twice.status().message() == "session '1': generateRequest() was already called");
  CHECK(cdm.Update(id, ByteSpan()).status().message() == "response: empty");
  auto unknown = cdm.Update("42", ByteSpan(license));
  CHECK(unknown.status().code() == Code::kInvalidState);
  CHECK(unknown.status().message() == "session '42' is closed or does not exist");
  CHECK(cdm.GenerateRequest("", InitDataType::kWebM, test::Hex(kKidA)).status().code() ==
        Code::kInvalidState);
}

TEST_CASE("session: keyids with no KID asks for none, then takes a license (as Chromium)") {
  ClearKeyCdm cdm;
  auto id = cdm.CreateSession(SessionType::kTemporary).value();
  auto request = cdm.GenerateRequest(id, InitDataType::kKeyIds, ByteSpan(std::string(R"({"kids":[]})")));
  REQUIRE(request.ok());
  CHECK(request.value() == R"({"kids":[],"type":"temporary"})");
  CHECK(cdm.State(id) == SessionState::kPending);
  auto update = cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}})));
  REQUIRE(update.ok());
  CHECK(update->key_statuses.size() == 1);
}

TEST_CASE("session: load() finds nothing (no persistent storage)") {
  ClearKeyCdm cdm;
  std::string id = Open(cdm, SessionType::kPersistentLicense, {kKidA});
  REQUIRE(cdm.Update(id, ByteSpan(License({{kKidA, kKeyA}}, "persistent-license"))).ok());
  cdm.Close(id);
  auto loaded = cdm.Load(id);
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded.value());
  CHECK(cdm.Load("").status().code() == Code::kInvalidArgument);
}

TEST_CASE("session: bounds on open sessions and keys per session") {
  ClearKeyCdm cdm;
  for (size_t i = 0; i < kMaxOpenSessions; ++i)
    REQUIRE(cdm.CreateSession(SessionType::kTemporary).ok());
  auto one_more = cdm.CreateSession(SessionType::kTemporary);
  CHECK(one_more.status().code() == Code::kLimitExceeded);
  cdm.Close("1");
  CHECK(cdm.CreateSession(SessionType::kTemporary).ok());

  ClearKeyCdm small;
  std::string id = Open(small, SessionType::kTemporary, {kKidA});
  int next = 0;
  auto batch = [&](int n) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (int i = 0; i < n; ++i) {
      char kid[9];
      std::snprintf(kid, sizeof(kid), "%08x", next++);
      keys.push_back({kid, kKeyA});
    }
    return License(keys);
  };
  for (size_t i = 0; i < kMaxKeysPerSession / kMaxKeyIds; ++i)
    REQUIRE(small.Update(id, ByteSpan(batch(int(kMaxKeyIds)))).ok());
  auto full = small.Update(id, ByteSpan(batch(1)));
  CHECK(full.status().code() == Code::kLimitExceeded);
  CHECK(small.KeyStatuses(id)->size() == kMaxKeysPerSession);
}
