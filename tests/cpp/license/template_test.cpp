#include "license/template.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace wee;
using namespace wee::license;

namespace {

// Challenge fb ff: base64 "+/8=" exercises all three characters URL encoding must escape.
const Bytes kChallenge = test::Hex("fbff");
const Bytes kKid = test::Hex("00112233445566778899aabbccddeeff");
const Bytes kPssh = test::Hex("0001feff");  // base64 "AAH+/w=="

RequestValues Values(const Bytes& challenge = kChallenge) {
  RequestValues v;
  v.challenge = challenge;
  v.session_id = "sess/1+?";  // base64 "c2Vzcy8xKz8="
  v.kid = kKid;
  v.pssh = kPssh;
  return v;
}

std::string Render(const std::string& text, Syntax syntax = Syntax::kCanonical,
                   Field field = Field::kBody, const RequestValues& v = Values()) {
  auto t = ParseTemplate(Located::At(text, 1), syntax, field, "t");
  if (!t.ok()) return "ERROR " + t.status().message();
  auto r = RenderTemplate(*t, v, "t");
  if (!r.ok()) return "ERROR " + r.status().message();
  return ByteSpan(*r).ToString();
}

std::string Error(const std::string& text, Syntax syntax = Syntax::kKodi,
                  Field field = Field::kBody) {
  auto t = ParseTemplate(Located::At(text, 1), syntax, field, "license_key");
  return t.ok() ? "no error" : t.status().message();
}

}  // namespace

TEST_CASE("canonical placeholders render exactly") {
  CHECK(Render("{CHA-RAW}") == "\xfb\xff");
  CHECK(Render("{CHA-B64}") == "+/8=");
  CHECK(Render("{CHA-B64U}") == "%2B%2F8%3D");
  CHECK(Render("{CHA-DEC}") == "251,255");
  // RFC 1321 appendix A.5: MD5("abc").
  CHECK(Render("{CHA-MD5}", Syntax::kCanonical, Field::kBody,
               Values(Bytes{'a', 'b', 'c'})) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Render("{SID-RAW}") == "sess/1+?");
  CHECK(Render("{SID-B64}") == "c2Vzcy8xKz8=");
  CHECK(Render("{SID-B64U}") == "c2Vzcy8xKz8%3D");
  CHECK(Render("{KID-UUID}") == "00112233-4455-6677-8899-aabbccddeeff");
  CHECK(Render("{KID-HEX}") == "00112233445566778899aabbccddeeff");
  CHECK(Render("{PSSH-B64}") == "AAH+/w==");
  CHECK(Render("{PSSH-B64U}") == "AAH%2B%2Fw%3D%3D");
  CHECK(Render("{\"c\":\"{CHA-B64}\",\"k\":\"{KID-HEX}\",\"c2\":\"{CHA-B64}\"}") ==
        "{\"c\":\"+/8=\",\"k\":\"00112233445566778899aabbccddeeff\",\"c2\":\"+/8=\"}");
}

