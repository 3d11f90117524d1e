#include "auth/entitlement.h"

#include <algorithm>
#include <cctype>

#include "auth/json_util.h"
#include "auth/rfc3339.h"
#include "base/encoding.h"
#include "crypto/aes.h"

namespace wee::auth {
namespace {

using json = wee::Json;

constexpr size_t kKidSize = 16;
constexpr size_t kContentKeySize = 16;
constexpr int64_t kMaxDuration = int64_t(100) * 365 * 24 * 3600;

// Member names, as the Axinom documentation spells them.
constexpr char kVersion[] = "version";
constexpr char kComKeyId[] = "com_key_id";
constexpr char kMessage[] = "message";
constexpr char kId[] = "id";
constexpr char kBeginDate[] = "begin_date";
constexpr char kExpirationDate[] = "expiration_date";
constexpr char kType[] = "type";
constexpr char kEntitlementMessage[] = "entitlement_message";
constexpr char kLicense[] = "license";
constexpr char kStartDatetime[] = "start_datetime";
constexpr char kExpirationDatetime[] = "expiration_datetime";
constexpr char kDuration[] = "duration";
constexpr char kAllowPersistence[] = "allow_persistence";
constexpr char kContentKeysSource[] = "content_keys_source";
constexpr char kInline[] = "inline";
constexpr char kStored[] = "stored";
constexpr char kLicenseRequest[] = "license_request";
constexpr char kEncryptedKey[] = "encrypted_key";
constexpr char kUsagePolicy[] = "usage_policy";
constexpr char kSeedId[] = "seed_id";
constexpr char kLicenseServer[] = "license_server";
constexpr char kAccessControl[] = "access_control";
constexpr char kPreventReuse[] = "prevent_drm_message_reuse";
constexpr char kPersistent[] = "persistent";
constexpr char kKeysBasedOnRequest[] = "keys_based_on_request";
constexpr char kKeys[] = "keys";
constexpr char kKeyIds[] = "key_ids";
constexpr char kKeySeedId[] = "key_seed_id";

// Entitlement content errors are the token's fault: denied, reason malformed.
Status Bad(const std::string& detail) { return Denied(reason::kMalformed, detail); }
Status AsBad(const Status& s) { return s.ok() ? s : Bad(s.message()); }

Status GetDate(const json& object, const char* name, const std::string& where,
               std::optional<int64_t>* out) {
  std::string text;
  bool present;
  WEE_RETURN_IF_ERROR(AsBad(GetString(object, name, where, &text, &present)));
  if (!present) return Status::Ok();
  int64_t seconds;
  if (!ParseRfc3339(text, &seconds))
    return Bad(where + "." + name + " '" + text + "' is not an RFC 3339 date-time");
  *out = seconds;
  return Status::Ok();
}

Status GetObject(const json& parent, const char* name, const std::string& where,
                 const json** out) {
  *out = nullptr;
  auto it = parent.find(name);
  if (it == parent.end()) return Status::Ok();
  if (!it->is_object()) return Bad(where + "." + name + " is not an object");
  *out = &*it;
  return Status::Ok();
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y));
         });
}

