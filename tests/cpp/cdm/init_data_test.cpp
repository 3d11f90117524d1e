#include "cdm/init_data.h"

#include <cstdio>
#include <cstring>

#include <catch2/catch.hpp>

#include "base/byte_reader.h"
#include "test_util.h"

using namespace wee;
using namespace wee::cdm;

namespace {

// W3C "cenc" Initialization Data Format, section "Common SystemID and PSSH Box Format",
// Example (https://w3c.github.io/encrypted-media/format-registry/initdata/cenc.html): a v1 box
// of the Common SystemID with the KIDs "0123456789012345" and "ABCDEFGHIJKLMNOP". The spec
// writes its size as 0x4c (76) but the box has 68 bytes; the size here is corrected to 0x44.
const char kW3cCencExample[] =
    "0000004470737368"                  // size 68, 'pssh'
    "01000000"                          // version 1, flags 0
    "1077efecc0b24d02ace33c1e52e2fb4b"  // Common SystemID
    "00000002"                          // KID_count
    "30313233343536373839303132333435"  // "0123456789012345"
    "4142434445464748494a4b4c4d4e4f50"  // "ABCDEFGHIJKLMNOP"
    "00000000";                         // DataSize

// A hand-made v1 box: version, SystemID, KIDs and Data as given.
Bytes Pssh(int version,
           const std::string& system_id_hex,
           const std::vector<std::string>& kids,
           const std::string& data_hex = "") {
  Bytes body = test::Hex("0" + std::to_string(version) + "000000" + system_id_hex);
  if (version > 0) {
    Bytes count = test::Hex("00000000");
    StoreBE32(count.data(), uint32_t(kids.size()));
    body.insert(body.end(), count.begin(), count.end());
    for (const auto& kid : kids) {
      Bytes k = test::Hex(kid);
      body.insert(body.end(), k.begin(), k.end());
    }
  }
  Bytes data = test::Hex(data_hex);
  Bytes size = test::Hex("00000000");
  StoreBE32(size.data(), uint32_t(data.size()));
  body.insert(body.end(), size.begin(), size.end());
  body.insert(body.end(), data.begin(), data.end());
  Bytes box = test::Hex("0000000070737368");
  StoreBE32(box.data(), uint32_t(8 + body.size()));
  box.insert(box.end(), body.begin(), body.end());
  return box;
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

const char kCommon[] = "1077efecc0b24d02ace33c1e52e2fb4b";
const char kDashIfClearKey[] = "e2719d58a985b3c9781ab030af78d30e";
const char kWidevine[] = "edef8ba979d64acea3c827dcd51d21ed";
const char kPlayReady[] = "9a04f07998404286ab92e65be0885f95";

std::vector<std::string> Hexes(const std::vector<Bytes>& list) {
  std::vector<std::string> out;
  for (const Bytes& b : list)
    out.push_back(test::ToHex(b));
  return out;
}

}  // namespace

TEST_CASE("cenc: the W3C Common SystemID example box") {
  auto kids = ExtractKeyIds(InitDataType::kCenc, test::Hex(kW3cCencExample));
  REQUIRE(kids.ok());
  CHECK(Hexes(kids.value()) == std::vector<std::string>{"30313233343536373839303132333435",
                                                        "4142434445464748494a4b4c4d4e4f50"});
  auto request = MakeLicenseRequest(kids.value(), SessionType::kTemporary);
  REQUIRE(request.ok());
  CHECK(request.value() ==
        R"({"kids":["MDEyMzQ1Njc4OTAxMjM0NQ","QUJDREVGR0hJSktMTU5PUA"],"type":"temporary"})");
}

TEST_CASE("cenc: the W3C example as published (size 76 for 68 bytes) is refused") {
  Bytes published = test::Hex(kW3cCencExample);
  published[3] = 0x4c;
  auto kids = ExtractKeyIds(InitDataType::kCenc, published);
  CHECK(kids.status().code() == Code::kInvalidArgument);
  CHECK(kids.status().message() == "cenc: pssh[0] (byte 0): box size 76 exceeds the 68 bytes left");
}

TEST_CASE("cenc: the pssh of mp4ff/prog_8s_enc_dashinit.mp4") {
  // Find the top-level moov and its pssh child with a plain size/type walk (no mp4 module).
  Bytes file = test::ReadTestData("mp4ff/prog_8s_enc_dashinit.mp4");
  auto find_child = [&](size_t begin, size_t end, const char* type) -> std::pair<size_t, size_t> {
    for (size_t pos = begin; pos + 8 <= end;) {
      size_t size = LoadBE32(&file[pos]);
      REQUIRE(size >= 8);
      REQUIRE(pos + size <= end);
      if (std::memcmp(&file[pos + 4], type, 4) == 0)
        return {pos, size};
      pos += size;
    }
    FAIL(std::string("no ") + type);
    return {0, 0};
  };
  auto [moov, moov_size] = find_child(0, file.size(), "moov");
  auto [pssh, pssh_size] = find_child(moov + 8, moov + moov_size, "pssh");
  ByteSpan init_data(&file[pssh], pssh_size);

  auto kids = ExtractKeyIds(InitDataType::kCenc, init_data);
  REQUIRE(kids.ok());
  // The KID of the testdata README.
  CHECK(Hexes(kids.value()) == std::vector<std::string>{"cd7eb9ff88f34caeb06185b00024e4c2"});
  auto sanitized = SanitizeInitData(InitDataType::kCenc, init_data);
  REQUIRE(sanitized.ok());
  CHECK(ByteSpan(sanitized.value()) == init_data);
}

TEST_CASE("cenc: v1 boxes of the Common and DASH-IF ClearKey SystemIDs, others skipped") {
  Bytes widevine = Pssh(0, kWidevine, {}, "08011210cd7eb9ff88f34caeb06185b00024e4c2");
  Bytes playready_v1 = Pssh(1, kPlayReady, {"11111111111111111111111111111111"}, "abcd");
  Bytes common_v0 = Pssh(0, kCommon, {});
  Bytes common =
      Pssh(1, kCommon, {"01010101010101010101010101010101", "02020202020202020202020202020202"});
  Bytes clear_key = Pssh(1, kDashIfClearKey,
                         {"02020202020202020202020202020202", "03030303030303030303030303030303"});
  Bytes init = Concat({widevine, playready_v1, common_v0, common, clear_key});

  auto kids = ExtractKeyIds(InitDataType::kCenc, init);
  REQUIRE(kids.ok());
  // The KID listed in both boxes is requested once; the PlayReady v1 KID is not requested.
  CHECK(Hexes(kids.value()) == std::vector<std::string>{"01010101010101010101010101010101",
                                                        "02020202020202020202020202020202",
                                                        "03030303030303030303030303030303"});
  // Sanitized: only the two Clear Key boxes, in their order, byte for byte.
  auto sanitized = SanitizeInitData(InitDataType::kCenc, init);
  REQUIRE(sanitized.ok());
  CHECK(sanitized.value() == Concat({common, clear_key}));

  auto only_clear_key = ExtractKeyIds(InitDataType::kCenc, clear_key);
  REQUIRE(only_clear_key.ok());
  CHECK(only_clear_key->size() == 2);
}

TEST_CASE("cenc: no Clear Key KID is NotSupported (sanitized init data is empty)") {
  for (const Bytes& init :
       {Pssh(0, kWidevine, {}, "0801"), Pssh(0, kCommon, {}), Pssh(1, kCommon, {}),
        Pssh(1, kPlayReady, {"11111111111111111111111111111111"})}) {
    auto sanitized = SanitizeInitData(InitDataType::kCenc, init);
    REQUIRE(sanitized.ok());
    CHECK(sanitized->empty());
    auto kids = ExtractKeyIds(InitDataType::kCenc, init);
    CHECK(kids.status().code() == Code::kUnsupported);
    CHECK_THAT(kids.status().message(), Catch::Contains("Common"));
  }
}

TEST_CASE("cenc: 64-bit largesize and size 0 (to the end) are valid box sizes") {
  Bytes box = test::Hex(kW3cCencExample);
  Bytes large = test::Hex("0000000170737368000000000000004c");  // size 1, 'pssh', largesize 76
  large.insert(large.end(), box.begin() + 8, box.end());
  auto kids = ExtractKeyIds(InitDataType::kCenc, large);
  REQUIRE(kids.ok());
  CHECK(kids->size() == 2);

  Bytes to_end = box;
  StoreBE32(to_end.data(), 0);
  Bytes init = Concat({Pssh(0, kWidevine, {}), to_end});
  kids = ExtractKeyIds(InitDataType::kCenc, init);
  REQUIRE(kids.ok());
  CHECK(kids->size() == 2);
}

TEST_CASE("cenc: non-zero Data of a Common box is ignored (W3C cenc format: reserved)") {
  auto kids = ExtractKeyIds(InitDataType::kCenc,
                            Pssh(1, kCommon, {"01010101010101010101010101010101"}, "deadbeef"));
  REQUIRE(kids.ok());
  CHECK(kids->size() == 1);
}

TEST_CASE("cenc: at most 128 Clear Key KIDs in all") {
  std::vector<std::string> kids64;
  for (int i = 0; i < 64; ++i) {
    char hex[33];
    std::snprintf(hex, sizeof(hex), "%032x", i);
    kids64.push_back(hex);
  }
  Bytes two = Concat({Pssh(1, kCommon, kids64), Pssh(1, kDashIfClearKey, kids64)});
  auto ok = ExtractKeyIds(InitDataType::kCenc, two);
  REQUIRE(ok.ok());
  CHECK(ok->size() == 64);  // the same 64 KIDs twice
  Bytes three = Concat({two, Pssh(1, kCommon, {"ffffffffffffffffffffffffffffffff"})});
  auto too_many = ExtractKeyIds(InitDataType::kCenc, three);
  CHECK(too_many.status().code() == Code::kInvalidArgument);
  CHECK(too_many.status().message() == "cenc: more than 128 Clear Key KIDs");
}

TEST_CASE("keyids: the W3C example and sanitizing drops unknown members") {
  // W3C "keyids" Initialization Data Format, Example
  // (https://w3c.github.io/encrypted-media/format-registry/initdata/keyids.html).
  const std::string example =
      "{\n\"kids\":\n[\n\"LwVHf8JLtPrv2GUXFW2v_A\",\n\"0DdtU9od-Bh5L3xbv0Xf_A\"\n]\n}";
  auto kids = ExtractKeyIds(InitDataType::kKeyIds, ByteSpan(example));
  REQUIRE(kids.ok());
  CHECK(Hexes(kids.value()) == std::vector<std::string>{"2f05477fc24bb4faefd86517156daffc",
                                                        "d0376d53da1df818792f7c5bbf45dffc"});
  auto sanitized =
      SanitizeInitData(InitDataType::kKeyIds,
                       ByteSpan(std::string(R"({"extra":{"x":[1,2]},"kids":["AQI"],"z":1})")));
  REQUIRE(sanitized.ok());
  CHECK(ByteSpan(sanitized.value()).ToString() == R"({"kids":["AQI"]})");
}

TEST_CASE("keyids: an empty kids list is valid, as Chromium's Clear Key takes it") {
  auto kids = ExtractKeyIds(InitDataType::kKeyIds, ByteSpan(std::string(R"({"kids":[]})")));
  REQUIRE(kids.ok());
  CHECK(kids->empty());
  auto request = MakeLicenseRequest(kids.value(), SessionType::kTemporary);
  REQUIRE(request.ok());
  CHECK(request.value() == R"({"kids":[],"type":"temporary"})");
}

TEST_CASE("webm: the init data is the KID") {
  auto kids = ExtractKeyIds(InitDataType::kWebM, test::Hex("0102"));
  REQUIRE(kids.ok());
  CHECK(Hexes(kids.value()) == std::vector<std::string>{"0102"});
  CHECK(ExtractKeyIds(InitDataType::kWebM, Bytes(512, 7)).ok());
}

TEST_CASE("license request: EME 9.1.3 example KIDs, Chromium's serialization") {
  // EME section 9.1.3 "License Request Format", Example: two KIDs, temporary
  // (https://www.w3.org/TR/encrypted-media/#clear-key-request-format).
  auto request = MakeLicenseRequest({test::Hex("2f05477fc24bb4faefd86517156daffc"),
                                     test::Hex("d0376d53da1df818792f7c5bbf45dffc")},
                                    SessionType::kTemporary);
  REQUIRE(request.ok());
  CHECK(request.value() ==
        R"({"kids":["LwVHf8JLtPrv2GUXFW2v_A","0DdtU9od-Bh5L3xbv0Xf_A"],"type":"temporary"})");
  // base64url alphabet: 0xfbfdfb... encodes to '-' and '_' (base64 would give '+' and '/').
  auto url = MakeLicenseRequest({test::Hex("fbfdfbfdfbfdfb")}, SessionType::kPersistentLicense);
  REQUIRE(url.ok());
  CHECK(url.value() == R"({"kids":["-_37_fv9-w"],"type":"persistent-license"})");
}

TEST_CASE("license release and its acknowledgement (EME 9.1.5, 9.1.6 examples)") {
  std::vector<Bytes> kids = {test::Hex("2f05477fc24bb4faefd86517156daffc"),
                             test::Hex("d0376d53da1df818792f7c5bbf45dffc")};
  CHECK(MakeLicenseRelease(kids) ==
        R"({"kids":["LwVHf8JLtPrv2GUXFW2v_A","0DdtU9od-Bh5L3xbv0Xf_A"]})");
  CHECK(MakeLicenseRelease({}) == R"({"kids":[]})");
  // "License Release Acknowledgement Format" example, whitespace as in the spec.
  auto ack = ParseLicenseReleaseAck(
      ByteSpan(std::string("{\n  \"kids\":\n    [\n     \"LwVHf8JLtPrv2GUXFW2v_A\",\n"
                           "     \"0DdtU9od-Bh5L3xbv0Xf_A\"\n    ]\n}")),
      128);
  REQUIRE(ack.ok());
  CHECK(ack.value() == kids);
  CHECK(ParseLicenseReleaseAck(ByteSpan(std::string(R"({"kids":[]})")), 128).ok());
}
