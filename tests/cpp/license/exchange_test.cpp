#include "license/exchange.h"

#include <catch2/catch.hpp>

#include "license/config.h"
#include "license_test_util.h"

using namespace wee;
using namespace wee::license;
using namespace wee::license::test_util;

// Expected licenses below are the base64 decodings spelled out: "TElD" is "LIC",
// "CAESEGxpYw==" is 08 01 12 10 'l' 'i' 'c' (RFC 4648 alphabet).

TEST_CASE("unwrap: raw, base64, header block") {
  CHECK(Unwrap("https://l.test/||R{SSM}|R", "\x08\x01") == "\x08\x01");
  CHECK(Unwrap("https://l.test/||R{SSM}|", "\x08\x01") == "\x08\x01");
  CHECK(Unwrap("https://l.test/||R{SSM}|B", "CAESEGxpYw==\n") == "\x08\x01\x12\x10lic");
  CHECK(Unwrap("https://l.test/||R{SSM}|HB",
               "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n\x08\x01\r\n") ==
        "\x08\x01\r\n");
}

TEST_CASE("unwrap: JSON forms of license_key") {
  // JB: the JSON value is base64; the HDCP value comes back as text.
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense;hdcp", R"({"hdcp":720,"license":"TElD"})") ==
        "LIC hdcp=720");
  CHECK(Unwrap("https://l.test/||R{SSM}|JB[license;hdcp]",
               R"({"status":"ok","data":{"license":["TElD"],"limits":{"hdcp":"HDCP_V2"}}})") ==
        "LIC hdcp=HDCP_V2");
  // A missing HDCP value is not an error.
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense;hdcp", R"({"license":"TElD"})") == "LIC");
  // J: the value as is.
  CHECK(Unwrap("https://l.test/||R{SSM}|Jlicense", R"({"license":"text license"})") ==
        "text license");
  // BJ: the whole response is base64 of the JSON (here of {"license": "TElD"}).
  CHECK(Unwrap("https://l.test/||R{SSM}|BJlicense", "eyJsaWNlbnNlIjogIlRFbEQifQ==") == "TElD");
}

TEST_CASE("unwrap: JSON configuration with pointer paths, XML, auto") {
  const char* pointer =
      R"({"url":"https://l.test/","response":{"unwrap":["json","base64"],"path":"/data/0/license"}})";
  CHECK(Unwrap(pointer, R"({"license":"no","data":[{"license":"TElD"}]})") == "LIC");
  const char* xml =
      R"({"url":"https://l.test/","response":{"unwrap":["xml","base64"],"path":"License"}})";
  CHECK(Unwrap(xml, "<r><License>TElD</License></r>") == "LIC");

  const char* automatic = R"({"url":"https://l.test/","response":{"unwrap":["auto"],"path":"license"}})";
  CHECK(Unwrap(automatic, R"({"license":"TElD"})", "application/json; charset=UTF-8") == "LIC");
  CHECK(Unwrap(automatic, "eyJsaWNlbnNlIjogIlRFbEQifQ==", "application/json") == "LIC");
  CHECK(Unwrap(automatic, "TElD", "application/octet-stream") == "TElD");
  CHECK(Unwrap(automatic, "TElD", "") == "LIC");
  CHECK(Unwrap(automatic, "\x08\x01", "") == "\x08\x01");
  CHECK(Unwrap(automatic, "<a><license>TElD</license></a>", "text/xml") == "LIC");
  // text/plain: XML if it parses, else the bytes as they are.
  CHECK(Unwrap(automatic, "<a><license>TElD</license></a>", "text/plain") == "LIC");
  CHECK(Unwrap(automatic, "\x08\x01 not xml", "text/plain") == "\x08\x01 not xml");
}

TEST_CASE("unwrap: a service certificate answer passes through") {
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense", "\x08\x05" "cert", "application/octet-stream",
               true) == "\x08\x05" "cert");
}

TEST_CASE("unwrap errors") {
  CHECK(Unwrap("https://l.test/||R{SSM}|B", "AAAAAAAAAAAAAAAAA!") ==
        "ERROR response: not valid base64 at byte 17 ('!' is not in the base64 alphabet)");
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense", R"({"status":"ok","data":{"token":"t"}})") ==
        "ERROR response: JSON path 'license' found nothing: looked in keys status, data, token");
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense", R"({"license":"TE*D"})") ==
        "ERROR response: JSON value at 'license': not valid base64 at byte 2 ('*' is not in the "
        "base64 alphabet)");
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense", R"({"license":5})") ==
        "ERROR response: JSON path 'license' holds a number, not a string");
  CHECK(Unwrap("https://l.test/||R{SSM}|JBlicense", "<html>error</html>") ==
        "ERROR response: not valid JSON at byte 0 (unexpected '<')");
  CHECK(Unwrap("https://l.test/||R{SSM}|HB", "no header block") ==
        "ERROR response: no blank line (CRLF CRLF) ends a header block");
  CHECK(Unwrap("https://l.test/||R{SSM}|R", "") == "ERROR response: the license is empty");
  CHECK(Unwrap("https://l.test/||R{SSM}|Jlicense", R"({"license":""})") ==
        "ERROR response: JSON value at 'license': the license is empty");
  const char* automatic = R"({"url":"https://l.test/","response":{"unwrap":["auto"]}})";
  CHECK(Unwrap(automatic, "{}", "application/json") ==
        "ERROR response: the application/json answer needs a response path, and none is "
        "configured");
  auto config = ParseAnyConfig("https://l.test/||R{SSM}|R", "");
  REQUIRE(config.ok());
  Bytes huge(kMaxResponseSize + 1);
  auto r = UnwrapResponse(*config, huge, "", false);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kLimitExceeded);
}

