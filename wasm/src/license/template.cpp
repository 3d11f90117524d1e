#include "license/template.h"

#include <optional>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace wee::license {
namespace {

struct Canonical {
  const char* name;
  Value value;
  bool url_safe;  // may appear in a URL as is
  const char* url_form;
};

const Canonical kCanonical[] = {
    {"CHA-RAW", Value::kChallengeRaw, false, "CHA-B64U"},
    {"CHA-B64", Value::kChallengeB64, false, "CHA-B64U"},
    {"CHA-B64U", Value::kChallengeB64Url, true, ""},
    {"CHA-DEC", Value::kChallengeDec, true, ""},
    {"CHA-MD5", Value::kChallengeMd5, true, ""},
    {"SID-RAW", Value::kSessionRaw, false, "SID-B64U"},
    {"SID-B64", Value::kSessionB64, false, "SID-B64U"},
    {"SID-B64U", Value::kSessionB64Url, true, ""},
    {"KID-UUID", Value::kKidUuid, true, ""},
    {"KID-HEX", Value::kKidHex, true, ""},
    {"PSSH-B64", Value::kPsshB64, false, "PSSH-B64U"},
    {"PSSH-B64U", Value::kPsshB64Url, true, ""},
};

const Canonical* FindCanonical(const std::string& name) {
  for (const Canonical& c : kCanonical)
    if (name == c.name) return &c;
  return nullptr;
}

bool IsKodiName(const std::string& name) {
  return name == "SSM" || name == "SID" || name == "KID" || name == "PSSH" || name == "HASH";
}

// A Kodi placeholder resolved: its value and whether the letter before it was its prefix.
struct KodiToken {
  Value value;
  bool consumes_prefix;
};

// inputstream.adaptive's rules (wvdecrypter SendSessionMessage, ConvertDeprecatedPlaceholders),
// strict where it silently sent something else: a missing or unknown prefix is an error.
Result<KodiToken> ResolveKodi(const std::string& name, char prefix, uint32_t brace_column,
                              uint32_t prefix_column, Field field, const std::string& where) {
  struct Option {
    char letter;
    Value value;
  };
  std::vector<Option> options;
  if (name == "HASH") return KodiToken{Value::kChallengeMd5, false};
  if (name == "KID") {
    if (prefix == 'R') return KodiToken{Value::kKidUuid, true};
    if (prefix == 'H') return KodiToken{Value::kKidHex, true};
    return KodiToken{Value::kKidUuid, false};  // plain {KID}: the letter before stays
  }
  if (field == Field::kUrl) {
    if (name == "SSM") options = {{'B', Value::kChallengeB64Url}};
    if (name == "SID") options = {{'B', Value::kSessionB64Url}};
    if (name == "PSSH") options = {{'B', Value::kPsshB64Url}};
  } else if (name == "SSM") {
    // H{SSM} (JioTV add-ons write it) is the raw challenge: inputstream.adaptive up to Kodi 21
    // (wvdecrypter.cpp, widevine[android]/WVCencSingleSampleDecrypter.cpp SendSessionMessage)
    // base64-encodes for b/B, writes decimal for D and puts the raw challenge for any other
    // letter; no version hex-encodes it. Kodi 22 (HelperWv.cpp ConvertDeprecatedPlaceholders)
    // converts only R/b/B/D and would send the text "H{SSM}"; we keep the Kodi 21 meaning.
    options = {{'R', Value::kChallengeRaw},  {'b', Value::kChallengeB64},
               {'B', Value::kChallengeB64Url}, {'D', Value::kChallengeDec},
               {'H', Value::kChallengeRaw}};
  } else if (name == "SID") {
    options = {{'R', Value::kSessionRaw}, {'b', Value::kSessionB64}, {'B', Value::kSessionB64Url}};
  } else if (name == "PSSH") {
    options = {{'b', Value::kPsshB64}, {'B', Value::kPsshB64Url}};
  }
  for (const Option& o : options)
    if (o.letter == prefix) return KodiToken{o.value, true};
  std::string letters;
  for (const Option& o : options) {
    if (o.letter == 'H') continue;  // compatibility only, not advertised
    if (!letters.empty()) letters += ", ";
    letters += o.letter;
  }
  std::string in_url = field == Field::kUrl ? " in the URL" : "";
  if (prefix == 0) {
    return Malformed(where + ": {" + name + "}" + in_url + " needs a prefix letter (" + letters +
                     ")" + AtColumn(brace_column));
  }
  return Malformed(where + ": {" + name + "}" + in_url + " cannot take the prefix '" + prefix +
                   "' (" + letters + ")" + AtColumn(prefix_column));
}

bool UrlCharAllowed(char c) {
  // RFC 3986 appendix A: printable ASCII except the characters it never allows.
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string("\"<>\\^`{|}").find(c) == std::string::npos;
}

std::string Describe(char c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + c + "'";
  const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[uint8_t(c) >> 4] + hex[uint8_t(c) & 15];
}

}  // namespace