// One element of inline / stored / keys (objects) or key_ids (GUID strings).
Status ParseKeyEntry(const json& entry, const std::string& where, ByteSpan communication_key,
                     std::vector<EntitledKey>* keys) {
  EntitledKey key;
  std::string id, encrypted;
  bool has_id = false, has_encrypted = false, present;
  if (entry.is_string()) {
    id = entry.get_ref<const std::string&>();
    has_id = true;
  } else if (entry.is_object()) {
    WEE_RETURN_IF_ERROR(AsBad(GetString(entry, kId, where, &id, &has_id)));
    WEE_RETURN_IF_ERROR(AsBad(GetString(entry, kEncryptedKey, where, &encrypted,
                                        &has_encrypted)));
    WEE_RETURN_IF_ERROR(AsBad(GetString(entry, kUsagePolicy, where, &key.usage_policy,
                                        &present)));
    WEE_RETURN_IF_ERROR(AsBad(GetString(entry, kSeedId, where, &key.seed_id, &present)));
    if (!present)
      WEE_RETURN_IF_ERROR(AsBad(GetString(entry, kKeySeedId, where, &key.seed_id, &present)));
  } else {
    return Bad(where + " is neither an object nor a GUID string");
  }
  if (!has_id) return Bad(where + " has no id");
  if (!ParseGuid(id, &key.kid)) return Bad(where + ".id '" + id.substr(0, 64) + "' is not a GUID");
  if (has_encrypted) {
    Bytes ciphertext;
    if (!Base64Decode(encrypted, Padding::kOptional, &ciphertext))
      return Bad(where + ".encrypted_key is not base64");
    auto clear = DecryptContentKey(communication_key, key.kid, ciphertext);
    if (!clear.ok()) return Bad(where + ".encrypted_key: " + clear.status().message());
    key.key = std::move(clear).value();
  }
  for (const EntitledKey& other : *keys)
    if (other.kid == key.kid) return Bad(where + " repeats KID " + HexEncode(key.kid));
  if (keys->size() >= kMaxEntitledKeys)
    return Bad("more than " + std::to_string(kMaxEntitledKeys) + " keys");
  keys->push_back(std::move(key));
  return Status::Ok();
}

Status ParseKeyList(const json& parent, const char* name, const std::string& where,
                    ByteSpan communication_key, std::vector<EntitledKey>* keys) {
  auto it = parent.find(name);
  if (it == parent.end()) return Status::Ok();
  std::string field = where + "." + name;
  if (!it->is_array()) return Bad(field + " is not an array");
  for (size_t i = 0; i < it->size(); ++i) {
    WEE_RETURN_IF_ERROR(ParseKeyEntry((*it)[i], field + "[" + std::to_string(i) + "]",
                                      communication_key, keys));
  }
  return Status::Ok();
}

Status ParseMessageV2(const json& message, ByteSpan communication_key, Entitlement* out) {
  const json* license;
  WEE_RETURN_IF_ERROR(GetObject(message, kLicense, "message", &license));
  if (license) {
    const std::string where = "message.license";
    bool present;
    WEE_RETURN_IF_ERROR(GetDate(*license, kStartDatetime, where, &out->license_start));
    WEE_RETURN_IF_ERROR(GetDate(*license, kExpirationDatetime, where, &out->license_expiration));
    int64_t duration;
    WEE_RETURN_IF_ERROR(AsBad(GetInt(*license, kDuration, where, 0, kMaxDuration, &duration,
                                     &present)));
    if (present) out->duration = duration;
    WEE_RETURN_IF_ERROR(AsBad(GetBool(*license, kAllowPersistence, where,
                                      &out->allow_persistence, &present)));
  }
  const json* source;
  WEE_RETURN_IF_ERROR(GetObject(message, kContentKeysSource, "message", &source));
  if (source) {
    // "exactly one content keys source must be specified at a time"
    int sources = int(source->count(kInline) + source->count(kStored) +
                      source->count(kLicenseRequest));
    if (sources != 1) {
      return Bad("message.content_keys_source names " + std::to_string(sources) +
                 " sources; exactly one of inline, stored, license_request is allowed");
    }
    const std::string where = "message.content_keys_source";
    WEE_RETURN_IF_ERROR(ParseKeyList(*source, kInline, where, communication_key, &out->keys));
    WEE_RETURN_IF_ERROR(ParseKeyList(*source, kStored, where, communication_key, &out->keys));
    const json* request;
    WEE_RETURN_IF_ERROR(GetObject(*source, kLicenseRequest, where, &request));
    out->any_kid = request != nullptr;
  }
  // Without a content_keys_source no key is entitled (Axinom: "only useful for testing").
  const json *server, *access = nullptr;
  WEE_RETURN_IF_ERROR(GetObject(message, kLicenseServer, "message", &server));
  if (server) WEE_RETURN_IF_ERROR(GetObject(*server, kAccessControl, "message.license_server",
                                            &access));
  if (access) {
    bool present;
    WEE_RETURN_IF_ERROR(AsBad(GetBool(*access, kPreventReuse,
                                      "message.license_server.access_control",
                                      &out->prevent_reuse, &present)));
  }
  return Status::Ok();
}

