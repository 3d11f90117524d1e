#include "auth/jwt.h"

#include <catch2/catch.hpp>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "test_util.h"

using namespace wee;
using namespace wee::auth;

namespace {

// RFC 7515 appendix A.1: the JWS Protected Header is {"typ":"JWT",CRLF "alg":"HS256"} and
// the payload has CRLFs too, so re-serialising either would change the signed bytes.
const char kRfc7515Token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb"
    "290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const char kRfc7515Jwk[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const int64_t kRfc7515Exp = 1300819380;

Bytes Rfc7515Key() {
  Bytes key;
  REQUIRE(Base64UrlDecode(kRfc7515Jwk, Padding::kForbidden, &key));
  return key;
}

// Builds a token by hand from JSON text, with an HS256 MAC over exactly these bytes.
std::string HandMade(const std::string& header, const std::string& payload, ByteSpan key) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(Hmac(HashAlgorithm::kSha256, key, input));
}

Bytes Key32() {
  return test::Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

bool HasReason(const Status& status, const char* why) {
  return status.message().rfind(std::string(why) + ":", 0) == 0;
}

JwtVerifyOptions At(int64_t now, int64_t skew = 0) {
  JwtVerifyOptions options;
  options.now = now;
  options.clock_skew = skew;
  return options;
}

}  // namespace

TEST_CASE("RFC 7515 A.1: HS256 JWS verifies over the received bytes") {
  auto jwt = JwtVerifyHs256(kRfc7515Token, Rfc7515Key(), At(kRfc7515Exp - 1));
  REQUIRE(jwt.ok());
  CHECK(jwt->header["typ"] == "JWT");
  CHECK(jwt->header["alg"] == "HS256");
  CHECK(jwt->payload["iss"] == "joe");
  CHECK(jwt->payload["exp"] == kRfc7515Exp);
  CHECK(jwt->payload["http://example.com/is_root"] == true);

  // Signing the same claims again serialises them without the CRLFs: another token, whose
  // header and payload the published signature does not cover.
  auto resigned = JwtSignHs256(jwt->payload, Rfc7515Key(), jwt->header);
  REQUIRE(resigned.ok());
  CHECK(*resigned != kRfc7515Token);
  CHECK(JwtVerifyHs256(*resigned, Rfc7515Key(), At(kRfc7515Exp - 1)).ok());
  std::string mixed = resigned->substr(0, resigned->rfind('.')) +
                      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  auto status = JwtVerifyHs256(mixed, Rfc7515Key(), At(kRfc7515Exp - 1)).status();
  CHECK(status.code() == Code::kDenied);
  CHECK(HasReason(status, reason::kSignature));
}

