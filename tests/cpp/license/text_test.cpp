#include "license/text.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using namespace wee::license;

// RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" are unreserved; section 2.1:
// uppercase hex digits for percent-encodings.
TEST_CASE("UrlEncode keeps exactly the RFC 3986 unreserved characters") {
  std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  CHECK(UrlEncode(ByteSpan(unreserved)) == unreserved);
  CHECK(UrlEncode(ByteSpan(std::string("+/= !*'()"))) == "%2B%2F%3D%20%21%2A%27%28%29");
  CHECK(UrlEncode(test::Hex("00ff7f80")) == "%00%FF%7F%80");
  // The base64 of the challenge fb ff is "+/8=" (RFC 4648 alphabet).
  CHECK(UrlEncode(ByteSpan(std::string("+/8="))) == "%2B%2F8%3D");
}

TEST_CASE("FormDecode: '+' is a space, %XX a byte, columns follow the source") {
  auto r = FormDecode(Located::At("a+b%2Fc%3d", 10), "x");
  REQUIRE(r.ok());
  CHECK(r->text == "a b/c=");
  CHECK(r->columns == std::vector<uint32_t>{10, 11, 12, 13, 16, 17});
  auto bad = FormDecode(Located::At("ab%zz", 5), "headers");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "headers: '%' is not followed by two hex digits at column 7");
  CHECK_FALSE(FormDecode(Located::At("%4", 1), "x").ok());
}

TEST_CASE("DecimalList") {
  CHECK(DecimalList(test::Hex("0804ff00")) == "8,4,255,0");
  CHECK(DecimalList(Bytes()) == "");
}

TEST_CASE("DecodeBase64Text accepts whitespace and missing padding, reports byte offsets") {
  // RFC 4648 section 10 vectors.
  auto r = DecodeBase64Text("Zm9vYmE=", "r");
  REQUIRE(r.ok());
  CHECK(ByteSpan(*r).ToString() == "fooba");
  r = DecodeBase64Text("Zm9v\r\nYmFy\n", "r");
  REQUIRE(r.ok());
  CHECK(ByteSpan(*r).ToString() == "foobar");
  r = DecodeBase64Text("Zm8", "r");
  REQUIRE(r.ok());
  CHECK(ByteSpan(*r).ToString() == "fo");

  auto bad = DecodeBase64Text("Zm9vYmFyZm9vYmFy-_8", "response");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "response: not valid base64 at byte 16 ('-' is not in the base64 alphabet; base64url "
        "is not accepted here)");
  CHECK(DecodeBase64Text("Zg==Zg==", "r").status().message() ==
        "r: not valid base64 at byte 4 (data after '=' padding)");
  CHECK(DecodeBase64Text("Zm9vY", "r").status().message() ==
        "r: not valid base64 at byte 4 (length leaves a lone character)");
  CHECK(DecodeBase64Text("Zh==", "r").status().message() ==
        "r: not valid base64 at byte 1 (non-zero trailing bits)");
  CHECK(DecodeBase64Text("", "r").status().message() == "r: not valid base64 at byte 0 (empty)");
  CHECK(DecodeBase64Text("{\"a\":1}", "r").status().message() ==
        "r: not valid base64 at byte 0 ('{' is not in the base64 alphabet)");
  CHECK(LooksLikeBase64("AAH+/w=="));
  CHECK_FALSE(LooksLikeBase64("{}"));
}

TEST_CASE("FindInvalidUtf8 (RFC 3629)") {
  CHECK(FindInvalidUtf8("plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == std::string::npos);
  CHECK(FindInvalidUtf8("ab\xff") == 2);
  CHECK(FindInvalidUtf8("a\xc0\xaf") == 1);          // overlong '/'
  CHECK(FindInvalidUtf8("a\xed\xa0\x80") == 1);      // surrogate
  CHECK(FindInvalidUtf8("\xe2\x82") == 0);           // truncated
}

TEST_CASE("MediaType") {
  CHECK(MediaType("Application/JSON; charset=utf-8") == "application/json");
  CHECK(MediaType(" text/xml ") == "text/xml");
  CHECK(MediaType("") == "");
}