TEST_CASE("license_key post data placeholders and prefixes") {
  CHECK(Render("R{SSM}", Syntax::kKodi) == "\xfb\xff");
  CHECK(Render("b{SSM}", Syntax::kKodi) == "+/8=");
  CHECK(Render("B{SSM}", Syntax::kKodi) == "%2B%2F8%3D");
  CHECK(Render("D{SSM}", Syntax::kKodi) == "251,255");
  // inputstream.adaptive treats every prefix but b, B, D as raw: H{SSM} is the raw challenge.
  CHECK(Render("H{SSM}", Syntax::kKodi) == "\xfb\xff");
  CHECK(Render("R{SID}", Syntax::kKodi) == "sess/1+?");
  CHECK(Render("b{SID}", Syntax::kKodi) == "c2Vzcy8xKz8=");
  CHECK(Render("B{SID}", Syntax::kKodi) == "c2Vzcy8xKz8%3D");
  CHECK(Render("R{KID}", Syntax::kKodi) == "00112233-4455-6677-8899-aabbccddeeff");
  CHECK(Render("H{KID}", Syntax::kKodi) == "00112233445566778899aabbccddeeff");
  // Plain {KID}: the UUID, and the letter before it stays.
  CHECK(Render("k={KID}", Syntax::kKodi) == "k=00112233-4455-6677-8899-aabbccddeeff");
  CHECK(Render("{KID}", Syntax::kKodi) == "00112233-4455-6677-8899-aabbccddeeff");
  CHECK(Render("b{PSSH}", Syntax::kKodi) == "AAH+/w==");
  CHECK(Render("B{PSSH}", Syntax::kKodi) == "AAH%2B%2Fw%3D%3D");
  CHECK(Render("{HASH}", Syntax::kKodi, Field::kBody, Values(Bytes{'a', 'b', 'c'})) ==
        "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Render("{\"token\":\"x\",\"drm_info\":[D{SSM}],\"kid\":\"{KID}\"}", Syntax::kKodi) ==
        "{\"token\":\"x\",\"drm_info\":[251,255],\"kid\":\"00112233-4455-6677-8899-aabbccddeeff\"}");
  // The newer placeholders work in license_key too (inputstream.adaptive converts the old ones).
  CHECK(Render("R{SSM}&{CHA-B64U}", Syntax::kKodi) == "\xfb\xff&%2B%2F8%3D");
}

TEST_CASE("license_key URL placeholders") {
  CHECK(Render("https://l.test/?c=B{SSM}", Syntax::kKodi, Field::kUrl) ==
        "https://l.test/?c=%2B%2F8%3D");
  CHECK(Render("https://l.test/{HASH}", Syntax::kKodi, Field::kUrl, Values(Bytes{'a', 'b', 'c'})) ==
        "https://l.test/900150983cd24fb0d6963f7d28e17f72");
  CHECK(Render("https://l.test/{CHA-MD5}/{CHA-B64U}", Syntax::kCanonical, Field::kUrl,
               Values(Bytes{'a', 'b', 'c'})) ==
        "https://l.test/900150983cd24fb0d6963f7d28e17f72/YWJj");
}

TEST_CASE("template text round-trips to the canonical form") {
  auto t = ParseTemplate(Located::At("{\"a\":\"b{SSM}\",\"k\":\"H{KID}\",x{KID}}", 1),
                         Syntax::kKodi, Field::kBody, "t");
  REQUIRE(t.ok());
  CHECK(TemplateText(*t) == "{\"a\":\"{CHA-B64}\",\"k\":\"{KID-HEX}\",x{KID-UUID}}");
  auto again = ParseTemplate(Located::At(TemplateText(*t), 1), Syntax::kCanonical, Field::kBody,
                             "t");
  REQUIRE(again.ok());
  CHECK(TemplateText(*again) == TemplateText(*t));
}

TEST_CASE("template errors name the column") {
  CHECK(Error("{\"c\":\"{FOO}\"}") == "license_key: unknown placeholder {FOO} at column 7");
  CHECK(Error("{\"c\":\"b{SSM\"}") ==
        "license_key: unbalanced brace at column 8 (a placeholder is not closed)");
  CHECK(Error("{\"c\":\"b{SSM}\"") == "license_key: unbalanced brace at column 1");
  CHECK(Error("R{SSM}}") == "license_key: unbalanced brace at column 7");
  CHECK(Error("{SSM}") == "license_key: {SSM} needs a prefix letter (R, b, B, D) at column 1");
  CHECK(Error("x{SSM}") ==
        "license_key: {SSM} cannot take the prefix 'x' (R, b, B, D) at column 1");
  CHECK(Error("x{SID}") == "license_key: {SID} cannot take the prefix 'x' (R, b, B) at column 1");
  CHECK(Error("R{PSSH}") == "license_key: {PSSH} cannot take the prefix 'R' (b, B) at column 1");
  CHECK(Error("https://l/R{SSM}", Syntax::kKodi, Field::kUrl) ==
        "license_key: {SSM} in the URL cannot take the prefix 'R' (B) at column 11");
  CHECK(Error("https://l/{CHA-B64}", Syntax::kCanonical, Field::kUrl) ==
        "license_key: {CHA-B64} is not URL-safe in the URL at column 11; use {CHA-B64U}");
  CHECK(Error("https://l/a b", Syntax::kCanonical, Field::kUrl) ==
        "license_key: byte 0x20 is not allowed in a URL at column 12");
  CHECK(Error("https://l/{id}", Syntax::kCanonical, Field::kUrl) ==
        "license_key: '{' is not allowed in a URL at column 11");
  CHECK(Error("b{SSM}", Syntax::kCanonical) ==
        "license_key: unknown placeholder {SSM} at column 2 (license_key syntax; write "
        "{CHA-...}, {SID-...}, {KID-...} or {PSSH-...} here)");
  // Braces inside JSON strings are text.
  CHECK(Error("{\"note\":\"a}b\",\"c\":\"b{SSM}\"}") == "no error");
}

