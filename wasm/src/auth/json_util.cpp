#include "auth/json_util.h"

#include <cmath>

namespace wee::auth {

Result<Json> ParseJsonStrict(const std::string& text, const std::string& what) {
  JsonLimits limits;
  limits.max_depth = kMaxJsonDepth;
  limits.reject_duplicates = true;
  auto value = ParseJson(text, limits, what);
  if (!value.ok()) return Malformed(value.status().message());
  return value;
}

Status GetString(const Json& object, const char* name, const std::string& where,
                 std::string* out, bool* present) {
  *present = false;
  auto it = object.find(name);
  if (it == object.end()) return Status::Ok();
  if (!it->is_string()) return Malformed(where + "." + name + " is not a string");
  *out = it->get_ref<const std::string&>();
  *present = true;
  return Status::Ok();
}

Status GetBool(const Json& object, const char* name, const std::string& where, bool* out,
               bool* present) {
  *present = false;
  auto it = object.find(name);
  if (it == object.end()) return Status::Ok();
  if (it->is_boolean()) {
    *out = it->get<bool>();
  } else if (it->is_string() && (*it == "true" || *it == "false")) {
    *out = *it == "true";
  } else {
    return Malformed(where + "." + name + " is not a boolean");
  }
  *present = true;
  return Status::Ok();
}

Status GetInt(const Json& object, const char* name, const std::string& where, int64_t min,
              int64_t max, int64_t* out, bool* present) {
  *present = false;
  auto it = object.find(name);
  if (it == object.end()) return Status::Ok();
  std::string field = where + "." + name;
  double v;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    int64_t i = it->get<int64_t>();
    if (i < min || i > max) return Malformed(field + " is out of range");
    *out = i;
    *present = true;
    return Status::Ok();
  } else if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    if (u > uint64_t(max)) return Malformed(field + " is out of range");
    *out = int64_t(u);
    *present = true;
    return Status::Ok();
  } else if (it->is_number_float()) {
    v = it->get<double>();
  } else {
    return Malformed(field + " is not a number");
  }
  if (!std::isfinite(v) || v != std::floor(v)) return Malformed(field + " is not an integer");
  // Beyond 2^53 a double is not an exact integer; the ranges callers use are far smaller.
  if (std::fabs(v) > 9007199254740992.0 || v < double(min) || v > double(max))
    return Malformed(field + " is out of range");
  *out = int64_t(v);
  *present = true;
  return Status::Ok();
}

}  // namespace wee::auth
