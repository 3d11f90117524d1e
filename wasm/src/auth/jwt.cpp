#include "auth/jwt.h"

#include <cmath>

#include "auth/json_util.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace wee::auth {
namespace {

using json = wee::Json;

constexpr char kHs256[] = "HS256";
constexpr size_t kHs256MacSize = 32;

// A NumericDate claim (RFC 7519 section 2: may be non-integer) as a double.
Status ReadNumericDate(const json& claims, const char* name, double* out, bool* present) {
  *present = false;
  auto it = claims.find(name);
  if (it == claims.end()) return Status::Ok();
  if (!it->is_number()) return Denied(reason::kMalformed, std::string("claim ") + name +
                                                              " is not a NumericDate");
  *out = it->get<double>();
  if (!std::isfinite(*out)) return Denied(reason::kMalformed, std::string("claim ") + name +
                                                                  " is not finite");
  *present = true;
  return Status::Ok();
}

Result<json> DecodeJsonSegment(const std::string& segment, const char* what) {
  Bytes decoded;
  if (!Base64UrlDecode(segment, Padding::kForbidden, &decoded))
    return Denied(reason::kMalformed, std::string(what) + " is not unpadded base64url");
  auto parsed = ParseJsonStrict(ByteSpan(decoded).ToString(), what);
  if (!parsed.ok()) return Denied(reason::kMalformed, parsed.status().message());
  if (!parsed->is_object()) return Denied(reason::kMalformed, std::string(what) +
                                                                  " is not a JSON object");
  return std::move(parsed).value();
}

}  // namespace

Status CheckHs256Key(ByteSpan key) {
  if (key.size < kMinHs256KeySize) {
    return InvalidArgument("HS256 key is " + std::to_string(key.size * 8) +
                           " bits; at least 256 are required");
  }
  return Status::Ok();
}

Status CheckVerifyOptions(const JwtVerifyOptions& options) {
  if (options.clock_skew < 0 || options.clock_skew > kMaxClockSkew)
    return InvalidArgument("clock skew must be 0.." + std::to_string(kMaxClockSkew) + " s");
  if (options.max_size == 0) return InvalidArgument("maximum token size is 0");
  return Status::Ok();
}

Result<std::string> JwtSignHs256(const json& payload, ByteSpan key, const json& header) {
  WEE_RETURN_IF_ERROR(CheckHs256Key(key));
  if (!payload.is_object()) return InvalidArgument("JWT payload must be a JSON object");
  if (!header.is_null() && !header.is_object())
    return InvalidArgument("JWT header must be a JSON object");
  auto alg = header.is_null() ? header.end() : header.find("alg");
  if (alg != header.end() && *alg != kHs256) return InvalidArgument("JWT header alg must be HS256");
  // alg and typ first, then the caller's members in their order (as common JWT libraries do).
  json protected_header = {{"alg", kHs256}};
  auto typ = header.is_null() ? header.end() : header.find("typ");
  protected_header["typ"] = typ != header.end() ? *typ : json("JWT");
  if (header.is_object()) {
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() != "alg" && it.key() != "typ") protected_header[it.key()] = it.value();
    }
  }
  std::string input = Base64UrlEncode(DumpJson(protected_header)) + "." +
                      Base64UrlEncode(DumpJson(payload));
  Bytes mac = Hmac(HashAlgorithm::kSha256, key, input);
  return input + "." + Base64UrlEncode(mac);
}

Result<Jwt> JwtVerifyHs256(const std::string& token, ByteSpan key,
                           const JwtVerifyOptions& options) {
  WEE_RETURN_IF_ERROR(CheckHs256Key(key));
  WEE_RETURN_IF_ERROR(CheckVerifyOptions(options));
  if (token.size() > options.max_size) {
    return Status(Code::kLimitExceeded, std::string(reason::kOversized) + ": token is " +
                                            std::to_string(token.size()) + " bytes, limit " +
                                            std::to_string(options.max_size));
  }
  // Section 7.1: exactly three base64url parts; a JWE (five parts) is not accepted here.
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos)
    return Denied(reason::kMalformed, "token is not three dot-separated parts");

  // Section 5.2 steps 2-5: the header decides nothing except that it must say HS256.
  auto header = DecodeJsonSegment(token.substr(0, dot1), "JWT header");
  if (!header.ok()) return header.status();
  auto alg = header->find("alg");
  if (alg == header->end()) return Denied(reason::kAlgorithm, "JWT header has no alg");
  if (!alg->is_string() || *alg != kHs256) {
    return Denied(reason::kAlgorithm,
                  "JWT alg " + DumpJson(*alg) + " is not the configured HS256");
  }
  // Section 4.1.11: an extension we do not understand must not be ignored.
  if (header->find("crit") != header->end())
    return Denied(reason::kUnsupported, "JWT header lists crit extensions");

  // Step 8: the MAC over the bytes as received. A signature that does not even decode (a
  // truncated one usually leaves stray bits) is a bad signature, not a bad token layout.
  Bytes signature;
  if (!Base64UrlDecode(token.substr(dot2 + 1), Padding::kForbidden, &signature))
    return Denied(reason::kSignature, "JWT signature is not unpadded base64url");
  if (signature.size() != kHs256MacSize) {
    return Denied(reason::kSignature, "JWT signature is " + std::to_string(signature.size()) +
                                          " bytes, HS256 gives 32");
  }
  Bytes expected = Hmac(HashAlgorithm::kSha256, key, ByteSpan(
      reinterpret_cast<const uint8_t*>(token.data()), dot2));
  if (!ConstantTimeEquals(signature, expected))
    return Denied(reason::kSignature, "JWT signature does not match");

  // Only now is the payload worth reading (RFC 7519 section 7.2 step 10: an object).
  auto payload = DecodeJsonSegment(token.substr(dot1 + 1, dot2 - dot1 - 1), "JWT payload");
  if (!payload.ok()) return payload.status();
  double exp, nbf;
  bool has_exp, has_nbf;
  WEE_RETURN_IF_ERROR(ReadNumericDate(*payload, "exp", &exp, &has_exp));
  WEE_RETURN_IF_ERROR(ReadNumericDate(*payload, "nbf", &nbf, &has_nbf));
  double now = double(options.now), skew = double(options.clock_skew);
  // RFC 7519 4.1.4: the current time MUST be before exp; 4.1.5: not before nbf.
  if (has_exp && now >= exp + skew) {
    return Denied(reason::kExpired, "JWT exp " + DumpJson((*payload)["exp"]) +
                                        " is not after now " + std::to_string(options.now));
  }
  if (has_nbf && now + skew < nbf) {
    return Denied(reason::kNotYetValid, "JWT nbf " + DumpJson((*payload)["nbf"]) +
                                            " is after now " + std::to_string(options.now));
  }
  Jwt jwt;
  jwt.header = std::move(header).value();
  jwt.payload = std::move(payload).value();
  return jwt;
}

}  // namespace wee::auth