TEST_CASE("a backslash before a placeholder in a JSON string is refused in both syntaxes") {
  // The license_key form once loaded, but its canonical text \{KID-HEX} then parsed as an
  // escaped quote and an unbalanced brace: every exchange failed.
  CHECK(Error("{\"a\":\"\\H{KID}\"}") ==
        "license_key: the backslash at column 7 escapes the first character of {KID-HEX}'s "
        "value; write \\\\ for a backslash");
  CHECK(Error("{\"a\":\"\\{KID-HEX}\"}", Syntax::kCanonical) ==
        "license_key: the backslash at column 7 escapes the first character of {KID-HEX}'s "
        "value; write \\\\ for a backslash");
  CHECK(Error("{\"a\":\"\\b{SSM}\"}") ==
        "license_key: the backslash at column 7 escapes the first character of {CHA-B64}'s "
        "value; write \\\\ for a backslash");
  // An escaped backslash, an escaped letter and a backslash outside strings are fine, and
  // round-trip.
  for (const char* text : {"{\"a\":\"\\\\H{KID}\"}", "{\"a\":\"\\nH{KID}\"}", "x\\H{KID}"}) {
    INFO(text);
    auto t = ParseTemplate(Located::At(text, 1), Syntax::kKodi, Field::kBody, "t");
    REQUIRE(t.ok());
    auto again = ParseTemplate(Located::At(TemplateText(*t), 1), Syntax::kCanonical,
                               Field::kBody, "t");
    REQUIRE(again.ok());
    CHECK(TemplateText(*again) == TemplateText(*t));
  }
}

TEST_CASE("rendering needs the values a template uses") {
  RequestValues v = Values();
  v.kid = ByteSpan();
  CHECK(Render("{KID-UUID}", Syntax::kCanonical, Field::kBody, v) ==
        "ERROR t: {KID-UUID} needs the key ID, and none was given");
  Bytes short_kid = test::Hex("0011");
  v.kid = short_kid;
  CHECK(Render("{KID-UUID}", Syntax::kCanonical, Field::kBody, v) ==
        "ERROR t: {KID-UUID} needs a 16-byte key ID, got 2 bytes");
  CHECK(Render("{KID-HEX}", Syntax::kCanonical, Field::kBody, v) == "0011");
  v.pssh = ByteSpan();
  CHECK(Render("{PSSH-B64}", Syntax::kCanonical, Field::kBody, v) ==
        "ERROR t: {PSSH-B64} needs the init data (PSSH), and none was given");
  v.session_id.clear();
  CHECK(Render("{SID-RAW}", Syntax::kCanonical, Field::kBody, v) ==
        "ERROR t: {SID-RAW} needs the session ID, and none was given");
}

TEST_CASE("rendering is bounded") {
  std::string many;
  for (int i = 0; i < 200; ++i) many += "{CHA-B64U}";
  Bytes big(200 * 1024, 0xfb);
  auto r = ParseTemplate(Located::At(many, 1), Syntax::kCanonical, Field::kBody, "t");
  REQUIRE(r.ok());
  RequestValues v = Values(big);
  auto out = RenderTemplate(*r, v, "request");
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Code::kLimitExceeded);
}
