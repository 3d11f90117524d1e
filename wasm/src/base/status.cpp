#include "base/status.h"

namespace wee {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kNeedMoreData: return "need more data";
    case Code::kMalformed: return "malformed";
    case Code::kUnsupported: return "unsupported";
    case Code::kKeyMissing: return "key missing";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kCryptoError: return "crypto error";
    case Code::kLimitExceeded: return "limit exceeded";
    case Code::kInvalidState: return "invalid state";
    case Code::kNotFound: return "not found";
    case Code::kDenied: return "denied";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status& Status::Within(const std::string& where) {
  if (!ok()) message_ = where + ": " + message_;
  return *this;
}

}  // namespace wee
