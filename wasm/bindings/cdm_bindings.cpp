// Exports of wasm/src/cdm (js/src/core/cdm.js wraps them). CDM instances are addressed by a
// handle from wee_cdm_create, never by pointer, so a stale handle is an error, not a crash.
// Structured results are JSON text with bytes as lowercase hex. Lists of byte strings coming
// in (KIDs, keys) are packed as repeated `u16 big-endian length | bytes`.
#include <map>
#include <memory>
#include <optional>

#include "abi.h"
#include "base/byte_reader.h"
#include "base/encoding.h"
#include "cdm/init_data.h"
#include "cdm/jwk.h"
#include "cdm/session.h"

using namespace wee;
using namespace wee::cdm;

namespace {

std::map<uint32_t, std::unique_ptr<ClearKeyCdm>> g_cdms;
uint32_t g_next_handle = 1;

Result<ClearKeyCdm*> Lookup(uint32_t handle) {
  auto it = g_cdms.find(handle);
  if (it == g_cdms.end())
    return Status(Code::kInvalidState, "Clear Key CDM " + std::to_string(handle) + " was disposed");
  return it->second.get();
}

// `u16 length | bytes` records; `what` names the list in errors.
Result<std::vector<Bytes>> Unpack(ByteSpan packed, const std::string& what) {
  std::vector<Bytes> out;
  ByteReader r(packed);
  while (r.remaining() > 0) {
    uint16_t size = 0;
    Bytes item;
    if (!r.ReadU16(&size) || !r.ReadBytes(size, &item))
      return InvalidArgument(what + ": truncated packed list");
    out.push_back(std::move(item));
  }
  return out;
}

void WipeAll(std::vector<Bytes>& list) {
  for (Bytes& b : list)
    SecureZero(b.data(), b.size());
}

std::string StatusesJson(const std::vector<KeyStatusEntry>& statuses) {
  std::string out = "[";
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i)
      out += ',';
    out += "{\"kid\":\"" + HexEncode(statuses[i].kid) + "\",\"status\":\"" +
           KeyStatusName(statuses[i].status) + "\"}";
  }
  return out + "]";
}

// Returns text that held key material and wipes the local copy.
int ReturnSecretText(std::string& text) {
  int code = abi::ReturnText(text);
  SecureZero(text.data(), text.size());
  return code;
}

}  // namespace

// -> {"handle":N}
WEE_EXPORT int wee_cdm_create() {
  if (g_next_handle == 0)
    return abi::Return(LimitExceeded("CDM handles exhausted"));
  uint32_t handle = g_next_handle++;
  g_cdms[handle] = std::make_unique<ClearKeyCdm>();
  return abi::ReturnText("{\"handle\":" + std::to_string(handle) + "}");
}

// Wipes every key of the CDM. Unknown handles are ignored (dispose twice is harmless).
WEE_EXPORT int wee_cdm_destroy(uint32_t handle) {
  g_cdms.erase(handle);
  return abi::Return(Status::Ok());
}

// -> the session id as text
WEE_EXPORT int wee_cdm_create_session(uint32_t handle, const char* type, size_t type_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto session_type = ParseSessionType(abi::Text(type, type_size));
  if (!session_type.ok())
    return abi::Return(session_type.status());
  auto id = cdm.value()->CreateSession(session_type.value());
  if (!id.ok())
    return abi::Return(id.status());
  return abi::ReturnText(id.value());
}

// -> the license request message (JSON text)
WEE_EXPORT int wee_cdm_generate_request(uint32_t handle,
                                        const char* id,
                                        size_t id_size,
                                        const char* init_type,
                                        size_t init_type_size,
                                        const uint8_t* init_data,
                                        size_t init_data_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto type = ParseInitDataType(abi::Text(init_type, init_type_size));
  if (!type.ok())
    return abi::Return(type.status());
  auto message = cdm.value()->GenerateRequest(abi::Text(id, id_size), type.value(),
                                              abi::Span(init_data, init_data_size));
  if (!message.ok())
    return abi::Return(message.status());
  return abi::ReturnText(message.value());
}

// -> {"keyStatuses":[{"kid":"<hex>","status":"usable"}],"hasAdditionalUsableKey":b,"closed":b}
WEE_EXPORT int wee_cdm_update(uint32_t handle,
                              const char* id,
                              size_t id_size,
                              const uint8_t* response,
                              size_t response_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto result = cdm.value()->Update(abi::Text(id, id_size), abi::Span(response, response_size));
  if (!result.ok())
    return abi::Return(result.status());
  return abi::ReturnText(
      "{\"keyStatuses\":" + StatusesJson(result->key_statuses) +
      ",\"hasAdditionalUsableKey\":" + (result->has_additional_usable_key ? "true" : "false") +
      ",\"closed\":" + (result->session_closed ? "true" : "false") + "}");
}

// -> [{"kid":"<hex>","status":"..."}]
WEE_EXPORT int wee_cdm_key_statuses(uint32_t handle, const char* id, size_t id_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto statuses = cdm.value()->KeyStatuses(abi::Text(id, id_size));
  if (!statuses.ok())
    return abi::Return(statuses.status());
  return abi::ReturnText(StatusesJson(statuses.value()));
}

WEE_EXPORT int wee_cdm_close(uint32_t handle, const char* id, size_t id_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  cdm.value()->Close(abi::Text(id, id_size));
  return abi::Return(Status::Ok());
}