Status ParseMessageV1(const json& message, ByteSpan communication_key, Entitlement* out) {
  bool present;
  WEE_RETURN_IF_ERROR(AsBad(GetBool(message, kPersistent, "message", &out->allow_persistence,
                                    &present)));
  WEE_RETURN_IF_ERROR(GetDate(message, kBeginDate, "message", &out->license_start));
  WEE_RETURN_IF_ERROR(GetDate(message, kExpirationDate, "message", &out->license_expiration));
  WEE_RETURN_IF_ERROR(AsBad(GetBool(message, kKeysBasedOnRequest, "message", &out->any_kid,
                                    &present)));
  WEE_RETURN_IF_ERROR(ParseKeyList(message, kKeys, "message", communication_key, &out->keys));
  WEE_RETURN_IF_ERROR(ParseKeyList(message, kKeyIds, "message", communication_key, &out->keys));
  return Status::Ok();
}

std::string DateText(int64_t seconds) { return FormatRfc3339(seconds); }

}  // namespace

const EntitledKey* Entitlement::Find(ByteSpan kid) const {
  for (const EntitledKey& key : keys)
    if (ByteSpan(key.kid) == kid) return &key;
  return nullptr;
}

bool ParseGuid(const std::string& text, Bytes* out) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return false;
  }
  std::string hex = text.substr(0, 8) + text.substr(9, 4) + text.substr(14, 4) +
                    text.substr(19, 4) + text.substr(24);
  return HexDecode(hex, out);
}

Result<Bytes> EncryptContentKey(ByteSpan communication_key, ByteSpan kid, ByteSpan key) {
  if (communication_key.size != kCommunicationKeySize)
    return InvalidArgument("communication key must be 32 bytes");
  if (kid.size != kKidSize) return InvalidArgument("KID must be 16 bytes");
  if (key.size != kContentKeySize) return InvalidArgument("content key must be 16 bytes");
  auto aes = Aes::Create(communication_key, Aes::Direction::kEncrypt);
  if (!aes.ok()) return aes.status();
  uint8_t iv[16];
  std::copy(kid.begin(), kid.end(), iv);
  Bytes out(kContentKeySize);
  (*aes)->CbcEncrypt(iv, key.data, out.data(), out.size());
  return out;
}

Result<SecretBytes> DecryptContentKey(ByteSpan communication_key, ByteSpan kid,
                                      ByteSpan encrypted_key) {
  if (communication_key.size != kCommunicationKeySize)
    return InvalidArgument("communication key must be 32 bytes");
  if (kid.size != kKidSize) return InvalidArgument("KID must be 16 bytes");
  if (encrypted_key.size != kContentKeySize) {
    return Malformed("encrypted key is " + std::to_string(encrypted_key.size) +
                     " bytes, expected 16");
  }
  auto aes = Aes::Create(communication_key, Aes::Direction::kDecrypt);
  if (!aes.ok()) return aes.status();
  uint8_t iv[16], clear[16];
  std::copy(kid.begin(), kid.end(), iv);
  (*aes)->CbcDecrypt(iv, encrypted_key.data, clear, sizeof(clear));
  SecretBytes key(ByteSpan(clear, sizeof(clear)));
  SecureZero(clear, sizeof(clear));
  return key;
}

