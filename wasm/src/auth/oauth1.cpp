#include "auth/oauth1.h"

#include <algorithm>
#include <cctype>

#include "auth/deny.h"
#include "base/bytes.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace wee::auth::oauth1 {
namespace {

constexpr char kOAuthPrefix[] = "oauth_";
constexpr char kConsumerKey[] = "oauth_consumer_key";
constexpr char kToken[] = "oauth_token";
constexpr char kSignatureMethod[] = "oauth_signature_method";
constexpr char kSignature[] = "oauth_signature";
constexpr char kTimestamp[] = "oauth_timestamp";
constexpr char kNonce[] = "oauth_nonce";
constexpr char kVersion[] = "oauth_version";
constexpr char kFormType[] = "application/x-www-form-urlencoded";

bool IsUnreserved(uint8_t c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(uint8_t(c)));
  return s;
}

bool IsProtocolParam(const std::string& name) { return name.rfind(kOAuthPrefix, 0) == 0; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// True if the media type (before any ';' parameters) is the form type.
bool IsFormEncoded(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && IsSpace(type.back())) type.pop_back();
  size_t start = 0;
  while (start < type.size() && IsSpace(type[start])) ++start;
  return Lower(type.substr(start)) == kFormType;
}

Status Missing(const char* name) { return Malformed("OAuth request has no " + std::string(name)); }

}  // namespace

std::string PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    uint8_t c = uint8_t(ch);
    if (IsUnreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool PercentDecode(const std::string& text, bool plus_is_space, std::string* out) {
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return false;
      int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      result += char(hi << 4 | lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      result += ' ';
    } else {
      result += c;
    }
  }
  *out = std::move(result);
  return true;
}

