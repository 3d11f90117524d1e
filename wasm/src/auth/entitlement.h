// The Axinom-style entitlement token: an HS256 JWT whose payload is a "License Service
// Message" envelope around an entitlement message. This is the default token profile of the
// license server and proxy (docs.axinom.com, DRM > License Service > License Service Message,
// Entitlement Message v2 and the deprecated v1).
//
//   envelope  {version: 1, com_key_id, message, id?, begin_date?, expiration_date?}
//   message   v2 {type: "entitlement_message", version: 2,
//                 license?: {start_datetime?, expiration_datetime?, duration?, allow_persistence?},
//                 content_keys_source?: {inline: [{id, encrypted_key?, usage_policy?}]}
//                                     | {stored: [{id, usage_policy?}]} | {license_request: {}},
//                 license_server?: {access_control?: {prevent_drm_message_reuse?}}}
//             v1 {type: "entitlement_message", persistent?, begin_date?, expiration_date?,
//                 keys_based_on_request?, keys?: [{id, encrypted_key?}], key_ids?: [id]}
//
// The HMAC key is the raw communication key (32 bytes); encrypted_key is
// AES-256-CBC(communication key, IV = the KID's 16 bytes, no padding) of the content key.
// KIDs are GUID strings whose bytes are taken in the written (big-endian) order, as in tenc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "base/bytes.h"
#include "base/json.h"
#include "base/status.h"

namespace wee::auth {

constexpr size_t kCommunicationKeySize = 32;  // AES-256 and HMAC-SHA256 key
constexpr size_t kMaxEntitledKeys = 256;

struct EntitledKey {
  Bytes kid;                 // 16 bytes, big-endian UUID order
  SecretBytes key;           // 16 bytes if the message carried encrypted_key, else empty
  std::string usage_policy;  // v2 usage_policy, "" if absent
  std::string seed_id;       // v2 seed_id / v1 key_seed_id, "" if absent
};

struct Entitlement {
  std::string id;          // envelope id, "" if absent: the caller's replay-cache key
  std::string com_key_id;  // as written in the envelope
  int message_version = 0;  // 1 or 2
  std::vector<EntitledKey> keys;
  // The message lets the license request choose the KIDs (v2 license_request source, v1
  // keys_based_on_request): keys come from the server's own source (seed, key file).
  bool any_kid = false;
  bool allow_persistence = false;
  bool prevent_reuse = false;  // license_server.access_control.prevent_drm_message_reuse
  // Seconds since 1970. The token's own end (the earlier of JWT exp and the envelope's
  // expiration_date) and the license's window and duration.
  std::optional<int64_t> token_expiration;
  std::optional<int64_t> license_start, license_expiration, duration;
  Json header, payload;  // the verified token

  const EntitledKey* Find(ByteSpan kid) const;
};

struct EntitlementVerifyOptions {
  JwtVerifyOptions jwt;
  // If not empty, the envelope's com_key_id must name this key (GUIDs compare
  // case-insensitively): a token signed for another key id is refused.
  std::string com_key_id;
  // If not empty, every KID must be entitled (Axinom: "If the license request contains any
  // key ID not specified here, the license is denied").
  std::vector<Bytes> requested_kids;
};

// Verifies the JWT with the communication key, checks the envelope's and the license's
// dates against options.jwt.now (with the same skew), decrypts the inline content keys.
Result<Entitlement> VerifyEntitlement(const std::string& token, ByteSpan communication_key,
                                      const EntitlementVerifyOptions& options);

// kDenied naming the first KID the entitlement does not cover.
[[nodiscard]] Status CheckKidsEntitled(const Entitlement& entitlement,
                                       const std::vector<Bytes>& kids);

// What MakeEntitlement signs (for tests, the demo and the CLI).
struct EntitlementSpec {
  struct Key {
    Bytes kid;  // 16 bytes
    Bytes key;  // 16 bytes to embed as encrypted_key, or empty
    std::string usage_policy;
  };
  std::string com_key_id;  // GUID text
  std::string id;          // "" = none
  std::optional<int64_t> begin_date, expiration_date;  // envelope validity
  int message_version = 2;
  std::vector<Key> keys;
  bool any_kid = false;  // v2 license_request source / v1 keys_based_on_request
  bool allow_persistence = false;
  std::optional<int64_t> license_start, license_expiration, duration;
};

Result<std::string> MakeEntitlement(const EntitlementSpec& spec, ByteSpan communication_key);

// encrypted_key <-> content key: AES-256-CBC, IV = KID, one block, no padding.
Result<Bytes> EncryptContentKey(ByteSpan communication_key, ByteSpan kid, ByteSpan key);
Result<SecretBytes> DecryptContentKey(ByteSpan communication_key, ByteSpan kid,
                                      ByteSpan encrypted_key);

// "6e5a1d26-2757-47d7-8046-eaa5d1d34b5a" (either case) <-> 16 bytes in written order.
[[nodiscard]] bool ParseGuid(const std::string& text, Bytes* out);

}  // namespace wee::auth
