// Names and bounds shared by the Clear Key CDM (W3C Encrypted Media Extensions, "org.w3.clearkey").
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace wee::cdm {

// Bounds, the same as Chromium's media/base/limits.h so that content that plays in a browser
// plays here and nothing larger is accepted.
constexpr size_t kMaxInitDataSize = 64 * 1024;  // EME "sanitized" init data
constexpr size_t kMaxResponseSize = 64 * 1024;  // a license passed to update()
constexpr size_t kMinKeyIdSize = 1;
constexpr size_t kMaxKeyIdSize = 512;
constexpr size_t kMaxKeyIds = 128;    // KIDs in one init data, request or license
constexpr size_t kKeySize = 16;       // AES-128: the only key size of Common Encryption
constexpr size_t kMaxJsonDepth = 32;  // nesting of any JSON we parse (ours needs 3)

// EME MediaKeySessionType. "persistent-usage-record" was dropped from EME and is unsupported.
enum class SessionType { kTemporary, kPersistentLicense };
const char* SessionTypeName(SessionType type);
// Unknown names -> kUnsupported (EME createSession(): NotSupportedError).
[[nodiscard]] Result<SessionType> ParseSessionType(const std::string& name);

// EME Initialization Data Format Registry types that Clear Key accepts.
enum class InitDataType { kCenc, kKeyIds, kWebM };
const char* InitDataTypeName(InitDataType type);
// Unknown names -> kUnsupported (EME generateRequest(): NotSupportedError).
[[nodiscard]] Result<InitDataType> ParseInitDataType(const std::string& name);

// Caller-supplied text for an error message: at most 40 characters, non-printable ones as '?'.
std::string Excerpt(const std::string& text);

}  // namespace wee::cdm
