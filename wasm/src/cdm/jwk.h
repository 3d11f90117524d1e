// The Clear Key license: a JSON Web Key Set (EME 9.1.4 "License Format", RFC 7517), validated
// like Chromium's media/cdm/json_web_key.cc:
//   {"keys":[{"kty":"oct","k":"<base64url key>","kid":"<base64url KID>"},...],"type":"temporary"}
// ASCII only, at most kMaxResponseSize bytes, root object, "keys" an array of 1..kMaxKeyIds
// objects, "kty" exactly "oct", "k" and "kid" base64url without padding, key exactly 16 bytes,
// KID 1..512 bytes, optional "type" a MediaKeySessionType. Unknown members are ignored.
// Every error is kInvalidArgument (EME update(): TypeError) and names the member and the key
// index: "keys[2].k: not base64url without padding".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cdm/cdm_types.h"

namespace wee::cdm {

struct JwkKey {
  Bytes kid;
  SecretBytes key;
};

struct JwkLicense {
  std::vector<JwkKey> keys;  // in license order; a repeated KID appears twice (the last wins)
  std::optional<SessionType> type;  // absent: EME says "temporary" is meant
};

[[nodiscard]] Result<JwkLicense> ParseJwkLicense(ByteSpan response);

// A JWK Set serialized like Chromium's GenerateJWKSet() (members in alphabetical order, no
// whitespace): {"keys":[{"k":"...","kid":"...","kty":"oct"}],"type":"temporary"}. Without a
// type the "type" member is left out. The keys must pass ParseJwkLicense's checks (1..128 keys
// of 16 bytes, KIDs of 1..512 bytes). The text holds keys: the caller wipes it when done.
[[nodiscard]] Result<std::string> MakeJwkSet(const std::vector<JwkKey>& keys,
                                             std::optional<SessionType> type);

}  // namespace wee::cdm
