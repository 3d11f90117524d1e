// The license exchange: parse any configuration form, wrap a CDM message into the HTTP
// request the server wants, unwrap the server's answer into the license for the CDM.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "license/config.h"
#include "license/template.h"

namespace wee::license {

// Detects the form: a JSON object (ours, or inputstream.adaptive.drm's keyed by key system),
// a drm_legacy string (first '|' field is a key system) or a license_key string.
// `key_system` selects the entry of a multi-key-system drm object ("" = the only one).
Result<Config> ParseAnyConfig(const std::string& text, const std::string& key_system);

struct HttpRequest {
  std::string url;
  Method method = Method::kPost;
  std::vector<Header> headers;
  std::optional<Bytes> body;  // nullopt for GET
};

// `default_url` is used when the configuration has no URL (the player's or manifest's).
Result<HttpRequest> WrapRequest(const Config& config, const RequestValues& values,
                                const std::string& default_url);

struct License {
  Bytes license;
  std::optional<std::string> hdcp;  // the value at hdcp_path, when asked and found
};

// Bound on a license response (a Widevine license is a few KB; a JSON wrapper more).
constexpr size_t kMaxResponseSize = 16 * 1024 * 1024;

// `content_type` is the response's Content-Type (for "auto"); `certificate_request` says the
// request was a Widevine service certificate request (challenge 08 04), whose
// application/octet-stream answer passes through unwrapped, as in inputstream.adaptive.
Result<License> UnwrapResponse(const Config& config, ByteSpan body,
                               const std::string& content_type, bool certificate_request);

// The JSON forms crossing into JavaScript (bytes as base64):
// {"url":..., "method":"POST", "headers":{...}, "body":"<base64>"|null}
std::string RequestToJson(const HttpRequest& request);
// {"license":"<base64>", "hdcp":"..."|null}
std::string LicenseToJson(const License& license);

}  // namespace wee::license
