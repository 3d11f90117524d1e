#include "cdm/json_util.h"

#include "base/encoding.h"
#include "cdm/cdm_types.h"

namespace wee::cdm {

Result<Json> ParseJsonObject(ByteSpan text, size_t max_size, const std::string& what) {
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
  JsonLimits limits;
  limits.max_depth = kMaxJsonDepth;
  auto root = ParseJson(std::string_view(reinterpret_cast<const char*>(text.data), text.size),
                        limits, what);
  // Every malformed Clear Key message is the caller's argument error (a TypeError in EME).
  if (!root.ok())
    return InvalidArgument(root.status().message());
  if (!root->is_object())
    return InvalidArgument(what + ": JSON root is not an object");
  return root;
}

Result<Bytes> DecodeBase64UrlMember(const Json& value,
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
