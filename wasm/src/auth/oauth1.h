// OAuth 1.0 HMAC-SHA1 request signing and verification (RFC 5849, which documents OAuth Core
// 1.0 Revision A). Section numbers below are RFC 5849's.
//
// The server side is split so that secrets can come from anywhere: ParseRequest() collects
// and checks the protocol parameters and builds the signature base string; the caller looks
// up the secrets for the consumer key and token; VerifySignature() checks the timestamp
// window and the signature. The nonce/timestamp/token combination is returned for the
// caller's replay cache (section 3.2: it "has not been used before").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace wee::auth::oauth1 {

// Name/value pairs, decoded. Order is the order of appearance.
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxUrlSize = 16 * 1024;
constexpr size_t kMaxHeaderSize = 16 * 1024;
constexpr size_t kMaxBodySize = 1024 * 1024;
constexpr size_t kMaxParams = 1024;
constexpr char kHmacSha1[] = "HMAC-SHA1";

// Section 3.6: UTF-8 octets, unreserved characters (ALPHA DIGIT - . _ ~) kept, all others
// as %XX with uppercase hex.
std::string PercentEncode(const std::string& text);
// %XX (either case) decoded; a '%' not followed by two hex digits fails. With
// plus_is_space, '+' means a space (application/x-www-form-urlencoded).
[[nodiscard]] bool PercentDecode(const std::string& text, bool plus_is_space, std::string* out);

// application/x-www-form-urlencoded (query or body) into decoded pairs; a name without '='
// has an empty value, empty pieces are skipped. `what` names the input in errors.
Result<Params> ParseFormEncoded(const std::string& text, const std::string& what);

// Section 3.5.1: `OAuth realm="x", oauth_name="value", ...` (scheme case-insensitive).
// kNotFound if the header uses another scheme.
struct AuthorizationHeader {
  bool has_realm = false;
  std::string realm;
  Params params;  // decoded, realm excluded
};
Result<AuthorizationHeader> ParseAuthorizationHeader(const std::string& value);

// Section 3.4.1.2: the base string URI (scheme and host lowercased, default port dropped,
// no query or fragment) and the raw query of an absolute http(s) URL.
struct RequestUrl {
  std::string base_uri;
  std::string query;
};
Result<RequestUrl> ParseRequestUrl(const std::string& url);

// Section 3.4.1.3.2: encode, sort by name then value (byte order), join with '=' and '&'.
std::string NormalizeParameters(const Params& params);

// Section 3.4.1.1: METHOD & encode(base URI) & encode(normalised parameters).
std::string SignatureBaseString(const std::string& method, const std::string& base_uri,
                                const std::string& normalized_parameters);

// Section 3.4.2: base64(HMAC-SHA1(encode(consumer secret) & encode(token secret), text)).
std::string HmacSha1Signature(const std::string& base_string, const std::string& consumer_secret,
                              const std::string& token_secret);

struct SignRequest {
  std::string method;  // e.g. "GET"
  std::string url;     // absolute; its query takes part in the signature
  Params body_params;  // form-encoded body parameters (sent as the body by the caller)
  std::string consumer_key;
  std::string token;      // "" = no token (e.g. temporary credential request)
  std::string nonce;      // chosen by the caller (random, unique per timestamp)
  std::string timestamp;  // decimal seconds since 1970, chosen by the caller
  std::string realm;      // "" = no realm
  std::string version = "1.0";  // "" = omit oauth_version (it is OPTIONAL)
  Params extra_protocol_params;  // other oauth_* parameters: oauth_callback, oauth_verifier
};

struct Signed {
  std::string authorization;  // the Authorization header value
  std::string base_string;
  std::string signature;      // base64, not percent-encoded
};

Result<Signed> Sign(const SignRequest& request, const std::string& consumer_secret,
                    const std::string& token_secret);

struct HttpRequest {
  std::string method;
  std::string url;            // absolute, as the client addressed it (Host header + target)
  std::string authorization;  // "" if absent
  std::string content_type;   // "" if absent
  std::string body;           // its parameters count only if form-encoded
};

struct ParsedRequest {
  std::string consumer_key, token, nonce, signature_method, signature, version, realm;
  int64_t timestamp = 0;
  std::string base_string;
};

// Sections 3.4.1.3.1 and 3.5: collects the parameters from the query, the Authorization
// header and a form-encoded body; protocol parameters must all come from one place and
// appear once. Missing or duplicated parameters and a signature method other than HMAC-SHA1
// are kMalformed / kUnsupported (HTTP 400 in section 3.2).
Result<ParsedRequest> ParseRequest(const HttpRequest& request);

// Timestamp within now +- max_skew, then the signature in constant time: kDenied with
// reason "timestamp" or "signature" (HTTP 401).
[[nodiscard]] Status VerifySignature(const ParsedRequest& request,
                                     const std::string& consumer_secret,
                                     const std::string& token_secret, int64_t now,
                                     int64_t max_skew);

// Both steps; `lookup` returns false for an unknown consumer key / token (kDenied).
using SecretLookup = std::function<bool(const std::string& consumer_key,
                                        const std::string& token, std::string* consumer_secret,
                                        std::string* token_secret)>;
Result<ParsedRequest> VerifyRequest(const HttpRequest& request, const SecretLookup& lookup,
                                    int64_t now, int64_t max_skew);

}  // namespace wee::auth::oauth1
