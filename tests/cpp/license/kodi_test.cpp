#include "license/kodi.h"

#include <catch2/catch.hpp>

#include "license/exchange.h"
#include "license_test_util.h"

using namespace wee;
using namespace wee::license;
using namespace wee::license::test_util;

namespace {

// inputstream.adaptive wiki, "Integration" page, "Play DRM encrypted video stream": the
// license_key is '|'.join of the URL, urlencode(headers), 'R{SSM}' and 'R'. The header part
// below is exactly what Python's urllib.parse.urlencode makes of the wiki's dict.
const char kWikiHeaders[] =
    "User-Agent=Mozilla%2F5.0+%28Windows+NT+10.0%3B+Win64%3B+x64%3B+rv%3A109.0%29+Gecko%2F"
    "20100101+Firefox%2F109.0&Content-Type=application%2Foctet-stream&Origin=https%3A%2F%2F"
    "www.somesite.com";

}  // namespace

TEST_CASE("wiki example: license_key with urlencoded headers, R{SSM} and R") {
  std::string key = std::string("https://license.server.com/licenserequest|") + kWikiHeaders +
                    "|R{SSM}|R";
  CHECK(Request(key) ==
        "POST https://license.server.com/licenserequest\n"
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 "
        "Firefox/109.0\n"
        "Content-Type: application/octet-stream\n"
        "Origin: https://www.somesite.com\n"
        "\n\xfb\xff");
  CHECK(ConfigJson(key) ==
        R"({"url":"https://license.server.com/licenserequest","method":"POST","headers":{)"
        R"("User-Agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 )"
        R"(Firefox/109.0","Content-Type":"application/octet-stream","Origin":)"
        R"("https://www.somesite.com"},"body":"{CHA-RAW}","response":{"unwrap":[]}})");
  CHECK(Unwrap(key, "\x08\x02" "binary") == "\x08\x02" "binary");
}

TEST_CASE("inputstream.adaptive PR 1672 example: old license_key and new drm JSON agree") {
  const char* old_form = "https://cwip-shaka-proxy.appspot.com/no_auth||R{SSM}|R";
  const char* new_form =
      R"({"com.widevine.alpha": {"license": {"server_url": "https://cwip-shaka-proxy.appspot.com/no_auth"}}})";
  std::string expected = "POST https://cwip-shaka-proxy.appspot.com/no_auth\n\n\xfb\xff";
  CHECK(Request(old_form) == expected);
  CHECK(Request(new_form) == expected);
  CHECK(ConfigJson(new_form) ==
        R"({"keySystem":"com.widevine.alpha","url":"https://cwip-shaka-proxy.appspot.com/no_auth",)"
        R"("method":"POST","response":{"unwrap":[]}})");
}

TEST_CASE("license_key fields") {
  // GET: an empty post data field; B{SSM} and {HASH} in the URL.
  CHECK(Request("https://l.test/get?c=B{SSM}&h={HASH}||") ==
        "GET https://l.test/get?c=%2B%2F8%3D&h=0cd91ef57ba7551468d158b4076c8b1d\n");
  // Only a URL: POST the raw challenge (newer inputstream.adaptive accepts this).
  CHECK(Request("https://l.test/raw") == "POST https://l.test/raw\n\n\xfb\xff");
  // No URL: the player's URL.
  CHECK(Request("||b{SSM}|B", "https://from.manifest/lic") ==
        "POST https://from.manifest/lic\n\n+/8=");
  CHECK(Request("||b{SSM}|B") ==
        "ERROR request: no license URL (the configuration has none and none was passed)");
  // A leading '%': the whole post data is URL-decoded first.
  CHECK(Request("https://l.test/||%7B%22c%22%3A%22b%7BSSM%7D%22%7D|JBlicense") ==
        "POST https://l.test/\n\n{\"c\":\"+/8=\"}");
  // Whole-body wrappers: b{...} base64, B{...} base64 then URL-encode.
  CHECK(Request("https://l.test/||b{{\"c\":\"b{SSM}\"}}|R") ==
        "POST https://l.test/\n\neyJjIjoiKy84PSJ9");
  CHECK(Request("https://l.test/||B{R{SSM}}|R") == "POST https://l.test/\n\n%2B%2F8%3D");
  CHECK(Request("https://l.test/||b{R{SSM}}|R") == "POST https://l.test/\n\n+/8=");
  CHECK(ConfigJson("https://l.test/||B{R{SSM}}|R") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","wrap":["base64","urlenc"],)"
        R"("response":{"unwrap":[]}})");
  // Session, KID and PSSH placeholders in one body.
  CHECK(Request("https://l.test/||s=B{SID}&k=H{KID}&u={KID}&p=b{PSSH}|R") ==
        "POST https://l.test/\n\ns=c2Vzcy8xKz8%3D&k=00112233445566778899aabbccddeeff"
        "&u=00112233-4455-6677-8899-aabbccddeeff&p=AAH+/w==");
  // Header values are trimmed and form-decoded; empty segments are skipped.
  CHECK(Request("https://l.test/| X-A = a+b%21 &&X-B=|R{SSM}") ==
        "POST https://l.test/\nX-A: a b!\nX-B: \n\n\xfb\xff");
}