bool IsPlaceholderName(const std::string& name) {
  return FindCanonical(name) != nullptr || IsKodiName(name);
}

const char* ValueName(Value v) {
  for (const Canonical& c : kCanonical)
    if (c.value == v) return c.name;
  return "?";
}

Result<Template> ParseTemplate(const Located& in, Syntax syntax, Field field,
                               const std::string& where) {
  const std::string& s = in.text;
  Template out;
  Located literal;  // the literal text since the last placeholder
  std::vector<uint32_t> open_braces;
  bool in_quotes = false, escaped = false;
  size_t escape_target = std::string::npos;  // index of the character a backslash escaped
  uint32_t backslash_column = 0;
  uint32_t url_brace_column = 0;  // first literal '{' (never valid in a URL)

  auto flush = [&]() {
    if (!literal.text.empty()) {
      Piece p;
      p.literal = literal.text;
      out.pieces.push_back(std::move(p));
    }
    literal = Located();
  };

  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '{' && i + 1 < s.size() && IsUpper(s[i + 1])) {
      size_t j = i + 1;
      while (j < s.size() && (IsUpper(s[j]) || IsDigit(s[j]) || s[j] == '-')) ++j;
      if (j >= s.size() || s[j] != '}') {
        return Malformed(where + ": unbalanced brace" + AtColumn(in.Column(i)) +
                         " (a placeholder is not closed)");
      }
      std::string name = s.substr(i + 1, j - i - 1);
      Piece p;
      p.is_value = true;
      if (const Canonical* canonical = FindCanonical(name)) {
        if (field == Field::kUrl && !canonical->url_safe) {
          return Malformed(where + ": {" + name + "} is not URL-safe in the URL" +
                           AtColumn(in.Column(i)) + "; use {" + canonical->url_form + "}");
        }
        p.value = canonical->value;
      } else if (syntax == Syntax::kKodi && IsKodiName(name)) {
        char prefix = literal.text.empty() ? 0 : literal.text.back();
        uint32_t prefix_column = literal.text.empty() ? 0 : literal.columns.back();
        auto token = ResolveKodi(name, prefix, in.Column(i), prefix_column, field, where);
        if (!token.ok()) return token.status();
        if (token->consumes_prefix) {
          literal.text.pop_back();
          literal.columns.pop_back();
          // \H{KID}: the backslash escaped the prefix letter, which is gone; it now stands
          // before the value, as in the canonical text \{KID-HEX}.
          if (escape_target == i - 1) escaped = true;
        }
        p.value = token->value;
      } else {
        std::string hint;
        if (IsKodiName(name)) hint = " (license_key syntax; write {CHA-...}, {SID-...}, "
                                     "{KID-...} or {PSSH-...} here)";
        return Malformed(where + ": unknown placeholder {" + name + "}" +
                         AtColumn(in.Column(i)) + hint);
      }
      // Inside a JSON string a backslash right before a placeholder would escape the
      // value's first character (and the brace check could not tell where the string ends).
      if (field == Field::kBody && in_quotes && escaped) {
        return Malformed(where + ": the backslash" + AtColumn(backslash_column) +
                         " escapes the first character of {" + ValueName(p.value) +
                         "}'s value; write \\\\ for a backslash");
      }
      flush();
      out.pieces.push_back(std::move(p));
      i = j;
      continue;
    }
    if (field == Field::kBody && in_quotes) {
      // Braces inside JSON strings are text; only track the string's end.
      if (escaped) {
        escaped = false;
        escape_target = i;
      } else if (c == '\\') {
        escaped = true;
        backslash_column = in.Column(i);
      } else if (c == '"') {
        in_quotes = false;
      }
    } else if (field == Field::kBody && c == '"') {
      in_quotes = true;
    } else if (c == '{') {
      open_braces.push_back(in.Column(i));
      if (!url_brace_column) url_brace_column = in.Column(i);
    } else if (c == '}') {
      if (open_braces.empty()) {
        return Malformed(where + ": unbalanced brace" + AtColumn(in.Column(i)));
      }
      open_braces.pop_back();
    } else if (field == Field::kUrl && !UrlCharAllowed(c)) {
      return Malformed(where + ": " + Describe(c) + " is not allowed in a URL" +
                       AtColumn(in.Column(i)));
    }
    literal.text += c;
    literal.columns.push_back(in.Column(i));
  }
  if (!open_braces.empty()) {
    return Malformed(where + ": unbalanced brace" + AtColumn(open_braces.back()));
  }
  if (field == Field::kUrl && url_brace_column) {
    return Malformed(where + ": '{' is not allowed in a URL" + AtColumn(url_brace_column));
  }
  flush();
  return out;
}

