#include "license/text.h"

#include "base/encoding.h"

namespace wee::license {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '+' || c == '/';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Printable(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[uint8_t(c) >> 4] + hex[uint8_t(c) & 15];
}

}  // namespace

Located Located::At(const std::string& text, uint32_t first_column) {
  Located out;
  out.text = text;
  out.columns.resize(text.size());
  for (size_t i = 0; i < text.size(); ++i) out.columns[i] = first_column + uint32_t(i);
  out.end_column = first_column + uint32_t(text.size());
  return out;
}

uint32_t Located::Column(size_t i) const {
  return i < columns.size() ? columns[i] : end_column;
}

Located Located::Sub(size_t pos, size_t len) const {
  Located out;
  if (pos > text.size()) pos = text.size();
  if (len > text.size() - pos) len = text.size() - pos;
  out.text = text.substr(pos, len);
  out.columns.assign(columns.begin() + pos, columns.begin() + pos + len);
  out.end_column = Column(pos + len);
  return out;
}

Located Located::Trimmed() const {
  size_t begin = 0, end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return Sub(begin, end - begin);
}

std::string AtColumn(uint32_t column) { return " at column " + std::to_string(column); }

std::string UrlEncode(ByteSpan bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size * 3);
  for (uint8_t b : bytes) {
    char c = char(b);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

Result<Located> FormDecode(const Located& in, const std::string& where) {
  Located out;
  out.text.reserve(in.text.size());
  out.columns.reserve(in.text.size());
  for (size_t i = 0; i < in.text.size(); ++i) {
    char c = in.text[i];
    if (c == '%') {
      int hi = i + 1 < in.text.size() ? HexValue(in.text[i + 1]) : -1;
      int lo = i + 2 < in.text.size() ? HexValue(in.text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Malformed(where + ": '%' is not followed by two hex digits" +
                         AtColumn(in.Column(i)));
      }
      out.text += char(hi << 4 | lo);
      out.columns.push_back(in.Column(i));
      i += 2;
    } else {
      out.text += c == '+' ? ' ' : c;
      out.columns.push_back(in.Column(i));
    }
  }
  out.end_column = in.end_column;
  return out;
}

std::string DecimalList(ByteSpan bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size; ++i) {
    if (i) out += ',';
    out += std::to_string(bytes[i]);
  }
  return out;
}

Result<Bytes> DecodeBase64Text(const std::string& text, const std::string& what) {
  auto fail = [&](size_t at, const std::string& why) -> Status {
    return Malformed(what + ": not valid base64 at byte " + std::to_string(at) + " (" + why +
                     ")");
  };
  std::string compact;
  compact.reserve(text.size());
  size_t first_pad = std::string::npos, last_data = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsSpace(c)) continue;
    if (c == '=') {
      if (first_pad == std::string::npos) first_pad = i;
    } else if (!IsBase64Char(c)) {
      std::string why = Printable(c) + " is not in the base64 alphabet";
      if (c == '-' || c == '_') why += "; base64url is not accepted here";
      return fail(i, why);
    } else if (first_pad != std::string::npos) {
      return fail(i, "data after '=' padding");
    }
    compact += c;
    if (c != '=') last_data = i;
  }
  if (compact.empty()) return fail(0, "empty");
  size_t pads = first_pad == std::string::npos ? 0 : compact.size() - compact.find('=');
  size_t data_len = compact.size() - pads;
  if (pads > 2 || (pads > 0 && compact.size() % 4 != 0)) return fail(first_pad, "bad padding");
  if (data_len % 4 == 1) return fail(last_data, "length leaves a lone character");
  Bytes out;
  if (!Base64Decode(compact.substr(0, data_len), Padding::kOptional, &out)) {
    return fail(last_data, "non-zero trailing bits");
  }
  return out;
}

bool LooksLikeBase64(const std::string& text) { return DecodeBase64Text(text, "").ok(); }

size_t FindInvalidUtf8(const std::string& text) {
  size_t i = 0, n = text.size();
  while (i < n) {
    uint8_t c = uint8_t(text[i]);
    size_t len;
    uint32_t min;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { len = 4; min = 0x10000; }
    else return i;
    if (len > n - i) return i;
    uint32_t cp = c & (0xff >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      uint8_t cc = uint8_t(text[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = cp << 6 | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 (RFC 3629).
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::string::npos;
}

std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  size_t begin = 0, end = type.size();
  while (begin < end && IsSpace(type[begin])) ++begin;
  while (end > begin && IsSpace(type[end - 1])) --end;
  return ToLower(type.substr(begin, end - begin));
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string ToLower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

}  // namespace wee::license
