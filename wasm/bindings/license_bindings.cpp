// Exports of wasm/src/license: js/src/core/license.js is their only caller. Stateless: the
// JS side keeps the canonical JSON configuration and passes it back on every call.
#include "abi.h"
#include "license/exchange.h"

using namespace wee;
using namespace wee::license;

// Any configuration form -> its canonical JSON configuration text.
WEE_EXPORT int wee_license_parse(const char* text, size_t text_size, const char* key_system,
                                 size_t key_system_size) {
  auto config = ParseAnyConfig(abi::Text(text, text_size), abi::Text(key_system, key_system_size));
  if (!config.ok()) return abi::Return(config.status());
  return abi::ReturnText(ConfigToJson(*config));
}

// -> {"url", "method", "headers", "body": base64 | null}
WEE_EXPORT int wee_license_wrap(const char* config_json, size_t config_size,
                                const uint8_t* challenge, size_t challenge_size,
                                const char* session_id, size_t session_id_size, const uint8_t* kid,
                                size_t kid_size, const uint8_t* pssh, size_t pssh_size,
                                const char* default_url, size_t default_url_size) {
  auto config = ParseJsonConfig(abi::Text(config_json, config_size));
  if (!config.ok()) return abi::Return(config.status());
  RequestValues values;
  values.challenge = abi::Span(challenge, challenge_size);
  values.session_id = abi::Text(session_id, session_id_size);
  values.kid = abi::Span(kid, kid_size);
  values.pssh = abi::Span(pssh, pssh_size);
  auto request = WrapRequest(*config, values, abi::Text(default_url, default_url_size));
  if (!request.ok()) return abi::Return(request.status());
  return abi::ReturnText(RequestToJson(*request));
}

// -> {"license": base64, "hdcp": string | null}
WEE_EXPORT int wee_license_unwrap(const char* config_json, size_t config_size, const uint8_t* body,
                                  size_t body_size, const char* content_type,
                                  size_t content_type_size, int certificate_request) {
  auto config = ParseJsonConfig(abi::Text(config_json, config_size));
  if (!config.ok()) return abi::Return(config.status());
  auto license =
      UnwrapResponse(*config, abi::Span(body, body_size),
                     abi::Text(content_type, content_type_size), certificate_request != 0);
  if (!license.ok()) return abi::Return(license.status());
  return abi::ReturnText(LicenseToJson(*license));
}