std::string TemplateText(const Template& t) {
  std::string out;
  for (const Piece& p : t.pieces) {
    if (p.is_value) out += std::string("{") + ValueName(p.value) + "}";
    else out += p.literal;
  }
  return out;
}

Result<Bytes> RenderTemplate(const Template& t, const RequestValues& v, const std::string& where) {
  std::optional<std::string> cache[12];
  auto compute = [&](Value value) -> Result<std::string> {
    auto need = [&](bool ok, const std::string& what) -> Status {
      if (ok) return Status::Ok();
      return InvalidArgument(where + ": {" + ValueName(value) + "} needs " + what);
    };
    switch (value) {
      case Value::kChallengeRaw: return v.challenge.ToString();
      case Value::kChallengeB64: return Base64Encode(v.challenge);
      case Value::kChallengeB64Url: return UrlEncode(ByteSpan(Base64Encode(v.challenge)));
      case Value::kChallengeDec: return DecimalList(v.challenge);
      case Value::kChallengeMd5: return HexEncode(Md5(v.challenge));
      case Value::kSessionRaw:
      case Value::kSessionB64:
      case Value::kSessionB64Url: {
        WEE_RETURN_IF_ERROR(need(!v.session_id.empty(), "the session ID, and none was given"));
        if (value == Value::kSessionRaw) return v.session_id;
        std::string b64 = Base64Encode(ByteSpan(v.session_id));
        return value == Value::kSessionB64 ? b64 : UrlEncode(ByteSpan(b64));
      }
      case Value::kKidUuid:
      case Value::kKidHex:
        WEE_RETURN_IF_ERROR(need(!v.kid.empty(), "the key ID, and none was given"));
        if (value == Value::kKidHex) return HexEncode(v.kid);
        WEE_RETURN_IF_ERROR(need(v.kid.size == 16, "a 16-byte key ID, got " +
                                                       std::to_string(v.kid.size) + " bytes"));
        return UuidString(v.kid);
      case Value::kPsshB64:
      case Value::kPsshB64Url: {
        WEE_RETURN_IF_ERROR(need(!v.pssh.empty(), "the init data (PSSH), and none was given"));
        std::string b64 = Base64Encode(v.pssh);
        return value == Value::kPsshB64 ? b64 : UrlEncode(ByteSpan(b64));
      }
    }
    return Status(Code::kInvalidState, where + ": bad placeholder");
  };

  Bytes out;
  for (const Piece& p : t.pieces) {
    const std::string* text = &p.literal;
    if (p.is_value) {
      std::optional<std::string>& slot = cache[size_t(p.value)];
      if (!slot) {
        auto r = compute(p.value);
        if (!r.ok()) return r.status();
        slot = std::move(r).value();
      }
      text = &*slot;
    }
    if (text->size() > kMaxRenderedSize - out.size()) {
      return LimitExceeded(where + ": the rendered text exceeds " +
                           std::to_string(kMaxRenderedSize) + " bytes");
    }
    out.insert(out.end(), text->begin(), text->end());
  }
  return out;
}

}  // namespace wee::license
