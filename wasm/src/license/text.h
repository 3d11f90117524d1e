// Text helpers of the license templates: located text (every character remembers the column
// the user typed it at, so errors point into the original string even after URL-decoding),
// RFC 3986 percent-encoding, form decoding, tolerant-but-strict base64 with byte positions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace wee::license {

// A piece of the user's text and, for each character, its 1-based column in the whole
// string the user wrote (columns are not contiguous after decoding).
struct Located {
  std::string text;
  std::vector<uint32_t> columns;
  uint32_t end_column = 1;  // the column just after the text (where an empty text "is")

  static Located At(const std::string& text, uint32_t first_column);
  // Column of character i; one past the end maps to the column after the last character.
  uint32_t Column(size_t i) const;
  Located Sub(size_t pos, size_t len) const;
  Located Trimmed() const;  // without leading/trailing spaces and tabs
};

std::string AtColumn(uint32_t column);  // " at column N"

// RFC 3986 section 2.3: unreserved characters stay, every other byte becomes %XX (uppercase).
std::string UrlEncode(ByteSpan bytes);

// application/x-www-form-urlencoded decoding as inputstream.adaptive does it ('+' is a
// space, %XX a byte), but strict: a '%' not followed by two hex digits is an error.
Result<Located> FormDecode(const Located& in, const std::string& where);

// Comma-separated decimal byte values ("8,4,255"), inputstream.adaptive's D{SSM}.
std::string DecimalList(ByteSpan bytes);

// Base64 (RFC 4648 section 4) as license servers send it: ASCII whitespace anywhere is
// skipped and the '=' padding may be missing; anything else that is not canonical base64
// fails with the byte offset (0-based) of the offending character in `text`.
Result<Bytes> DecodeBase64Text(const std::string& text, const std::string& what);
// True when DecodeBase64Text would succeed on a non-empty text (the "auto" unwrapper).
bool LooksLikeBase64(const std::string& text);

// Offset of the first byte that is not part of well-formed UTF-8, or npos.
size_t FindInvalidUtf8(const std::string& text);

// "application/json; charset=utf-8" -> "application/json"
std::string MediaType(const std::string& content_type);

bool IsUpper(char c);
bool IsDigit(char c);
std::string ToLower(std::string s);

}  // namespace wee::license