Result<Params> ParseFormEncoded(const std::string& text, const std::string& what) {
  Params params;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      std::string piece = text.substr(start, end - start);
      size_t eq = piece.find('=');
      std::string name, value;
      if (!PercentDecode(piece.substr(0, eq), true, &name) ||
          (eq != std::string::npos && !PercentDecode(piece.substr(eq + 1), true, &value))) {
        return Malformed(what + ": bad percent-encoding in '" + piece.substr(0, 64) + "'");
      }
      if (params.size() >= kMaxParams)
        return LimitExceeded(what + ": more than " + std::to_string(kMaxParams) + " parameters");
      params.emplace_back(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  return params;
}

Result<AuthorizationHeader> ParseAuthorizationHeader(const std::string& value) {
  if (value.size() > kMaxHeaderSize) return LimitExceeded("Authorization header is too long");
  size_t p = 0;
  while (p < value.size() && IsSpace(value[p])) ++p;
  size_t scheme_end = p;
  while (scheme_end < value.size() && !IsSpace(value[scheme_end])) ++scheme_end;
  if (Lower(value.substr(p, scheme_end - p)) != "oauth")
    return Status(Code::kNotFound, "Authorization header is not of the OAuth scheme");
  p = scheme_end;

  AuthorizationHeader header;
  bool first = true;
  for (;;) {
    while (p < value.size() && IsSpace(value[p])) ++p;
    if (p == value.size()) break;
    if (!first) {  // parameters are separated by ',' and optional whitespace
      if (value[p] != ',') return Malformed("Authorization header: expected ',' at " +
                                            std::to_string(p));
      ++p;
      while (p < value.size() && IsSpace(value[p])) ++p;
    }
    first = false;
    size_t eq = value.find('=', p);
    if (eq == std::string::npos || eq == p)
      return Malformed("Authorization header: parameter without name=\"value\"");
    std::string raw_name = value.substr(p, eq - p);
    if (eq + 1 >= value.size() || value[eq + 1] != '"')
      return Malformed("Authorization header: value of " + raw_name.substr(0, 64) +
                       " is not quoted");
    size_t close = value.find('"', eq + 2);
    if (close == std::string::npos)
      return Malformed("Authorization header: unterminated value of " + raw_name.substr(0, 64));
    std::string raw_value = value.substr(eq + 2, close - eq - 2);
    p = close + 1;
    if (raw_name == "realm") {  // RFC 2617 quoted-string, not percent-encoded
      if (header.has_realm) return Malformed("Authorization header repeats realm");
      header.has_realm = true;
      header.realm = raw_value;
      continue;
    }
    std::string name, decoded;
    if (!PercentDecode(raw_name, false, &name) || !PercentDecode(raw_value, false, &decoded))
      return Malformed("Authorization header: bad percent-encoding in " + raw_name.substr(0, 64));
    if (header.params.size() >= kMaxParams)
      return LimitExceeded("Authorization header has too many parameters");
    header.params.emplace_back(std::move(name), std::move(decoded));
  }
  return header;
}

Result<RequestUrl> ParseRequestUrl(const std::string& url) {
  if (url.size() > kMaxUrlSize) return LimitExceeded("request URL is too long");
  size_t colon = url.find("://");
  if (colon == std::string::npos) return Malformed("request URL '" + url.substr(0, 64) +
                                                   "' is not absolute");
  std::string scheme = Lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https")
    return Malformed("request URL scheme '" + scheme.substr(0, 16) + "' is not http or https");
  size_t authority_start = colon + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = url.size();
  std::string authority = Lower(url.substr(authority_start, authority_end - authority_start));
  if (authority.empty() || authority.find('@') != std::string::npos)
    return Malformed("request URL authority is empty or has user information");
  // host[:port], host possibly an IPv6 literal in brackets.
  size_t host_end = authority[0] == '[' ? authority.find(']') : authority.find(':');
  if (authority[0] == '[') {
    if (host_end == std::string::npos) return Malformed("request URL: unterminated IPv6 host");
    ++host_end;
  }
  if (host_end == std::string::npos) host_end = authority.size();
  std::string host = authority.substr(0, host_end);
  std::string port;
  if (host_end < authority.size()) {
    if (authority[host_end] != ':') return Malformed("request URL: bad authority");
    port = authority.substr(host_end + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return Malformed("request URL: bad port");
    port.erase(0, std::min(port.find_first_not_of('0'), port.size() - 1));
  }
  if (host.empty()) return Malformed("request URL has no host");
  // Section 3.4.1.2 item 3: the default port is excluded, any other included.
  bool default_port = port.empty() || (scheme == "http" && port == "80") ||
                      (scheme == "https" && port == "443");
  size_t path_end = url.find_first_of("?#", authority_end);
  if (path_end == std::string::npos) path_end = url.size();
  std::string path = url.substr(authority_end, path_end - authority_end);
  RequestUrl out;
  out.base_uri = scheme + "://" + host + (default_port ? "" : ":" + port) +
                 (path.empty() ? "/" : path);
  if (path_end < url.size() && url[path_end] == '?') {
    size_t fragment = url.find('#', path_end);
    out.query = url.substr(path_end + 1, (fragment == std::string::npos ? url.size() : fragment) -
                                             path_end - 1);
  }
  return out;
}

std::string NormalizeParameters(const Params& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [name, value] : params) encoded.emplace_back(PercentEncode(name),
                                                                PercentEncode(value));
  std::sort(encoded.begin(), encoded.end());  // by name, then value; std::string is bytewise
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string SignatureBaseString(const std::string& method, const std::string& base_uri,
                                const std::string& normalized_parameters) {
  std::string upper = method;
  for (char& c : upper) c = char(std::toupper(uint8_t(c)));
  return PercentEncode(upper) + "&" + PercentEncode(base_uri) + "&" +
         PercentEncode(normalized_parameters);
}

std::string HmacSha1Signature(const std::string& base_string, const std::string& consumer_secret,
                              const std::string& token_secret) {
  std::string key = PercentEncode(consumer_secret) + "&" + PercentEncode(token_secret);
  Bytes digest = Hmac(HashAlgorithm::kSha1, key, base_string);
  SecureZero(key.data(), key.size());
  return Base64Encode(digest);
}

Result<Signed> Sign(const SignRequest& request, const std::string& consumer_secret,
                    const std::string& token_secret) {
  if (request.method.empty()) return InvalidArgument("OAuth: method is empty");
  if (request.consumer_key.empty()) return InvalidArgument("OAuth: consumer key is empty");
  if (request.nonce.empty()) return InvalidArgument("OAuth: nonce is empty");
  if (request.timestamp.empty() || request.timestamp.size() > 15 ||
      !std::all_of(request.timestamp.begin(), request.timestamp.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      request.timestamp.find_first_not_of('0') == std::string::npos) {
    return InvalidArgument("OAuth: timestamp must be a positive integer");
  }
  if (request.body_params.size() + request.extra_protocol_params.size() > kMaxParams)
    return InvalidArgument("OAuth: too many parameters");
  auto url = ParseRequestUrl(request.url);
  if (!url.ok()) return InvalidArgument(url.status().message());
  auto query = ParseFormEncoded(url->query, "request URL query");
  if (!query.ok()) return InvalidArgument(query.status().message());

  Params protocol = {{kConsumerKey, request.consumer_key},
                     {kSignatureMethod, kHmacSha1},
                     {kTimestamp, request.timestamp},
                     {kNonce, request.nonce}};
  if (!request.token.empty()) protocol.emplace_back(kToken, request.token);
  if (!request.version.empty()) protocol.emplace_back(kVersion, request.version);
  for (const auto& param : request.extra_protocol_params) {
    if (!IsProtocolParam(param.first) || param.first == kSignature)
      return InvalidArgument("OAuth: extra protocol parameter " + param.first +
                             " is not an oauth_ parameter");
    protocol.push_back(param);
  }
  for (size_t i = 0; i < protocol.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (protocol[i].first == protocol[j].first)
        return InvalidArgument("OAuth: protocol parameter " + protocol[i].first + " repeated");
  }
  for (const auto& param : request.body_params)
    if (IsProtocolParam(param.first))
      return InvalidArgument("OAuth: body parameter " + param.first + " uses the oauth_ prefix");

  Params all = std::move(query).value();
  all.insert(all.end(), request.body_params.begin(), request.body_params.end());
  all.insert(all.end(), protocol.begin(), protocol.end());
  Signed out;
  out.base_string = SignatureBaseString(request.method, url->base_uri, NormalizeParameters(all));
  out.signature = HmacSha1Signature(out.base_string, consumer_secret, token_secret);

  // Section 3.5.1: realm first, then the protocol parameters, encoded and quoted.
  protocol.emplace_back(kSignature, out.signature);
  std::sort(protocol.begin(), protocol.end());
  out.authorization = "OAuth ";
  if (!request.realm.empty()) {
    if (request.realm.find_first_of("\"\\") != std::string::npos)
      return InvalidArgument("OAuth: realm contains a quote or backslash");
    out.authorization += "realm=\"" + request.realm + "\", ";
  }
  for (size_t i = 0; i < protocol.size(); ++i) {
    if (i) out.authorization += ", ";
    out.authorization += PercentEncode(protocol[i].first) + "=\"" +
                         PercentEncode(protocol[i].second) + "\"";
  }
  return out;
}

Result<ParsedRequest> ParseRequest(const HttpRequest& request) {
  if (request.method.empty()) return Malformed("OAuth request has no method");
  auto url = ParseRequestUrl(request.url);
  if (!url.ok()) return url.status();
  auto query = ParseFormEncoded(url->query, "request URL query");
  if (!query.ok()) return query.status();

  ParsedRequest out;
  Params header_params;
  if (!request.authorization.empty()) {
    auto header = ParseAuthorizationHeader(request.authorization);
    if (header.ok()) {
      header_params = std::move(header->params);
      out.realm = header->realm;
    } else if (header.status().code() != Code::kNotFound) {
      return header.status();  // another scheme (e.g. Bearer) simply carries no parameters
    }
  }
  Params body_params;
  if (!request.body.empty() && IsFormEncoded(request.content_type)) {
    if (request.body.size() > kMaxBodySize) return LimitExceeded("form body is too large");
    auto body = ParseFormEncoded(request.body, "form body");
    if (!body.ok()) return body.status();
    body_params = std::move(body).value();
  }

  // Section 3.5: protocol parameters travel in one and only one place.
  const Params* sources[3] = {&header_params, &body_params, &query.value()};
  const char* source_names[3] = {"Authorization header", "form body", "URL query"};
  const Params* protocol = nullptr;
  const char* protocol_source = "";
  for (int i = 0; i < 3; ++i) {
    bool has = std::any_of(sources[i]->begin(), sources[i]->end(),
                           [](const auto& p) { return IsProtocolParam(p.first); });
    if (!has) continue;
    if (protocol) {
      return Malformed(std::string("OAuth parameters appear in both the ") + protocol_source +
                       " and the " + source_names[i]);
    }
    protocol = sources[i];
    protocol_source = source_names[i];
  }
  if (!protocol) return Malformed("request carries no OAuth parameters");

  // Section 3.1 step 2: each protocol parameter at most once.
  struct Field { const char* name; std::string* value; bool seen = false; };
  std::string timestamp;
  Field fields[] = {{kConsumerKey, &out.consumer_key}, {kToken, &out.token},
                    {kSignatureMethod, &out.signature_method}, {kSignature, &out.signature},
                    {kTimestamp, &timestamp}, {kNonce, &out.nonce}, {kVersion, &out.version}};
  std::vector<std::string> seen_names;
  for (const auto& [name, value] : *protocol) {
    if (!IsProtocolParam(name)) continue;
    if (std::find(seen_names.begin(), seen_names.end(), name) != seen_names.end())
      return Malformed("OAuth parameter " + name.substr(0, 64) + " appears more than once");
    seen_names.push_back(name);
    for (Field& field : fields) {
      if (name == field.name) {
        *field.value = value;
        field.seen = true;
      }
    }
  }
  for (const Field& field : fields) {
    bool optional = field.value == &out.token || field.value == &out.version;
    if (!field.seen && !optional) return Missing(field.name);
  }
  if (out.signature_method != kHmacSha1) {
    return Unsupported("OAuth signature method '" + out.signature_method.substr(0, 32) +
                       "' is not HMAC-SHA1");
  }
  if (!out.version.empty() && out.version != "1.0")  // section 3.2
    return Malformed("oauth_version is '" + out.version.substr(0, 16) + "', not 1.0");
  // Section 3.3: a positive integer.
  if (timestamp.empty() || timestamp.size() > 15 ||
      !std::all_of(timestamp.begin(), timestamp.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Malformed("oauth_timestamp is not a positive integer");
  out.timestamp = 0;
  for (char c : timestamp) out.timestamp = out.timestamp * 10 + (c - '0');
  if (out.timestamp <= 0) return Malformed("oauth_timestamp is not a positive integer");
  if (out.nonce.empty()) return Malformed("oauth_nonce is empty");
  if (out.consumer_key.empty()) return Malformed("oauth_consumer_key is empty");

  // Section 3.4.1.3.1: every parameter except oauth_signature (and the realm).
  Params all;
  for (const Params* source : sources)
    for (const auto& param : *source)
      if (param.first != kSignature) all.push_back(param);
  out.base_string = SignatureBaseString(request.method, url->base_uri, NormalizeParameters(all));
  return out;
}

Status VerifySignature(const ParsedRequest& request, const std::string& consumer_secret,
                       const std::string& token_secret, int64_t now, int64_t max_skew) {
  if (max_skew < 0) return InvalidArgument("OAuth: maximum timestamp skew is negative");
  int64_t difference = now > request.timestamp ? now - request.timestamp : request.timestamp - now;
  if (now < 0 || difference > max_skew) {
    return Denied(reason::kTimestamp, "oauth_timestamp " + std::to_string(request.timestamp) +
                                   " is more than " + std::to_string(max_skew) +
                                   " s from now " + std::to_string(now));
  }
  Bytes received;
  if (!Base64Decode(request.signature, Padding::kRequired, &received))
    return Denied(reason::kSignature, "oauth_signature is not base64");
  Bytes expected;
  std::string computed = HmacSha1Signature(request.base_string, consumer_secret, token_secret);
  if (!Base64Decode(computed, Padding::kRequired, &expected) ||
      !ConstantTimeEquals(received, expected)) {
    return Denied(reason::kSignature, "oauth_signature does not match");
  }
  return Status::Ok();
}

Result<ParsedRequest> VerifyRequest(const HttpRequest& request, const SecretLookup& lookup,
                                    int64_t now, int64_t max_skew) {
  auto parsed = ParseRequest(request);
  if (!parsed.ok()) return parsed.status();
  std::string consumer_secret, token_secret;
  if (!lookup || !lookup(parsed->consumer_key, parsed->token, &consumer_secret, &token_secret))
    return Denied(reason::kUnknownClient, "unknown consumer key or token");
  Status status = VerifySignature(*parsed, consumer_secret, token_secret, now, max_skew);
  SecureZero(consumer_secret.data(), consumer_secret.size());
  SecureZero(token_secret.data(), token_secret.size());
  if (!status.ok()) return status;
  return parsed;
}

}  // namespace wee::auth::oauth1
