#include "license/json_path.h"

#include <vector>

#include "license/text.h"

namespace wee::license {
namespace {

// Deeper documents are refused, which also bounds the recursion of the path search.
constexpr size_t kMaxJsonDepth = 128;
// How many key names an error message lists.
constexpr size_t kMaxListedKeys = 12;

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::null: return "null";
    case Json::value_t::binary: return "binary";
    default: return "a number";
  }
}

bool IsScalar(const Json& v) { return v.is_string() || v.is_number(); }

std::string KeyList(const std::vector<std::string>& keys) {
  if (keys.empty()) return "no keys at all";
  std::string out = keys.size() == 1 ? "key " : "keys ";
  for (size_t i = 0; i < keys.size() && i < kMaxListedKeys; ++i) {
    if (i) out += ", ";
    out += keys[i];
  }
  if (keys.size() > kMaxListedKeys) out += ", ... (" + std::to_string(keys.size()) + " keys)";
  return out;
}

// Depth-first, document order; `seen` collects the distinct key names passed on the way.
const Json* SearchKey(const Json& node, const std::string& name, std::vector<std::string>* seen) {
  if (node.is_array()) {
    for (const Json& item : node)
      if (const Json* hit = SearchKey(item, name, seen)) return hit;
    return nullptr;
  }
  if (!node.is_object()) return nullptr;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& key = it.key();
    bool listed = false;
    for (const std::string& s : *seen) listed = listed || s == key;
    if (!listed) seen->push_back(key);
    const Json* value = &it.value();
    if (key == name) {
      if (value->is_array() && value->size() == 1) value = &(*value)[0];  // ["..."] -> "..."
      if (IsScalar(*value)) return value;
    }
    if (const Json* hit = SearchKey(*value, name, seen)) return hit;
  }
  return nullptr;
}

// RFC 6901 reference token: "~1" is '/', "~0" is '~', any other '~' is an error.
bool UnescapeToken(const std::string& token, std::string* out) {
  out->clear();
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '~') { *out += token[i]; continue; }
    if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1')) return false;
    *out += token[i + 1] == '0' ? '~' : '/';
    ++i;
  }
  return true;
}

Result<const Json*> FindPointer(const Json& doc, const std::string& path,
                                const std::string& what) {
  const Json* node = &doc;
  std::string at;  // the part of the path resolved so far
  size_t pos = 1;
  while (true) {
    size_t next = path.find('/', pos);
    std::string raw = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    std::string token;
    if (!UnescapeToken(raw, &token)) {
      return InvalidArgument(what + ": JSON pointer '" + path + "' has a bad '~' escape");
    }
    const std::string here = at.empty() ? "the document" : "'" + at + "'";
    const Json* child = nullptr;
    if (node->is_object()) {
      auto it = node->find(token);
      if (it != node->end()) child = &*it;
      if (!child) {
        std::vector<std::string> keys;
        for (auto k = node->begin(); k != node->end(); ++k) keys.push_back(k.key());
        return Status(Code::kNotFound, what + ": JSON path '" + path + "' found nothing: " +
                                           here + " has " + KeyList(keys));
      }
    } else if (node->is_array()) {
      // An index is digits without a leading zero; anything else names no element.
      bool digits = !token.empty() && token.size() < 10 && (token == "0" || token[0] != '0');
      size_t index = 0;
      for (char c : token) {
        digits = digits && IsDigit(c);
        index = index * 10 + size_t(c - '0');
      }
      if (!digits) index = node->size();
      if (index >= node->size()) {
        return Status(Code::kNotFound, what + ": JSON path '" + path + "' found nothing: " +
                                           here + " is an array of " +
                                           std::to_string(node->size()) + " and '" + raw +
                                           "' is not an index in it");
      }
      child = &(*node)[index];
    } else {
      return Status(Code::kNotFound, what + ": JSON path '" + path + "' found nothing: " + here +
                                         " is " + TypeName(*node));
    }
    at += "/" + raw;
    node = child;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  if (node->is_array() && node->size() == 1) node = &(*node)[0];
  if (!IsScalar(*node)) {
    return Status(Code::kNotFound, what + ": JSON path '" + path + "' holds " + TypeName(*node) +
                                       ", not a string or number");
  }
  return node;
}

}  // namespace

Result<Json> ParseJson(const std::string& text, const std::string& what) {
  JsonLimits limits;
  limits.max_depth = kMaxJsonDepth;
  return wee::ParseJson(text, limits, what);
}

Result<const Json*> FindJsonValue(const Json& doc, const std::string& path,
                                  const std::string& what) {
  if (path.empty()) return InvalidArgument(what + ": empty JSON path");
  if (path[0] == '/') return FindPointer(doc, path, what);
  std::vector<std::string> seen;
  if (const Json* hit = SearchKey(doc, path, &seen)) return hit;
  return Status(Code::kNotFound, what + ": JSON path '" + path +
                                     "' found nothing: looked in " + KeyList(seen));
}

std::string JsonScalarText(const Json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>();
  return DumpJson(value);
}

}  // namespace wee::license
