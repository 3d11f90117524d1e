// JSON Web Tokens in the JWS compact serialisation (RFC 7515, RFC 7519), HS256 only.
//
// Verification is deliberately narrow: the algorithm is pinned to HS256 (the token's "alg"
// is checked, never trusted), the key must be at least 256 bits (RFC 7518 section 3.2),
// the MAC is computed over the received ASCII of header "." payload (never re-serialised)
// and compared in constant time, then "exp"/"nbf" are checked against the caller's clock.
#pragma once

#include <cstdint>
#include <string>

#include "auth/deny.h"
#include "base/bytes.h"
#include "base/json.h"
#include "base/status.h"

namespace wee::auth {

constexpr size_t kMinHs256KeySize = 32;          // RFC 7518 section 3.2: >= hash size
constexpr size_t kDefaultMaxTokenSize = 8192;    // bytes of compact serialisation
constexpr int64_t kMaxClockSkew = 7 * 24 * 3600; // a larger leeway is a configuration error

struct JwtVerifyOptions {
  int64_t now = 0;         // seconds since 1970 (the core has no clock)
  int64_t clock_skew = 0;  // seconds of leeway for exp and nbf, 0..kMaxClockSkew
  size_t max_size = kDefaultMaxTokenSize;
};

struct Jwt {
  Json header;   // the JOSE header, an object
  Json payload;  // the claims set, an object
};

// Signs `payload` (an object). `header` may be null or an object; its "alg", if present,
// must be "HS256". Keys shorter than kMinHs256KeySize are refused.
Result<std::string> JwtSignHs256(const Json& payload, ByteSpan key,
                                 const Json& header = nullptr);

// RFC 7515 section 5.2 validation plus RFC 7519 section 4.1.4/4.1.5 time checks.
Result<Jwt> JwtVerifyHs256(const std::string& token, ByteSpan key,
                           const JwtVerifyOptions& options);

// Checks the options and key a caller supplied (kInvalidArgument).
[[nodiscard]] Status CheckHs256Key(ByteSpan key);
[[nodiscard]] Status CheckVerifyOptions(const JwtVerifyOptions& options);

}  // namespace wee::auth
