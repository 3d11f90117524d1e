#include "cdm/jwk.h"

#include "base/encoding.h"
#include "cdm/json_util.h"

namespace wee::cdm {
namespace {

// JSON member names and values (EME 9.1.4, RFC 7517 section 4 and RFC 7518 section 6.4).
const char kKeysTag[] = "keys";
const char kKeyTypeTag[] = "kty";
const char kKeyTypeOct[] = "oct";
const char kKeyTag[] = "k";
const char kKeyIdTag[] = "kid";
const char kTypeTag[] = "type";

// nlohmann keeps parsed strings on the heap: overwrite the "k" values before they are freed.
void WipeKeyStrings(Json& root) {
  auto keys = root.find(kKeysTag);
  if (keys == root.end() || !keys->is_array())
    return;
  for (auto& jwk : *keys) {
    if (!jwk.is_object())
      continue;
    auto k = jwk.find(kKeyTag);
    if (k == jwk.end() || !k->is_string())
      continue;
    auto& text = k->get_ref<std::string&>();
    SecureZero(text.data(), text.size());
  }
}

Result<JwkKey> ParseJwk(const Json& jwk, const std::string& where) {
  if (!jwk.is_object())
    return InvalidArgument(where + ": not an object");
  auto kty = jwk.find(kKeyTypeTag);
  if (kty == jwk.end())
    return InvalidArgument(where + "." + kKeyTypeTag + ": missing");
  if (!kty->is_string() || kty->get_ref<const std::string&>() != kKeyTypeOct) {
    return InvalidArgument(where + "." + kKeyTypeTag + ": not \"" + kKeyTypeOct + "\"");
  }
  auto kid = jwk.find(kKeyIdTag);
  if (kid == jwk.end())
    return InvalidArgument(where + "." + kKeyIdTag + ": missing");
  auto kid_bytes =
      DecodeBase64UrlMember(*kid, where + "." + kKeyIdTag, kMinKeyIdSize, kMaxKeyIdSize);
  if (!kid_bytes.ok())
    return kid_bytes.status();
  auto k = jwk.find(kKeyTag);
  if (k == jwk.end())
    return InvalidArgument(where + "." + kKeyTag + ": missing");
  auto key_bytes = DecodeBase64UrlMember(*k, where + "." + kKeyTag, kKeySize, kKeySize);
  if (!key_bytes.ok())
    return key_bytes.status();
  JwkKey out{std::move(kid_bytes).value(), SecretBytes(key_bytes.value())};
  SecureZero(key_bytes->data(), key_bytes->size());
  return out;
}

Result<JwkLicense> ParseKeySet(const Json& root) {
  auto keys = root.find(kKeysTag);
  if (keys == root.end() || !keys->is_array())
    return InvalidArgument(std::string(kKeysTag) + ": missing or not an array");
  if (keys->empty())
    return InvalidArgument(std::string(kKeysTag) + ": empty");
  if (keys->size() > kMaxKeyIds) {
    return InvalidArgument(std::string(kKeysTag) + ": " + std::to_string(keys->size()) +
                           " keys, at most " + std::to_string(kMaxKeyIds));
  }
  // Built in a local, returned only when every key is valid.
  JwkLicense license;
  for (size_t i = 0; i < keys->size(); ++i) {
    auto key = ParseJwk((*keys)[i], std::string(kKeysTag) + "[" + std::to_string(i) + "]");
    if (!key.ok())
      return key.status();
    license.keys.push_back(std::move(key).value());
  }
  auto type = root.find(kTypeTag);
  if (type != root.end()) {
    if (!type->is_string())
      return InvalidArgument(std::string(kTypeTag) + ": not a string");
    auto parsed = ParseSessionType(type->get_ref<const std::string&>());
    if (!parsed.ok())
      return InvalidArgument(std::string(kTypeTag) + ": " + parsed.status().message());
    license.type = parsed.value();
  }
  return license;
}

}  // namespace

Result<JwkLicense> ParseJwkLicense(ByteSpan response) {
  auto root = ParseJsonObject(response, kMaxResponseSize, "license");
  if (!root.ok())
    return root.status();
  Result<JwkLicense> license = ParseKeySet(root.value());
  WipeKeyStrings(root.value());
  return license;
}

Result<std::string> MakeJwkSet(const std::vector<JwkKey>& keys, std::optional<SessionType> type) {
  if (keys.empty())
    return InvalidArgument(std::string(kKeysTag) + ": empty");
  if (keys.size() > kMaxKeyIds) {
    return InvalidArgument(std::string(kKeysTag) + ": " + std::to_string(keys.size()) +
                           " keys, at most " + std::to_string(kMaxKeyIds));
  }
  // Validate and size everything first: the text is reserved once so that appending never
  // reallocates (a reallocation would free a copy of the keys without wiping it).
  size_t capacity = 64;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string where = std::string(kKeysTag) + "[" + std::to_string(i) + "].";
    if (keys[i].kid.size() < kMinKeyIdSize || keys[i].kid.size() > kMaxKeyIdSize) {
      return InvalidArgument(where + kKeyIdTag + ": " + std::to_string(keys[i].kid.size()) +
                             " bytes, expected 1.." + std::to_string(kMaxKeyIdSize));
    }
    if (keys[i].key.size() != kKeySize) {
      return InvalidArgument(where + kKeyTag + ": " + std::to_string(keys[i].key.size()) +
                             " bytes, expected " + std::to_string(kKeySize));
    }
    capacity += 64 + (kKeySize + keys[i].kid.size()) * 4 / 3 + 2;
  }
  std::string out;
  out.reserve(capacity);
  out.append("{\"").append(kKeysTag).append("\":[");
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string k = Base64UrlEncode(keys[i].key.span());
    out.append(i ? ",{\"" : "{\"").append(kKeyTag).append("\":\"").append(k);
    out.append("\",\"").append(kKeyIdTag).append("\":\"").append(Base64UrlEncode(keys[i].kid));
    out.append("\",\"").append(kKeyTypeTag).append("\":\"").append(kKeyTypeOct).append("\"}");
    SecureZero(k.data(), k.size());
  }
  out.append("]");
  if (type) {
    out.append(",\"").append(kTypeTag).append("\":\"").append(SessionTypeName(*type));
    out.append("\"");
  }
  out.append("}");
  return out;
}

}  // namespace wee::cdm