Result<Entitlement> VerifyEntitlement(const std::string& token, ByteSpan communication_key,
                                      const EntitlementVerifyOptions& options) {
  if (communication_key.size != kCommunicationKeySize) {
    return InvalidArgument("communication key is " + std::to_string(communication_key.size) +
                           " bytes, expected 32");
  }
  for (const Bytes& kid : options.requested_kids)
    if (kid.size() != kKidSize) return InvalidArgument("requested KID must be 16 bytes");
  auto jwt = JwtVerifyHs256(token, communication_key, options.jwt);
  if (!jwt.ok()) return jwt.status();
  const json& envelope = jwt->payload;
  const int64_t now = options.jwt.now, skew = options.jwt.clock_skew;

  Entitlement result;
  bool present;
  int64_t version;
  WEE_RETURN_IF_ERROR(AsBad(GetInt(envelope, kVersion, "envelope", 0, 1000, &version,
                                   &present)));
  if (!present) return Bad("envelope has no version");
  if (version != 1)
    return Denied(reason::kUnsupported, "envelope version " + std::to_string(version));
  WEE_RETURN_IF_ERROR(AsBad(GetString(envelope, kComKeyId, "envelope", &result.com_key_id,
                                      &present)));
  if (!present) return Bad("envelope has no com_key_id");
  if (!options.com_key_id.empty() && !EqualsIgnoreCase(result.com_key_id, options.com_key_id)) {
    return Denied(reason::kComKeyId, "token names communication key " + result.com_key_id +
                                         ", not " + options.com_key_id);
  }
  WEE_RETURN_IF_ERROR(AsBad(GetString(envelope, kId, "envelope", &result.id, &present)));

  // The envelope's validity, with the same leeway as exp/nbf.
  std::optional<int64_t> begin, expiration;
  WEE_RETURN_IF_ERROR(GetDate(envelope, kBeginDate, "envelope", &begin));
  WEE_RETURN_IF_ERROR(GetDate(envelope, kExpirationDate, "envelope", &expiration));
  if (begin && now + skew < *begin)
    return Denied(reason::kNotYetValid, "envelope begin_date " + DateText(*begin) +
                                            " is after now " + DateText(now));
  if (expiration && now >= *expiration + skew)
    return Denied(reason::kExpired, "envelope expiration_date " + DateText(*expiration) +
                                        " is not after now " + DateText(now));
  result.token_expiration = expiration;
  auto exp = envelope.find("exp");
  if (exp != envelope.end()) {  // a number: JwtVerifyHs256 checked it
    double e = exp->get<double>();
    int64_t seconds = e >= 9e15 ? int64_t(9e15) : e <= -9e15 ? int64_t(-9e15) : int64_t(e);
    if (!result.token_expiration || seconds < *result.token_expiration)
      result.token_expiration = seconds;
  }

  auto message = envelope.find(kMessage);
  if (message == envelope.end()) return Bad("envelope has no message");
  if (!message->is_object()) return Bad("envelope.message is not an object");
  std::string type;
  WEE_RETURN_IF_ERROR(AsBad(GetString(*message, kType, "message", &type, &present)));
  if (type != kEntitlementMessage)
    return Bad("message.type is '" + type + "', not entitlement_message");
  int64_t message_version = 1;
  WEE_RETURN_IF_ERROR(AsBad(GetInt(*message, kVersion, "message", 0, 1000, &message_version,
                                   &present)));
  result.message_version = int(message_version);
  if (message_version == 2) {
    WEE_RETURN_IF_ERROR(ParseMessageV2(*message, communication_key, &result));
  } else if (message_version == 1) {
    WEE_RETURN_IF_ERROR(ParseMessageV1(*message, communication_key, &result));
  } else {
    return Denied(reason::kUnsupported,
                  "entitlement message version " + std::to_string(message_version));
  }

  // A Clear Key license cannot carry a start date, and an expired one grants nothing.
  if (result.license_start && now + skew < *result.license_start)
    return Denied(reason::kLicenseWindow, "license starts at " + DateText(*result.license_start));
  if (result.license_expiration && now >= *result.license_expiration + skew) {
    return Denied(reason::kLicenseWindow,
                  "license expired at " + DateText(*result.license_expiration));
  }
  WEE_RETURN_IF_ERROR(CheckKidsEntitled(result, options.requested_kids));
  result.header = std::move(jwt->header);
  result.payload = std::move(jwt->payload);
  return result;
}