TEST_CASE("license_key response formats") {
  CHECK(ConfigJson("https://l.test/||R{SSM}|B") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","response":{"unwrap":["base64"]}})");
  CHECK(ConfigJson("https://l.test/||R{SSM}|JBlicense;hdcp") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","response":{"unwrap":)"
        R"(["json","base64"],"path":"license","hdcpPath":"hdcp"}})");
  CHECK(ConfigJson("https://l.test/||R{SSM}|JB[license;hdcp]") ==
        ConfigJson("https://l.test/||R{SSM}|JBlicense;hdcp"));
  CHECK(ConfigJson("https://l.test/||R{SSM}|BJdata") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","response":{"unwrap":)"
        R"(["base64","json"],"path":"data"}})");
  CHECK(ConfigJson("https://l.test/||R{SSM}|Jlicense") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","response":{"unwrap":)"
        R"(["json"],"path":"license"}})");
  CHECK(ConfigJson("https://l.test/||R{SSM}|HB") ==
        R"({"url":"https://l.test/","method":"POST","body":"{CHA-RAW}","response":{"unwrap":)"
        R"(["headerblock"]}})");
}

TEST_CASE("license_key errors name the column") {
  CHECK(Error("https://lic.example.com/paths||a={FOO}|R") ==
        "license_key: unknown placeholder {FOO} at column 34");
  CHECK(Error("https://l.test/||{\"c\":\"b{SSM}\"|JBlicense") ==
        "license_key: unbalanced brace at column 18");
  CHECK(Error("https://l.test/||b{SSM|R") ==
        "license_key: unbalanced brace at column 19 (a placeholder is not closed)");
  CHECK(Error("https://l.test/||{SSM}|R") ==
        "license_key: {SSM} needs a prefix letter (R, b, B, D) at column 18");
  CHECK(Error("https://l.test/||x{SSM}|R") ==
        "license_key: {SSM} cannot take the prefix 'x' (R, b, B, D) at column 18");
  CHECK(Error("https://l.test/R{SSM}||R{SSM}|R") ==
        "license_key: {SSM} in the URL cannot take the prefix 'R' (B) at column 16");
  CHECK(Error("https://l.test/||R{SSM}|R|extra") ==
        "license_key: 5 fields; at most 4 ([URL]|[headers]|[post data]|[response]), extra '|' "
        "at column 26");
  CHECK(Error("https://l.test/||R{SSM}|X") ==
        "license_key: unknown response format 'X' at column 25 (R, B, J<key>, JB<key>, BJ<key> "
        "or HB)");
  CHECK(Error("https://l.test/||R{SSM}|JB") ==
        "license_key: the JSON response format needs a key name at column 27");
  CHECK(Error("https://l.test/||R{SSM}|JB[license") ==
        "license_key: unbalanced bracket at column 27");
  CHECK(Error("https://l.test/||R{SSM}|Ja;b;c") ==
        "license_key: the response takes at most two JSON key names (license;HDCP) at column 29");
  CHECK(Error("https://l.test/|X-A=%zz|R{SSM}|R") ==
        "license_key: '%' is not followed by two hex digits at column 21");
  CHECK(Error("https://l.test/|X-A=1%0D%0AX-B:2|R{SSM}|R") ==
        "license_key: value of header 'X-A' has a control or non-ASCII byte at column 22");
  CHECK(Error("https://l.test/|X A=1|R{SSM}|R") ==
        "license_key: invalid header name 'X A' at column 17");
  CHECK(Error("https://l.test/|X-A|R{SSM}|R") ==
        "license_key: header 'X-A' has no value (name=value) at column 17");
  CHECK(Error("https://l.test/|X-A=1&x-a=2|R{SSM}|R") ==
        "license_key: header 'x-a' is given twice at column 23");
  CHECK(Error("https://l.test/a b||R{SSM}|R") ==
        "license_key: byte 0x20 is not allowed in a URL at column 17");
  CHECK(Error("ftp://l.test/||R{SSM}|R") ==
        "license_key: the URL must start with http://, https:// or data:");
  CHECK(Error("https://l.test/||b{{\"c\":\"b{SSM}\"}|R") ==
        "license_key: unbalanced brace at column 20");
  CHECK(Error("https://l.test/||b{\"c\":1|R") ==
        "license_key: the whole-body wrapper b{ is not closed by a final '}' at column 18");
  CHECK(Error("https://l.test/||%7Bb%7BSSM%7D|R") ==
        "license_key: unbalanced brace at column 18");
}