// -> {"message":"<hex>"|null,"keyStatuses":[...]}
WEE_EXPORT int wee_cdm_remove(uint32_t handle, const char* id, size_t id_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto result = cdm.value()->Remove(abi::Text(id, id_size));
  if (!result.ok())
    return abi::Return(result.status());
  std::string message =
      result->message ? "\"" + HexEncode(ByteSpan(*result->message)) + "\"" : "null";
  return abi::ReturnText("{\"message\":" + message +
                         ",\"keyStatuses\":" + StatusesJson(result->key_statuses) + "}");
}

// -> "true" | "false"
WEE_EXPORT int wee_cdm_load(uint32_t handle, const char* id, size_t id_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  auto loaded = cdm.value()->Load(abi::Text(id, id_size));
  if (!loaded.ok())
    return abi::Return(loaded.status());
  return abi::ReturnText(loaded.value() ? "true" : "false");
}

// -> "uninitialized" | "pending" | "active" | "released" | "closed"
WEE_EXPORT int wee_cdm_session_state(uint32_t handle, const char* id, size_t id_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  return abi::ReturnText(SessionStateName(cdm.value()->State(abi::Text(id, id_size))));
}

// -> the 16-byte key, or an empty result when no open session holds a usable key for the KID
WEE_EXPORT int wee_cdm_get_key(uint32_t handle, const uint8_t* kid, size_t kid_size) {
  auto cdm = Lookup(handle);
  if (!cdm.ok())
    return abi::Return(cdm.status());
  const SecretBytes* key = cdm.value()->FindKey(abi::Span(kid, kid_size));
  return abi::ReturnBytes(key ? key->span().ToBytes() : Bytes());
}

// -> ["<hex kid>",...]
WEE_EXPORT int wee_cdm_extract_key_ids(const char* init_type,
                                       size_t init_type_size,
                                       const uint8_t* data,
                                       size_t size) {
  auto type = ParseInitDataType(abi::Text(init_type, init_type_size));
  if (!type.ok())
    return abi::Return(type.status());
  auto kids = ExtractKeyIds(type.value(), abi::Span(data, size));
  if (!kids.ok())
    return abi::Return(kids.status());
  std::string out = "[";
  for (size_t i = 0; i < kids->size(); ++i)
    out += std::string(i ? "," : "") + "\"" + HexEncode((*kids)[i]) + "\"";
  return abi::ReturnText(out + "]");
}

// kids packed as `u16 length | KID`... -> the license request JSON text
WEE_EXPORT int wee_cdm_make_license_request(const uint8_t* packed,
                                            size_t packed_size,
                                            const char* type,
                                            size_t type_size) {
  auto session_type = ParseSessionType(abi::Text(type, type_size));
  if (!session_type.ok())
    return abi::Return(session_type.status());
  auto kids = Unpack(abi::Span(packed, packed_size), "kids");
  if (!kids.ok())
    return abi::Return(kids.status());
  auto request = MakeLicenseRequest(kids.value(), session_type.value());
  if (!request.ok())
    return abi::Return(request.status());
  return abi::ReturnText(request.value());
}

// -> {"keys":[{"kid":"<hex>","key":"<hex>"}],"type":"temporary"|null}
WEE_EXPORT int wee_cdm_parse_license(const uint8_t* response, size_t response_size) {
  auto license = ParseJwkLicense(abi::Span(response, response_size));
  if (!license.ok())
    return abi::Return(license.status());
  std::string out;
  out.reserve(64 + license->keys.size() * (80 + 2 * kMaxKeyIdSize));  // no reallocation
  out += "{\"keys\":[";
  for (size_t i = 0; i < license->keys.size(); ++i) {
    const JwkKey& k = license->keys[i];
    std::string key_hex = HexEncode(k.key.span());
    out.append(i ? ",{\"kid\":\"" : "{\"kid\":\"").append(HexEncode(k.kid));
    out.append("\",\"key\":\"").append(key_hex).append("\"}");
    SecureZero(key_hex.data(), key_hex.size());
  }
  out += "],\"type\":";
  out += license->type ? "\"" + std::string(SessionTypeName(*license->type)) + "\"" : "null";
  out += "}";
  return ReturnSecretText(out);
}

// Alternating `u16 length | KID`, `u16 length | key` records; type may be empty (no "type"
// member) -> the JWK Set text
WEE_EXPORT int wee_cdm_make_jwk_set(const uint8_t* packed,
                                    size_t packed_size,
                                    const char* type,
                                    size_t type_size) {
  std::optional<SessionType> session_type;
  if (type_size > 0) {
    auto parsed = ParseSessionType(abi::Text(type, type_size));
    if (!parsed.ok())
      return abi::Return(parsed.status());
    session_type = parsed.value();
  }
  auto items = Unpack(abi::Span(packed, packed_size), "keys");
  if (!items.ok())
    return abi::Return(items.status());
  if (items->size() % 2 != 0) {
    WipeAll(items.value());
    return abi::Return(InvalidArgument("keys: a KID without its key"));
  }
  std::vector<JwkKey> keys;
  for (size_t i = 0; i < items->size(); i += 2)
    keys.push_back({(*items)[i], SecretBytes((*items)[i + 1])});
  WipeAll(items.value());
  auto jwk_set = MakeJwkSet(keys, session_type);
  if (!jwk_set.ok())
    return abi::Return(jwk_set.status());
  return ReturnSecretText(jwk_set.value());
}
