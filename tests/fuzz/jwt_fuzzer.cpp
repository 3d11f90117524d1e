// Fuzzes the auth parsers: compact JWS verification, the entitlement message behind a valid
// signature (the fuzzer signs its input, so the JSON rules are reached), OAuth request
// parsing and RFC 3339 dates. The first byte picks the target.
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/entitlement.h"
#include "auth/jwt.h"
#include "auth/oauth1.h"
#include "auth/rfc3339.h"
#include "base/encoding.h"
#include "crypto/hash.h"

using namespace wee;
using namespace wee::auth;

namespace {

const Bytes& Key() {
  static const Bytes key(32, 0x42);
  return key;
}

void FuzzToken(const std::string& token) {
  JwtVerifyOptions options;
  options.now = 1700000000;
  options.clock_skew = 60;
  (void)JwtVerifyHs256(token, Key(), options);
  EntitlementVerifyOptions ent_options;
  ent_options.jwt = options;
  (void)VerifyEntitlement(token, Key(), ent_options);
}

void FuzzSignedPayload(const std::string& payload) {
  std::string input = Base64UrlEncode(std::string(R"({"alg":"HS256"})")) + "." +
                      Base64UrlEncode(payload);
  std::string token = input + "." + Base64UrlEncode(Hmac(HashAlgorithm::kSha256, Key(), input));
  EntitlementVerifyOptions options;
  options.jwt.now = 1700000000;
  options.jwt.max_size = 1 << 20;
  options.requested_kids = {Bytes(16, 0)};
  auto ent = VerifyEntitlement(token, Key(), options);
  // A JWT that verifies must verify again identically (no hidden state).
  auto jwt = JwtVerifyHs256(token, Key(), options.jwt);
  if (ent.ok() && !jwt.ok()) __builtin_trap();
}

void FuzzOAuth(const std::string& data) {
  // url \n authorization \n content type \n body
  oauth1::HttpRequest request;
  request.method = "POST";
  size_t a = data.find('\n');
  size_t b = a == std::string::npos ? a : data.find('\n', a + 1);
  size_t c = b == std::string::npos ? b : data.find('\n', b + 1);
  request.url = data.substr(0, a);
  if (a != std::string::npos) request.authorization = data.substr(a + 1, b - a - 1);
  if (b != std::string::npos) request.content_type = data.substr(b + 1, c - b - 1);
  if (c != std::string::npos) request.body = data.substr(c + 1);
  auto parsed = oauth1::ParseRequest(request);
  if (parsed.ok()) (void)oauth1::VerifySignature(*parsed, "cs", "ts", 1700000000, 300);
  (void)oauth1::ParseAuthorizationHeader(data);
}

void FuzzDate(const std::string& text) {
  int64_t seconds;
  if (!ParseRfc3339(text, &seconds)) return;
  int64_t again;
  // Whatever parses (years 0000-9999, offsets up to a day) formats back to the same instant,
  // unless the offset pushed it outside the years FormatRfc3339 writes.
  std::string formatted = FormatRfc3339(seconds);
  if (!ParseRfc3339(formatted, &again)) __builtin_trap();
  if (again != seconds && seconds >= -62167219200 && seconds <= 253402300799) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: FuzzToken(input); break;
    case 1: FuzzSignedPayload(input); break;
    case 2: FuzzOAuth(input); break;
    case 3: FuzzDate(input); break;
  }
  return 0;
}