Status CheckKidsEntitled(const Entitlement& entitlement, const std::vector<Bytes>& kids) {
  if (entitlement.any_kid) return Status::Ok();
  for (const Bytes& kid : kids) {
    if (!entitlement.Find(kid))
      return Denied(reason::kKidNotEntitled, "KID " + HexEncode(kid) + " is not entitled");
  }
  return Status::Ok();
}

Result<std::string> MakeEntitlement(const EntitlementSpec& spec, ByteSpan communication_key) {
  if (communication_key.size != kCommunicationKeySize)
    return InvalidArgument("communication key must be 32 bytes");
  Bytes ignored;
  if (!ParseGuid(spec.com_key_id, &ignored))
    return InvalidArgument("com_key_id '" + spec.com_key_id + "' is not a GUID");
  if (spec.message_version != 1 && spec.message_version != 2)
    return InvalidArgument("message version must be 1 or 2");
  if (spec.duration && (*spec.duration < 0 || *spec.duration > kMaxDuration))
    return InvalidArgument("license duration is out of range");
  if (spec.keys.size() > kMaxEntitledKeys) return InvalidArgument("too many keys");
  if (spec.any_kid && !spec.keys.empty() && spec.message_version == 2)
    return InvalidArgument("a v2 license_request source lists no keys");

  json keys = json::array();
  for (const EntitlementSpec::Key& key : spec.keys) {
    if (key.kid.size() != kKidSize) return InvalidArgument("KID must be 16 bytes");
    json entry = {{kId, UuidString(key.kid)}};
    if (!key.key.empty()) {
      auto encrypted = EncryptContentKey(communication_key, key.kid, key.key);
      if (!encrypted.ok()) return encrypted.status();
      entry[kEncryptedKey] = Base64Encode(*encrypted);
    }
    if (!key.usage_policy.empty()) {
      if (spec.message_version == 1) return InvalidArgument("usage_policy needs message v2");
      entry[kUsagePolicy] = key.usage_policy;
    }
    keys.push_back(std::move(entry));
  }

  json message = {{kType, kEntitlementMessage}};
  if (spec.message_version == 2) {
    message[kVersion] = 2;
    json license = {{kAllowPersistence, spec.allow_persistence}};
    if (spec.license_start) license[kStartDatetime] = FormatRfc3339(*spec.license_start);
    if (spec.license_expiration)
      license[kExpirationDatetime] = FormatRfc3339(*spec.license_expiration);
    if (spec.duration) license[kDuration] = *spec.duration;
    message[kLicense] = std::move(license);
    message[kContentKeysSource] = spec.any_kid ? json{{kLicenseRequest, json::object()}}
                                               : json{{kInline, std::move(keys)}};
  } else {
    if (spec.duration) return InvalidArgument("license duration needs message v2");
    message[kPersistent] = spec.allow_persistence;
    if (spec.license_start) message[kBeginDate] = FormatRfc3339(*spec.license_start);
    if (spec.license_expiration)
      message[kExpirationDate] = FormatRfc3339(*spec.license_expiration);
    if (spec.any_kid) message[kKeysBasedOnRequest] = true;
    message[kKeys] = std::move(keys);
  }

  json envelope = {{kVersion, 1}, {kComKeyId, spec.com_key_id}, {kMessage, std::move(message)}};
  if (!spec.id.empty()) envelope[kId] = spec.id;
  if (spec.begin_date) envelope[kBeginDate] = FormatRfc3339(*spec.begin_date);
  if (spec.expiration_date) envelope[kExpirationDate] = FormatRfc3339(*spec.expiration_date);
  return JwtSignHs256(envelope, communication_key);
}

}  // namespace wee::auth
