#include "base/json.h"

#include <set>
#include <vector>

namespace wee {
namespace {

// nlohmann's own DOM builder, with the limits enforced as the document is read (nothing deep
// or wide is ever built) and the error position that parse(..., allow_exceptions=false) drops.
class GuardedSax {
 public:
  GuardedSax(Json* root, const JsonLimits& limits) : dom_(*root, false), limits_(limits) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(Json::string_t& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return Open(true) && dom_.start_object(n); }
  bool key(Json::string_t& v) { return Member(v) && dom_.key(v); }
  bool end_object() { return Close() && dom_.end_object(); }
  bool start_array(std::size_t n) { return Open(false) && dom_.start_array(n); }
  bool end_array() { return Close() && dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) {
    position_ = position;
    return dom_.parse_error(position, token, e);
  }

  const std::string& limit_error() const { return limit_error_; }
  size_t position() const { return position_; }

 private:
  struct Frame {
    bool object;
    size_t members = 0;
    std::set<std::string> names;  // only when duplicates are rejected
  };

  bool Open(bool object) {
    if (frames_.size() >= limits_.max_depth) {
      limit_error_ = "JSON nested deeper than " + std::to_string(limits_.max_depth) + " levels";
      return false;
    }
    frames_.push_back(Frame{object});
    return true;
  }
  bool Close() {
    if (!frames_.empty()) frames_.pop_back();
    return true;
  }
  bool Member(const std::string& name) {
    if (frames_.empty()) return true;
    Frame& f = frames_.back();
    if (++f.members > limits_.max_members) {
      limit_error_ = "an object has more than " + std::to_string(limits_.max_members) + " members";
      return false;
    }
    if (limits_.reject_duplicates && !f.names.insert(name).second) {
      limit_error_ = "duplicate member \"" + name + "\"";
      return false;
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  const JsonLimits& limits_;
  std::vector<Frame> frames_;
  std::string limit_error_;
  size_t position_ = 0;
};

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, const std::string& what) {
  Json root;
  GuardedSax sax(&root, limits);
  const char* begin = text.data();
  bool ok = Json::sax_parse(begin, begin + text.size(), &sax, Json::input_format_t::json,
                            /*strict=*/true);
  if (!sax.limit_error().empty()) return LimitExceeded(what + ": " + sax.limit_error());
  if (ok) return root;
  // nlohmann counts the position from 1 (the byte it stopped on); report a 0-based offset.
  size_t at = sax.position() > 0 ? sax.position() - 1 : 0;
  std::string reason = "unexpected end";
  if (at < text.size()) {
    char c = text[at];
    const char* hex = "0123456789abcdef";
    reason = c > 0x20 && c < 0x7f ? std::string("unexpected '") + c + "'"
                                  : std::string("unexpected byte 0x") + hex[uint8_t(c) >> 4] +
                                        hex[uint8_t(c) & 15];
  }
  return Malformed(what + ": not valid JSON at byte " + std::to_string(at) + " (" + reason + ")");
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace wee