TEST_CASE("JSON configuration object") {
  const char* full =
      R"({"url":"https://l.test/lic?h={CHA-MD5}","method":"POST",)"
      R"("headers":{"Content-Type":"application/json","X-Token":"t"},)"
      R"("body":"{\"challenge\":\"{CHA-B64}\",\"kid\":\"{KID-UUID}\"}",)"
      R"("response":{"unwrap":["json","base64"],"path":"license","hdcpPath":"hdcp"}})";
  CHECK(ConfigJson(full) == full);  // already canonical: round-trips byte for byte
  CHECK(Request(full, "", Values(Bytes{'a', 'b', 'c'})) ==
        "POST https://l.test/lic?h=900150983cd24fb0d6963f7d28e17f72\n"
        "Content-Type: application/json\nX-Token: t\n\n"
        "{\"challenge\":\"YWJj\",\"kid\":\"00112233-4455-6677-8899-aabbccddeeff\"}");
  // The JS side may pass the object with members in any order; defaults fill in.
  CHECK(ConfigJson(R"({"response":{"unwrap":["base64"]},"url":"https://l.test/"})") ==
        R"({"url":"https://l.test/","method":"POST","response":{"unwrap":["base64"]}})");
  CHECK(Request(R"({"url":"https://l.test/?c={CHA-B64U}","method":"GET"})") ==
        "GET https://l.test/?c=%2B%2F8%3D\n");
  CHECK(Request(R"({"body":"{CHA-RAW}","wrap":["base64","urlenc"]})", "https://d.test/") ==
        "POST https://d.test/\n\n%2B%2F8%3D");
}

TEST_CASE("JSON configuration errors") {
  CHECK(Error(R"({"url":"https://l.test/","bodi":"x"})") == "config: unknown member 'bodi'");
  CHECK(Error(R"({"url":"https://l.test/","body":"{\"c\":\"{CHA-BASE64}\"}"})") ==
        "config.body: unknown placeholder {CHA-BASE64} at column 7");
  CHECK(Error(R"({"url":"https://l.test/","method":"GET","body":"{CHA-RAW}"})") ==
        "config: a GET request has no body");
  CHECK(Error(R"({"url":"https://l.test/","method":"get"})") ==
        "config.method: expected \"GET\" or \"POST\"");
  CHECK(Error(R"({"url":"https://l.test/","response":{"unwrap":["json"]}})") ==
        "config: the json/xml unwrapper needs a path");
  CHECK(Error(R"({"url":"https://l.test/","response":{"unwrap":["auto","base64"]}})") ==
        "config: the auto unwrapper must be the only one");
  CHECK(Error(R"({"url":"https://l.test/","response":{"unwrap":["gzip"]}})") ==
        "config.response.unwrap: unknown unwrapper 'gzip' (base64, json, xml, headerblock, auto)");
  CHECK(Error(R"({"url":"https://l.test/","response":{"path":"license"}})") ==
        "config: a response path is set but no json/xml unwrapper uses it");
  CHECK(Error(R"({"url":"https://l.test/","headers":{"X-A":"a\r\nX-B: b"}})") ==
        "config.headers: value of header 'X-A' has a control or non-ASCII byte");
  CHECK(Error(R"({"url":"https://l.test/",})") ==
        "config: not valid JSON at byte 25 (unexpected '}')");
  CHECK(Error(R"({"keys":{"0011":"ffeeddccbbaa99887766554433221100"}})") ==
        "config.keys: KID is 2 bytes, expected 16");
}

TEST_CASE("wrap errors and limits") {
  CHECK(Request("https://l.test/||k={KID-UUID}|R", "", [] {
          RequestValues v = Values();
          v.kid = ByteSpan();
          return v;
        }()) == "ERROR request: {KID-UUID} needs the key ID, and none was given");
  CHECK(Request("||R{SSM}|R", "https://bad url/") ==
        "ERROR request: the license URL passed has a space, control or non-ASCII byte");
  std::string long_key(kMaxConfigSize + 1, 'a');
  CHECK(Error(long_key) == "config: 65537 bytes exceeds 65536");
}

TEST_CASE("request and license JSON for JavaScript") {
  HttpRequest r;
  r.url = "https://l.test/";
  r.headers = {{"X-A", "1"}};
  r.body = Bytes{0xfb, 0xff};
  CHECK(RequestToJson(r) ==
        R"({"url":"https://l.test/","method":"POST","headers":{"X-A":"1"},"body":"+/8="})");
  r.method = Method::kGet;
  r.body.reset();
  CHECK(RequestToJson(r) == R"({"url":"https://l.test/","method":"GET","headers":{"X-A":"1"},"body":null})");
  License l;
  l.license = Bytes{'L', 'I', 'C'};
  CHECK(LicenseToJson(l) == R"({"license":"TElD","hdcp":null})");
  l.hdcp = "720";
  CHECK(LicenseToJson(l) == R"({"license":"TElD","hdcp":"720"})");
}
