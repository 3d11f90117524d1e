#include "base/encoding.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;

// RFC 4648 section 10 test vectors.
TEST_CASE("base64 RFC 4648 vectors") {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    CHECK(Base64Encode(ByteSpan(std::string(plain[i]))) == b64[i]);
    Bytes out;
    REQUIRE(Base64Decode(b64[i], Padding::kRequired, &out));
    CHECK(ByteSpan(out).ToString() == plain[i]);
  }
}

TEST_CASE("base64url without padding, strict alphabet") {
  Bytes raw = test::Hex("fbff");
  CHECK(Base64UrlEncode(raw) == "-_8");
  CHECK(Base64Encode(raw) == "+/8=");
  Bytes out;
  CHECK(Base64UrlDecode("-_8", Padding::kForbidden, &out));
  CHECK(out == raw);
  CHECK_FALSE(Base64UrlDecode("-_8=", Padding::kForbidden, &out));
  CHECK_FALSE(Base64UrlDecode("+/8", Padding::kOptional, &out));
  CHECK_FALSE(Base64Decode("-_8=", Padding::kOptional, &out));
  CHECK_FALSE(Base64Decode("Zm9v Yg==", Padding::kOptional, &out));
  CHECK_FALSE(Base64Decode("Zh==", Padding::kOptional, &out));  // non-zero trailing bits
  CHECK_FALSE(Base64Decode("Z", Padding::kOptional, &out));
  CHECK_FALSE(Base64Decode("Zg=", Padding::kRequired, &out));
}

TEST_CASE("hex") {
  Bytes out;
  CHECK(HexDecode("00fFa0", &out));
  CHECK(HexEncode(out) == "00ffa0");
  CHECK_FALSE(HexDecode("0", &out));
  CHECK_FALSE(HexDecode("0g", &out));
}

TEST_CASE("human-entered keys: hex, uuid, base64, base64url") {
  const Bytes expected = test::Hex("fc35340837310cc0fb53de97e22a69e0");
  for (const char* text : {"fc35340837310cc0fb53de97e22a69e0", "FC35340837310CC0FB53DE97E22A69E0",
                           "fc353408-3731-0cc0-fb53-de97e22a69e0", "/DU0CDcxDMD7U96X4ipp4A==",
                           "/DU0CDcxDMD7U96X4ipp4A", "_DU0CDcxDMD7U96X4ipp4A"}) {
    auto r = DecodeKeyText(text, "key", 16);
    INFO(text);
    REQUIRE(r.ok());
    CHECK(*r == expected);
  }
  auto wrong_len = DecodeKeyText("fc35340837310cc0fb53de97e22a69e0aa", "key", 16);
  CHECK(wrong_len.status().code() == Code::kInvalidArgument);
  CHECK(wrong_len.status().message() == "key is 17 bytes, expected 16");
  auto junk = DecodeKeyText("not a key!", "KID", 16);
  CHECK(junk.status().message() == "KID 'not a key!' is neither hex, base64 nor base64url");
  auto hidden = DecodeKeyText("secret!!", "key", 16);
  CHECK(hidden.status().message() ==
        "key (character 7 of 8 is in none of them) is neither hex, base64 nor base64url");
  // Secrets are named by position, never echoed (a 64-digit key with one bad character).
  const std::string com_key(63, 'a');
  auto seed = DecodeKeyText(com_key + "!", "communication key", 32);
  CHECK(seed.status().message() ==
        "communication key (character 64 of 64 is in none of them) is neither hex, base64 nor "
        "base64url");
  auto padding = DecodeKeyText("abc=d", "key seed", 0);
  CHECK(padding.status().message() ==
        "key seed (5 characters, not a valid length or padding) is neither hex, base64 nor "
        "base64url");
}

TEST_CASE("uuid string") {
  CHECK(UuidString(test::Hex("1077efecc0b24d02ace33c1e52e2fb4b")) ==
        "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b");
}
