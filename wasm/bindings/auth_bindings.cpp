// Exports of wasm/src/auth (js/src/core/auth.js wraps them). Structured inputs and results
// are JSON text (camelCase members, bytes as lowercase hex); keys and secrets travel as
// separate byte arguments where they can. Times are doubles of seconds: this Emscripten
// would split an int64 argument into two halves.
#include <cmath>

#include "abi.h"
#include "auth/entitlement.h"
#include "auth/json_util.h"
#include "auth/jwt.h"
#include "auth/key_seed.h"
#include "auth/oauth1.h"
#include "base/encoding.h"

using namespace wee;
using namespace wee::auth;
using json = wee::Json;

namespace {

constexpr double kMaxExactDouble = 9007199254740992.0;  // 2^53

Status ToSeconds(double value, const char* what, int64_t* out) {
  if (!std::isfinite(value) || std::fabs(value) > kMaxExactDouble)
    return InvalidArgument(std::string(what) + " is not a finite number of seconds");
  *out = int64_t(std::floor(value));
  return Status::Ok();
}

Status ToSize(double value, const char* what, size_t* out) {
  if (!std::isfinite(value) || value < 1 || value > 1 << 30)
    return InvalidArgument(std::string(what) + " must be 1..2^30");
  *out = size_t(value);
  return Status::Ok();
}

Result<json> ParseArgument(const char* text, size_t size, const char* what) {
  auto parsed = ParseJsonStrict(abi::Text(text, size), what);
  if (!parsed.ok()) return InvalidArgument(parsed.status().message());
  if (!parsed->is_object()) return InvalidArgument(std::string(what) + " is not a JSON object");
  return parsed;
}

json OptionalSeconds(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

// Returns text that held key material and wipes the local copy.
int ReturnSecretText(std::string& text) {
  int code = abi::ReturnText(text);
  SecureZero(text.data(), text.size());
  return code;
}

// The typed members of a JSON argument (absent = default).
struct Args {
  const json& object;
  const char* what;
  Status status;

  std::string String(const char* name) {
    std::string out;
    bool present;
    if (status.ok()) status = GetString(object, name, what, &out, &present);
    return out;
  }
  bool Bool(const char* name) {
    bool out = false, present;
    if (status.ok()) status = GetBool(object, name, what, &out, &present);
    return out;
  }
  std::optional<int64_t> Seconds(const char* name) {
    int64_t out = 0;
    bool present = false;
    if (status.ok()) status = GetInt(object, name, what, -(int64_t(1) << 53), int64_t(1) << 53,
                                     &out, &present);
    return present ? std::optional<int64_t>(out) : std::nullopt;
  }
  Bytes Hex(const json& value, const char* name, size_t size) {
    Bytes out;
    if (!status.ok()) return out;
    if (!value.is_string() || !HexDecode(value.get_ref<const std::string&>(), &out) ||
        out.size() != size) {
      status = InvalidArgument(std::string(what) + ": " + name + " is not " +
                               std::to_string(size) + " bytes of hex");
    }
    return out;
  }
  oauth1::Params Pairs(const char* name) {
    oauth1::Params out;
    auto it = object.find(name);
    if (!status.ok() || it == object.end()) return out;
    bool ok = it->is_array();
    for (size_t i = 0; ok && i < it->size(); ++i) {
      const json& pair = (*it)[i];
      ok = pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string();
      if (ok) out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
    if (!ok) status = InvalidArgument(std::string(what) + "." + name +
                                      " is not a list of [name, value] strings");
    return out;
  }
};

json ParsedOAuthJson(const oauth1::ParsedRequest& r) {
  return {{"consumerKey", r.consumer_key}, {"token", r.token}, {"nonce", r.nonce},
          {"timestamp", r.timestamp}, {"signatureMethod", r.signature_method},
          {"version", r.version}, {"realm", r.realm}, {"baseString", r.base_string}};
}

Result<oauth1::HttpRequest> OAuthHttpRequest(const char* request, size_t request_size,
                                             const uint8_t* body, size_t body_size) {
  auto parsed = ParseArgument(request, request_size, "OAuth request");
  if (!parsed.ok()) return parsed.status();
  Args args{*parsed, "OAuth request", Status::Ok()};
  oauth1::HttpRequest out;
  out.method = args.String("method");
  out.url = args.String("url");
  out.authorization = args.String("authorization");
  out.content_type = args.String("contentType");
  if (!args.status.ok()) return args.status;
  if (body_size > oauth1::kMaxBodySize) return LimitExceeded("OAuth request body is too large");
  out.body = abi::Span(body, body_size).ToString();
  return out;
}

}  // namespace

// payload: JSON object; header: JSON object or empty. Result: the compact token.
WEE_EXPORT int wee_jwt_sign(const char* payload, size_t payload_size, const uint8_t* key,
                            size_t key_size, const char* header, size_t header_size) {
  auto claims = ParseArgument(payload, payload_size, "JWT payload");
  if (!claims.ok()) return abi::Return(claims.status());
  json protected_header = nullptr;
  if (header_size > 0) {
    auto parsed = ParseArgument(header, header_size, "JWT header");
    if (!parsed.ok()) return abi::Return(parsed.status());
    protected_header = std::move(parsed).value();
  }
  auto token = JwtSignHs256(*claims, abi::Span(key, key_size), protected_header);
  if (!token.ok()) return abi::Return(token.status());
  return abi::ReturnText(*token);
}

// Result: {"header": {...}, "payload": {...}}.
WEE_EXPORT int wee_jwt_verify(const char* token, size_t token_size, const uint8_t* key,
                              size_t key_size, double now, double clock_skew, double max_size) {
  JwtVerifyOptions options;
  Status s = ToSeconds(now, "now", &options.now);
  if (s.ok()) s = ToSeconds(clock_skew, "clock skew", &options.clock_skew);
  if (s.ok()) s = ToSize(max_size, "maximum token size", &options.max_size);
  if (!s.ok()) return abi::Return(s);
  auto jwt = JwtVerifyHs256(abi::Text(token, token_size), abi::Span(key, key_size), options);
  if (!jwt.ok()) return abi::Return(jwt.status());
  return abi::ReturnText(DumpJson({{"header", jwt->header}, {"payload", jwt->payload}}));
}

// requested_kids: 16-byte KIDs back to back (may be empty). Result: the entitlement as JSON.
WEE_EXPORT int wee_entitlement_verify(const char* token, size_t token_size,
                                      const uint8_t* communication_key, size_t key_size,
                                      const char* com_key_id, size_t com_key_id_size,
                                      const uint8_t* requested_kids, size_t requested_size,
                                      double now, double clock_skew, double max_size) {
  EntitlementVerifyOptions options;
  Status s = ToSeconds(now, "now", &options.jwt.now);
  if (s.ok()) s = ToSeconds(clock_skew, "clock skew", &options.jwt.clock_skew);
  if (s.ok()) s = ToSize(max_size, "maximum token size", &options.jwt.max_size);
  if (s.ok() && requested_size % 16 != 0)
    s = InvalidArgument("requested KIDs are not a multiple of 16 bytes");
  if (!s.ok()) return abi::Return(s);
  options.com_key_id = abi::Text(com_key_id, com_key_id_size);
  for (size_t i = 0; i < requested_size; i += 16)
    options.requested_kids.push_back(abi::Span(requested_kids + i, 16).ToBytes());
  auto ent = VerifyEntitlement(abi::Text(token, token_size),
                               abi::Span(communication_key, key_size), options);
  if (!ent.ok()) return abi::Return(ent.status());

  // The keys array is written by hand so that the clear keys live only in `text`.
  std::string text = "{\"kids\":[";
  for (size_t i = 0; i < ent->keys.size(); ++i) {
    const EntitledKey& key = ent->keys[i];
    if (i) text += ',';
    text += "{\"kid\":\"" + HexEncode(key.kid) + "\",\"key\":";
    if (key.key.empty()) {
      text += "null";
    } else {
      std::string hex = HexEncode(key.key.span());
      text += "\"" + hex + "\"";
      SecureZero(hex.data(), hex.size());
    }
    text += ",\"usagePolicy\":" + (key.usage_policy.empty() ? "null" : DumpJson(key.usage_policy));
    text += ",\"seedId\":" + (key.seed_id.empty() ? "null" : DumpJson(key.seed_id)) + "}";
  }
  json rest = {{"id", ent->id.empty() ? json(nullptr) : json(ent->id)},
               {"comKeyId", ent->com_key_id},
               {"messageVersion", ent->message_version},
               {"anyKid", ent->any_kid},
               {"allowPersistence", ent->allow_persistence},
               {"preventReuse", ent->prevent_reuse},
               {"tokenExpiration", OptionalSeconds(ent->token_expiration)},
               {"licenseStart", OptionalSeconds(ent->license_start)},
               {"licenseExpiration", OptionalSeconds(ent->license_expiration)},
               {"duration", OptionalSeconds(ent->duration)},
               {"header", ent->header},
               {"payload", ent->payload}};
  std::string rest_text = DumpJson(rest);
  text += "]," + rest_text.substr(1);  // rest_text is "{...}": splice its members in
  return ReturnSecretText(text);
}

// spec: {comKeyId, id?, beginDate?, expirationDate?, messageVersion?, anyKid?,
// allowPersistence?, licenseStart?, licenseExpiration?, duration?,
// keys: [{kid: hex, key?: hex, usagePolicy?}]}. Result: the signed token.
WEE_EXPORT int wee_entitlement_make(const char* spec_json, size_t spec_size,
                                    const uint8_t* communication_key, size_t key_size) {
  auto parsed = ParseArgument(spec_json, spec_size, "entitlement spec");
  if (!parsed.ok()) return abi::Return(parsed.status());
  Args args{*parsed, "entitlement spec", Status::Ok()};
  EntitlementSpec spec;
  spec.com_key_id = args.String("comKeyId");
  spec.id = args.String("id");
  spec.begin_date = args.Seconds("beginDate");
  spec.expiration_date = args.Seconds("expirationDate");
  spec.license_start = args.Seconds("licenseStart");
  spec.license_expiration = args.Seconds("licenseExpiration");
  spec.duration = args.Seconds("duration");
  spec.any_kid = args.Bool("anyKid");
  spec.allow_persistence = args.Bool("allowPersistence");
  auto version = args.Seconds("messageVersion");
  if (version) spec.message_version = *version == 1 || *version == 2 ? int(*version) : 0;
  auto keys = parsed->find("keys");
  if (args.status.ok() && keys != parsed->end()) {
    if (!keys->is_array()) args.status = InvalidArgument("entitlement spec: keys is not a list");
    for (size_t i = 0; args.status.ok() && i < keys->size(); ++i) {
      const json& entry = (*keys)[i];
      if (!entry.is_object()) {
        args.status = InvalidArgument("entitlement spec: keys[" + std::to_string(i) +
                                      "] is not an object");
        break;
      }
      Args key_args{entry, "entitlement spec key", Status::Ok()};
      EntitlementSpec::Key key;
      key.kid = key_args.Hex(entry.contains("kid") ? entry["kid"] : json(), "kid", 16);
      if (entry.contains("key") && !entry["key"].is_null())
        key.key = key_args.Hex(entry["key"], "key", 16);
      key.usage_policy = key_args.String("usagePolicy");
      args.status = key_args.status;
      spec.keys.push_back(std::move(key));
    }
  }
  if (!args.status.ok()) return abi::Return(args.status);
  auto token = MakeEntitlement(spec, abi::Span(communication_key, key_size));
  for (auto& key : spec.keys) SecureZero(key.key.data(), key.key.size());
  if (!token.ok()) return abi::Return(token.status());
  return abi::ReturnText(*token);
}

// A key seed as text (hex, base64, base64url; see DecodeKeySeedText) -> its bytes.
WEE_EXPORT int wee_keyseed_decode(const char* text, size_t text_size) {
  auto seed = DecodeKeySeedText(abi::Text(text, text_size));
  if (!seed.ok()) return abi::Return(seed.status());
  return abi::ReturnBytes(seed->span().ToBytes());
}

// seed: >= 30 bytes; kid: 16 bytes in UUID order. Result: the 16-byte content key.
WEE_EXPORT int wee_keyseed_derive(const uint8_t* seed, size_t seed_size, const uint8_t* kid,
                                  size_t kid_size) {
  auto key = DeriveKeyFromSeed(abi::Span(seed, seed_size), abi::Span(kid, kid_size));
  if (!key.ok()) return abi::Return(key.status());
  return abi::ReturnBytes(key->span().ToBytes());
}

// request: {method, url, consumerKey, token?, nonce, timestamp (string), realm?, version?,
// bodyParams?: [[name, value]], extraParams?: [[oauth_name, value]]}.
// Result: {authorization, baseString, signature}.
WEE_EXPORT int wee_oauth_sign(const char* request, size_t request_size,
                              const char* consumer_secret, size_t consumer_secret_size,
                              const char* token_secret, size_t token_secret_size) {
  auto parsed = ParseArgument(request, request_size, "OAuth request");
  if (!parsed.ok()) return abi::Return(parsed.status());
  Args args{*parsed, "OAuth request", Status::Ok()};
  oauth1::SignRequest sign;
  sign.method = args.String("method");
  sign.url = args.String("url");
  sign.consumer_key = args.String("consumerKey");
  sign.token = args.String("token");
  sign.nonce = args.String("nonce");
  sign.timestamp = args.String("timestamp");
  sign.realm = args.String("realm");
  if (parsed->contains("version")) sign.version = args.String("version");
  sign.body_params = args.Pairs("bodyParams");
  sign.extra_protocol_params = args.Pairs("extraParams");
  if (!args.status.ok()) return abi::Return(args.status);
  auto out = oauth1::Sign(sign, abi::Text(consumer_secret, consumer_secret_size),
                          abi::Text(token_secret, token_secret_size));
  if (!out.ok()) return abi::Return(out.status());
  return abi::ReturnText(DumpJson({{"authorization", out->authorization},
                                   {"baseString", out->base_string},
                                   {"signature", out->signature}}));
}

// request: {method, url, authorization?, contentType?}; body: the raw body.
// Result: {consumerKey, token, nonce, timestamp, signatureMethod, version, realm, baseString}.
WEE_EXPORT int wee_oauth_parse(const char* request, size_t request_size, const uint8_t* body,
                               size_t body_size) {
  auto http = OAuthHttpRequest(request, request_size, body, body_size);
  if (!http.ok()) return abi::Return(http.status());
  auto parsed = oauth1::ParseRequest(*http);
  if (!parsed.ok()) return abi::Return(parsed.status());
  return abi::ReturnText(DumpJson(ParsedOAuthJson(*parsed)));
}

// As wee_oauth_parse, then the timestamp window and the signature with the given secrets.
WEE_EXPORT int wee_oauth_verify(const char* request, size_t request_size, const uint8_t* body,
                                size_t body_size, const char* consumer_secret,
                                size_t consumer_secret_size, const char* token_secret,
                                size_t token_secret_size, double now, double max_skew) {
  int64_t now_seconds, skew;
  Status s = ToSeconds(now, "now", &now_seconds);
  if (s.ok()) s = ToSeconds(max_skew, "maximum skew", &skew);
  if (!s.ok()) return abi::Return(s);
  auto http = OAuthHttpRequest(request, request_size, body, body_size);
  if (!http.ok()) return abi::Return(http.status());
  auto parsed = oauth1::ParseRequest(*http);
  if (!parsed.ok()) return abi::Return(parsed.status());
  s = oauth1::VerifySignature(*parsed, abi::Text(consumer_secret, consumer_secret_size),
                              abi::Text(token_secret, token_secret_size), now_seconds, skew);
  if (!s.ok()) return abi::Return(s);
  return abi::ReturnText(DumpJson(ParsedOAuthJson(*parsed)));
}