TEST_CASE("drm_legacy") {
  std::string legacy = std::string("com.widevine.alpha|https://license.server.com/licenserequest|") +
                       kWikiHeaders;
  CHECK(ConfigJson(legacy) ==
        R"({"keySystem":"com.widevine.alpha","url":"https://license.server.com/licenserequest",)"
        R"("method":"POST","headers":{"User-Agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; )"
        R"(rv:109.0) Gecko/20100101 Firefox/109.0","Content-Type":"application/octet-stream",)"
        R"("Origin":"https://www.somesite.com"},"response":{"unwrap":[]}})");
  CHECK(ConfigJson("org.w3.clearkey|00112233445566778899aabbccddeeff:ffeeddccbbaa99887766554433221100,"
             " _-7dzLuqmYh3ZlVEMyIRAA : ESIzRFVmd4iZqrvM3e7_AA") ==
        R"({"keySystem":"org.w3.clearkey","method":"POST","response":{"unwrap":[]},"keys":{)"
        R"("00112233445566778899aabbccddeeff":"ffeeddccbbaa99887766554433221100",)"
        R"("ffeeddccbbaa99887766554433221100":"112233445566778899aabbccddeeff00"}})");
  // The same KID in two spellings (hex, base64url).
  CHECK(Error("org.w3.clearkey|00112233445566778899aabbccddeeff:ffeeddccbbaa99887766554433221100,"
              "ABEiM0RVZneImaq7zN3u_w:ESIzRFVmd4iZqrvM3e7_AA") ==
        "drm_legacy: KID 00112233445566778899aabbccddeeff is given twice at column 83");
  CHECK(ConfigJson("org.w3.clearkey") ==
        R"({"keySystem":"org.w3.clearkey","method":"POST","response":{"unwrap":[]}})");
  CHECK(Request("com.widevine.alpha|https://l.test/{CHA-MD5}", "",
                Values(Bytes{'a', 'b', 'c'})) ==
        "POST https://l.test/900150983cd24fb0d6963f7d28e17f72\n\nabc");

  CHECK(Error("com.example.drm|https://l.test/") ==
        "drm_legacy: unknown key system 'com.example.drm' at column 1");
  CHECK(Error("com.widevine.alpha|0011:2233") ==
        "drm_legacy: KID:key pairs need the key system org.w3.clearkey at column 20");
  CHECK(Error("org.w3.clearkey|00112233445566778899aabbccddeeff") ==
        "drm_legacy: expected KID:key at column 17");
  CHECK(Error("org.w3.clearkey|0011:ffeeddccbbaa99887766554433221100") ==
        "drm_legacy: KID is 2 bytes, expected 16 at column 17");
  CHECK(Error("org.w3.clearkey|https://l.test/|X=1|more") ==
        "drm_legacy: 4 fields; at most 3 ([key system]|[URL or KID:key list]|[headers]) at "
        "column 36");
}

