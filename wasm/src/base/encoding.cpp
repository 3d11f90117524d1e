#include "base/encoding.h"

#include <cstring>

namespace wee {
namespace {

const char kHexDigits[] = "0123456789abcdef";
const char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string EncodeWith(ByteSpan in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size; i += 3) {
    uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = in.size - i;
  if (rest) {
    uint32_t v = uint32_t(in[i]) << 16;
    if (rest == 2) v |= uint32_t(in[i + 1]) << 8;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

bool DecodeWith(const std::string& text, const char* alphabet, Padding padding, Bytes* out) {
  int8_t values[256];
  std::memset(values, -1, sizeof(values));
  for (int i = 0; i < 64; ++i) values[uint8_t(alphabet[i])] = int8_t(i);

  size_t len = text.size();
  size_t pads = 0;
  while (pads < 2 && len > 0 && text[len - 1] == '=') { --len; ++pads; }
  if (pads > 0 && padding == Padding::kForbidden) return false;
  if (pads > 0 && (len + pads) % 4 != 0) return false;
  if (padding == Padding::kRequired && len % 4 != 0 && pads == 0) return false;
  if (len % 4 == 1) return false;

  Bytes result;
  result.reserve(len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    int8_t v = values[uint8_t(text[i])];
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      result.push_back(uint8_t(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return false;  // non-canonical trailing bits
  *out = std::move(result);
  return true;
}

}  // namespace

std::string HexEncode(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size * 2);
  for (uint8_t b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  }
  return out;
}

bool HexDecode(const std::string& text, Bytes* out) {
  if (text.size() % 2) return false;
  Bytes result(text.size() / 2);
  for (size_t i = 0; i < result.size(); ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    result[i] = uint8_t(hi << 4 | lo);
  }
  *out = std::move(result);
  return true;
}

std::string Base64Encode(ByteSpan bytes) { return EncodeWith(bytes, kBase64Alphabet, true); }
std::string Base64UrlEncode(ByteSpan bytes) { return EncodeWith(bytes, kBase64UrlAlphabet, false); }

bool Base64Decode(const std::string& text, Padding padding, Bytes* out) {
  return DecodeWith(text, kBase64Alphabet, padding, out);
}
bool Base64UrlDecode(const std::string& text, Padding padding, Bytes* out) {
  return DecodeWith(text, kBase64UrlAlphabet, padding, out);
}

std::string KeyTextProblem(const std::string& text) {
  size_t bad = text.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=");
  if (bad == std::string::npos)
    return " (" + std::to_string(text.size()) + " characters, not a valid length or padding)";
  return " (character " + std::to_string(bad + 1) + " of " + std::to_string(text.size()) +
         " is in none of them)";
}

Result<Bytes> DecodeKeyText(const std::string& text, const std::string& what,
                            size_t expected_size) {
  if (text.empty()) return InvalidArgument(what + " is empty");
  std::string hex = text;
  if (hex.size() == 36 && hex[8] == '-' && hex[13] == '-' && hex[18] == '-' && hex[23] == '-') {
    hex.erase(23, 1); hex.erase(18, 1); hex.erase(13, 1); hex.erase(8, 1);
  }
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.erase(0, 2);
  // A text can be valid in more than one form (32 hex digits are also base64): take the
  // form that gives the expected size, hex first; else report the size of the first valid one.
  Bytes candidates[3];
  bool valid[3] = {HexDecode(hex, &candidates[0]),
                   Base64Decode(text, Padding::kOptional, &candidates[1]),
                   Base64UrlDecode(text, Padding::kOptional, &candidates[2])};
  int chosen = -1;
  for (int i = 0; i < 3 && chosen < 0; ++i)
    if (valid[i] && (expected_size == 0 || candidates[i].size() == expected_size)) chosen = i;
  // Only a KID is public; any other value (key, key seed, communication key) is a secret.
  const std::string where = what == "KID" ? " '" + text + "'" : KeyTextProblem(text);
  Result<Bytes> result = InvalidArgument(what + where + " is neither hex, base64 nor base64url");
  if (chosen >= 0) {
    result = std::move(candidates[chosen]);
  } else {
    for (int i = 0; i < 3; ++i) {
      if (valid[i]) {
        result = InvalidArgument(what + " is " + std::to_string(candidates[i].size()) +
                                 " bytes, expected " + std::to_string(expected_size));
        break;
      }
    }
  }
  for (Bytes& c : candidates) SecureZero(c.data(), c.size());
  return result;
}

std::string UuidString(ByteSpan b) {
  std::string h = HexEncode(b);
  if (h.size() != 32) return h;
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace wee
