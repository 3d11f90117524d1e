#include "cdm/json_util.h"

#include "base/encoding.h"
#include "cdm/cdm_types.h"

namespace wee::cdm {
namespace {

// nlohmann's parser has no depth limit; bound it before parsing so that hostile input cannot
// build a deep tree. Brackets inside strings do not count.
bool WithinDepth(ByteSpan text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size; ++i) {
    char c = char(text[i]);
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character (a quote must not end the string)
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(ByteSpan text, size_t max_size, const std::string& what) {
  if (text.empty())
    return InvalidArgument(what + ": empty");
  if (text.size > max_size) {
    return InvalidArgument(what + ": " + std::to_string(text.size) + " bytes exceeds the " +
                           std::to_string(max_size) + "-byte limit");
  }
  for (size_t i = 0; i < text.size; ++i) {
    if (text[i] > 0x7f)
      return InvalidArgument(what + ": byte " + std::to_string(i) + " is not ASCII");
  }
  if (!WithinDepth(text, kMaxJsonDepth)) {
    return InvalidArgument(what + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  auto begin = reinterpret_cast<const char*>(text.data);
  nlohmann::json root = nlohmann::json::parse(begin, begin + text.size, nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded())
    return InvalidArgument(what + ": not valid JSON");
  if (!root.is_object())
    return InvalidArgument(what + ": JSON root is not an object");
  return root;
}

Result<Bytes> DecodeBase64UrlMember(const nlohmann::json& value,
                                    const std::string& field,
                                    size_t min_size,
                                    size_t max_size) {
  if (!value.is_string())
    return InvalidArgument(field + ": not a string");
  Bytes out;
  if (!Base64UrlDecode(value.get_ref<const std::string&>(), Padding::kForbidden, &out))
    return InvalidArgument(field + ": not base64url without padding");
  if (out.size() < min_size || out.size() > max_size) {
    SecureZero(out.data(), out.size());
    std::string range = min_size == max_size
                            ? std::to_string(min_size)
                            : std::to_string(min_size) + ".." + std::to_string(max_size);
    return InvalidArgument(field + ": " + std::to_string(out.size()) + " bytes, expected " + range);
  }
  return out;
}

}  // namespace wee::cdm