TEST_CASE("inputstream.adaptive.drm JSON") {
  const char* full = R"({"com.widevine.alpha": {"persistent_storage": true, "license": {
      "server_url": "https://l.test/{CHA-MD5}",
      "req_headers": "X-A=1&Content-Type=application%2Fjson",
      "req_data": "eyJjIjoie0NIQS1CNjR9In0=",
      "wrapper": "base64",
      "unwrapper": "json,base64",
      "unwrapper_params": {"path_data": "data/license", "path_hdcp": "hdcp",
                           "path_hdcp_traverse": true}}}})";
  CHECK(ConfigJson(full) ==
        R"({"keySystem":"com.widevine.alpha","url":"https://l.test/{CHA-MD5}","method":"POST",)"
        R"("headers":{"X-A":"1","Content-Type":"application/json"},"body":"{\"c\":\"{CHA-B64}\"}",)"
        R"("wrap":["base64"],"response":{"unwrap":["json","base64"],"path":"/data/license",)"
        R"("hdcpPath":"hdcp"}})");
  CHECK(Request(full, "", Values(Bytes{'a', 'b', 'c'})) ==
        "POST https://l.test/900150983cd24fb0d6963f7d28e17f72\nX-A: 1\n"
        "Content-Type: application/json\n\n" +
            Base64Encode(ByteSpan(std::string("{\"c\":\"YWJj\"}"))));
  // req_data that is not base64 is the template itself (deprecated, still accepted).
  CHECK(Request(R"({"com.widevine.alpha":{"license":{"server_url":"https://l.test/",)"
                R"("req_data":"c={CHA-B64U}"}}})") ==
        "POST https://l.test/\n\nc=%2B%2F8%3D");
  CHECK(Request(R"({"com.widevine.alpha":{"license":{"server_url":"https://l.test/?c={CHA-B64U}",)"
                R"("use_http_get_request":true}}})") ==
        "GET https://l.test/?c=%2B%2F8%3D\n");
  // Traverse: key anywhere; "//name" XPath: element anywhere.
  CHECK(ConfigJson(R"({"com.widevine.alpha":{"license":{"unwrapper":"json","unwrapper_params":)"
             R"({"path_data":"license","path_data_traverse":"true"}}}})") ==
        R"({"keySystem":"com.widevine.alpha","method":"POST","response":{"unwrap":["json"],"path":"license"}})");
  CHECK(ConfigJson(R"({"com.microsoft.playready":{"license":{"unwrapper":"xml,base64","unwrapper_params":)"
             R"({"path_data":"//License"}}}})") ==
        R"({"keySystem":"com.microsoft.playready","method":"POST","response":{"unwrap":["xml","base64"],"path":"License"}})");
  // Several key systems: pick one.
  const char* two = R"({"com.widevine.alpha":{"license":{"server_url":"https://wv.test/"}},)"
                    R"("org.w3.clearkey":{"license":{"keyids":{"00112233445566778899aabbccddeeff":)"
                    R"("ffeeddccbbaa99887766554433221100"}}}})";
  CHECK(Error(two) ==
        "drm: configures several key systems (com.widevine.alpha, org.w3.clearkey); say which one "
        "to use");
  CHECK(ConfigJson(two, "org.w3.clearkey") ==
        R"({"keySystem":"org.w3.clearkey","method":"POST","response":{"unwrap":[]},"keys":{)"
        R"("00112233445566778899aabbccddeeff":"ffeeddccbbaa99887766554433221100"}})");
  CHECK(Error(two, "com.apple.fps") ==
        "drm: no configuration for com.apple.fps (has com.widevine.alpha, org.w3.clearkey)");
  CHECK(Error(R"({"com.widevine.alpha":{"license":{"server_ulr":"https://l.test/"}}})") ==
        "drm.com.widevine.alpha.license: unknown member 'server_ulr'");
  CHECK(Error(R"({"com.widevine.alpha":{"license":{"wrapper":"json"}}})") ==
        "drm.com.widevine.alpha.license.wrapper: unknown wrapper 'json' (base64, urlenc, none)");
  CHECK(Error(R"({"com.widevine.alpha":{"license":{"unwrapper":"json"}}})") ==
        "drm.com.widevine.alpha: the json/xml unwrapper needs a path");
  CHECK(Error(R"({"com.widevine.alpha":{"license":{"server_url":"https://l/{CHA-RAW}"}}})") ==
        "drm.com.widevine.alpha.license.server_url: {CHA-RAW} is not URL-safe in the URL at "
        "column 11; use {CHA-B64U}");
  CHECK(Error(R"({"com.widevine.alpha":{"license":{"use_http_get_request":true,)"
              R"("req_data":"e0NIQS1SQVd9"}}})") ==
        "drm.com.widevine.alpha.license: req_data is not sent by a GET request");
}

TEST_CASE("known key systems") {
  CHECK(IsKnownKeySystem("com.widevine.alpha"));
  CHECK(IsKnownKeySystem("org.w3.clearkey"));
  CHECK(IsKnownKeySystem("com.microsoft.playready.recommendation"));
  CHECK(IsKnownKeySystem("com.huawei.wiseplay"));
  CHECK_FALSE(IsKnownKeySystem("com.microsoft.playreadyx"));
  CHECK_FALSE(IsKnownKeySystem("com.widevine"));
}