TEST_CASE("exp and nbf with clock skew (RFC 7519 4.1.4, 4.1.5)") {
  Bytes key = Rfc7515Key();
  // exp: the current time must be before it.
  auto expired = JwtVerifyHs256(kRfc7515Token, key, At(kRfc7515Exp)).status();
  CHECK(expired.code() == Code::kDenied);
  CHECK(HasReason(expired, reason::kExpired));
  CHECK(JwtVerifyHs256(kRfc7515Token, key, At(kRfc7515Exp, 1)).ok());
  CHECK_FALSE(JwtVerifyHs256(kRfc7515Token, key, At(kRfc7515Exp + 1, 1)).ok());

  std::string nbf = HandMade(R"({"alg":"HS256"})", R"({"nbf":1000,"exp":2000.5})", Key32());
  auto early = JwtVerifyHs256(nbf, Key32(), At(999)).status();
  CHECK(HasReason(early, reason::kNotYetValid));
  CHECK(JwtVerifyHs256(nbf, Key32(), At(999, 1)).ok());
  CHECK(JwtVerifyHs256(nbf, Key32(), At(1000)).ok());
  CHECK(JwtVerifyHs256(nbf, Key32(), At(2000)).ok());  // NumericDate may have a fraction
  CHECK(HasReason(JwtVerifyHs256(nbf, Key32(), At(2001)).status(), reason::kExpired));

  std::string text_exp = HandMade(R"({"alg":"HS256"})", R"({"exp":"2000"})", Key32());
  CHECK(HasReason(JwtVerifyHs256(text_exp, Key32(), At(0)).status(), reason::kMalformed));
  CHECK(JwtVerifyHs256(nbf, Key32(), At(0, -1)).status().code() == Code::kInvalidArgument);
  CHECK(JwtVerifyHs256(nbf, Key32(), At(0, kMaxClockSkew + 1)).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("alg none, algorithm switch and alg confusion are refused") {
  Bytes key = Key32();
  const std::string payload = R"({"sub":"mallory"})";
  // alg none with an empty signature (RFC 7515 A.5 shape).
  std::string none = Base64UrlEncode(std::string(R"({"alg":"none"})")) + "." +
                     Base64UrlEncode(payload) + ".";
  auto status = JwtVerifyHs256(none, key, At(0)).status();
  CHECK(status.code() == Code::kDenied);
  CHECK(HasReason(status, reason::kAlgorithm));
  // Another algorithm, even with a valid HS256 MAC over the bytes (key confusion: RS256
  // verified with the HMAC secret as "public key").
  for (const char* header : {R"({"alg":"RS256"})", R"({"alg":"HS512"})", R"({"alg":"hs256"})",
                             R"({"alg":["HS256"]})", R"({"alg":null})", R"({"typ":"JWT"})"}) {
    CAPTURE(header);
    auto s = JwtVerifyHs256(HandMade(header, payload, key), key, At(0)).status();
    CHECK(s.code() == Code::kDenied);
    CHECK(HasReason(s, reason::kAlgorithm));
  }
  // "alg" twice: no last-one-wins.
  auto twice = JwtVerifyHs256(HandMade(R"({"alg":"none","alg":"HS256"})", payload, key), key,
                              At(0)).status();
  CHECK(HasReason(twice, reason::kMalformed));
  // An extension we cannot honour.
  auto crit = JwtVerifyHs256(HandMade(R"({"alg":"HS256","crit":["b64"],"b64":false})", payload,
                                      key), key, At(0)).status();
  CHECK(HasReason(crit, reason::kUnsupported));
  CHECK(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", payload, key), key, At(0)).ok());
}

TEST_CASE("truncated or tampered tokens are refused") {
  Bytes key = Key32();
  std::string token = HandMade(R"({"alg":"HS256"})", R"({"role":"viewer"})", key);
  REQUIRE(JwtVerifyHs256(token, key, At(0)).ok());

  // Signature cut short: 40 of 43 base64url characters decode cleanly, to 30 bytes; 42
  // leave stray bits that the strict decoder refuses. Both are a bad signature.
  for (size_t cut_chars : {1, 3}) {
    auto cut = JwtVerifyHs256(token.substr(0, token.size() - cut_chars), key, At(0)).status();
    CHECK(cut.code() == Code::kDenied);
    CHECK(HasReason(cut, reason::kSignature));
  }
  auto empty = JwtVerifyHs256(token.substr(0, token.rfind('.') + 1), key, At(0)).status();
  CHECK(HasReason(empty, reason::kSignature));
  // Tampered payload with the old signature.
  std::string tampered = Base64UrlEncode(std::string(R"({"alg":"HS256"})")) + "." +
                         Base64UrlEncode(std::string(R"({"role":"admin"})")) +
                         token.substr(token.rfind('.'));
  CHECK(HasReason(JwtVerifyHs256(tampered, key, At(0)).status(), reason::kSignature));
  // The right token under another key.
  Bytes other = key;
  other[0] ^= 1;
  CHECK(HasReason(JwtVerifyHs256(token, other, At(0)).status(), reason::kSignature));
  // Structure: parts, padding, alphabet.
  for (const std::string& bad :
       {std::string("abc"), token + ".x", token.substr(0, token.rfind('.')), token + "=",
        "+" + token.substr(1), std::string(".."), std::string("")}) {
    CAPTURE(bad);
    auto s = JwtVerifyHs256(bad, key, At(0)).status();
    CHECK(s.code() == Code::kDenied);
  }
}

TEST_CASE("header and payload must be JSON objects of bounded depth") {
  Bytes key = Key32();
  CHECK(HasReason(JwtVerifyHs256(HandMade("[]", "{}", key), key, At(0)).status(),
                  reason::kMalformed));
  CHECK(HasReason(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", "[1]", key), key, At(0))
                      .status(), reason::kMalformed));
  CHECK(HasReason(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", "{", key), key, At(0))
                      .status(), reason::kMalformed));
  std::string deep = std::string(40, '[') + std::string(40, ']');
  CHECK(HasReason(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", R"({"a":)" + deep + "}", key),
                                 key, At(0)).status(), reason::kMalformed));
  // Invalid UTF-8 inside a JSON string.
  CHECK(HasReason(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", "{\"a\":\"\xff\"}", key), key,
                                 At(0)).status(), reason::kMalformed));
}

TEST_CASE("keys shorter than 256 bits are refused on both sides") {
  Bytes short_key(31, 7);
  auto signed_token = JwtSignHs256({{"a", 1}}, short_key);
  CHECK(signed_token.status().code() == Code::kInvalidArgument);
  std::string token = HandMade(R"({"alg":"HS256"})", "{}", short_key);
  CHECK(JwtVerifyHs256(token, short_key, At(0)).status().code() == Code::kInvalidArgument);
  CHECK(JwtVerifyHs256(token, Bytes(), At(0)).status().code() == Code::kInvalidArgument);
}

TEST_CASE("oversized tokens are refused before any parsing") {
  Bytes key = Key32();
  std::string big = HandMade(R"({"alg":"HS256"})", R"({"pad":")" + std::string(9000, 'x') + "\"}",
                             key);
  auto status = JwtVerifyHs256(big, key, At(0)).status();
  CHECK(status.code() == Code::kLimitExceeded);
  CHECK(HasReason(status, reason::kOversized));
  JwtVerifyOptions roomy = At(0);
  roomy.max_size = 16384;
  CHECK(JwtVerifyHs256(big, key, roomy).ok());
  JwtVerifyOptions tight = At(0);
  tight.max_size = 10;
  CHECK(JwtVerifyHs256(HandMade(R"({"alg":"HS256"})", "{}", key), key, tight).status().code() ==
        Code::kLimitExceeded);
}

TEST_CASE("sign: header fields kept, alg forced to HS256") {
  Bytes key = Key32();
  auto token = JwtSignHs256({{"sub", "x"}, {"exp", 100}}, key, {{"kid", "k1"}});
  REQUIRE(token.ok());
  auto jwt = JwtVerifyHs256(*token, key, At(99));
  REQUIRE(jwt.ok());
  CHECK(jwt->header == wee::Json{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "k1"}});
  CHECK(jwt->payload["sub"] == "x");
  CHECK(JwtSignHs256({{"a", 1}}, key, {{"alg", "none"}}).status().code() ==
        Code::kInvalidArgument);
  CHECK(JwtSignHs256(wee::Json::array(), key).status().code() == Code::kInvalidArgument);
  CHECK(JwtSignHs256({{"a", 1}}, key, "text").status().code() == Code::kInvalidArgument);
}
