#include "auth/deny.h"

namespace wee::auth {

Status Denied(const char* why, const std::string& detail) {
  return Status(Code::kDenied, std::string(why) + ": " + detail);
}

}  // namespace wee::auth
