// Text encodings of bytes: hex, base64 (RFC 4648 section 4) and base64url (section 5).
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace wee {

std::string HexEncode(ByteSpan bytes);  // lowercase
// Strict: even length, [0-9a-fA-F] only.
[[nodiscard]] bool HexDecode(const std::string& text, Bytes* out);

std::string Base64Encode(ByteSpan bytes);     // with '=' padding
std::string Base64UrlEncode(ByteSpan bytes);  // without padding

enum class Padding { kRequired, kForbidden, kOptional };
// Strict decoders: reject characters of the other alphabet, whitespace, bad padding and
// non-zero trailing bits (so that one text has exactly one meaning).
[[nodiscard]] bool Base64Decode(const std::string& text, Padding padding, Bytes* out);
[[nodiscard]] bool Base64UrlDecode(const std::string& text, Padding padding, Bytes* out);

// A key or KID typed by a human (CLI, player config): hex (with or without dashes when it
// is a 16-byte UUID), base64 or base64url, padded or not. `what` names the value in errors
// ("key", "KID"); expected_size 0 means any size.
Result<Bytes> DecodeKeyText(const std::string& text, const std::string& what,
                            size_t expected_size);

// Why a secret's text is neither hex nor base64, without echoing it: " (character 7 of 8 is
// in none of them)" or " (8 characters, not a valid length or padding)".
std::string KeyTextProblem(const std::string& text);

// 16 bytes as 8-4-4-4-12 lowercase hex.
std::string UuidString(ByteSpan bytes16);

}  // namespace wee
