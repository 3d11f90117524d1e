#include "auth/json_util.h"

#include <cmath>
#include <set>
#include <vector>

namespace wee::auth {

using nlohmann::json;

Result<json> ParseJsonStrict(const std::string& text, const std::string& what) {
  std::vector<std::set<std::string>> keys;  // member names of each open object
  std::string error;
  json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (!error.empty()) return false;
    // depth counts the containers around this event: a start at depth 31 opens the 32nd.
    bool opens = event == json::parse_event_t::object_start ||
                 event == json::parse_event_t::array_start;
    if (opens && depth >= kMaxJsonDepth) {
      error = "nested deeper than " + std::to_string(kMaxJsonDepth);
      return false;
    }
    switch (event) {
      case json::parse_event_t::object_start: keys.emplace_back(); break;
      case json::parse_event_t::object_end: if (!keys.empty()) keys.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys.empty() && parsed.is_string() &&
            !keys.back().insert(parsed.get_ref<const std::string&>()).second) {
          error = "duplicate member \"" + parsed.get_ref<const std::string&>() + "\"";
          return false;
        }
        break;
      default: break;
    }
    return true;
  };
  json value = json::parse(text, check, /*allow_exceptions=*/false);
  if (!error.empty()) return Malformed(what + ": " + error);
  if (value.is_discarded()) return Malformed(what + " is not valid JSON");
  return value;
}

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status GetString(const json& object, const char* name, const std::string& where,
                 std::string* out, bool* present) {
  *present = false;
  auto it = object.find(name);
  if (it == object.end()) return Status::Ok();
  if (!it->is_string()) return Malformed(where + "." + name + " is not a string");
  *out = it->get_ref<const std::string&>();
  *present = true;
  return Status::Ok();
}

Status GetBool(const json& object, const char* name, const std::string& where, bool* out,
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

Status GetInt(const json& object, const char* name, const std::string& where, int64_t min,
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
