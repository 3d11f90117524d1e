// Status: the one error type of the core. A code says what kind of failure it is (and maps
// to a number that crosses into JS); the message names the field or box at fault.
#pragma once

#include <string>
#include <utility>

namespace wee {

enum class Code : int {
  kOk = 0,
  kNeedMoreData = 1,     // input stops mid-structure; call again with more bytes
  kMalformed = 2,        // input violates its format
  kUnsupported = 3,      // valid input using something we do not implement
  kKeyMissing = 4,       // no key for a KID; the message holds the KID in hex
  kInvalidArgument = 5,  // caller-supplied value is wrong (key length, option, ...)
  kCryptoError = 6,      // the crypto library reported a failure
  kLimitExceeded = 7,    // input exceeds a bound we enforce (sizes, counts)
  kInvalidState = 8,     // operation not allowed in the object's current state
  kNotFound = 9,         // lookup found nothing (JSON path, session id, ...)
  kDenied = 10,          // authentication/authorisation refused
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "malformed: tenc: version 3 is not 0 or 1"
  std::string ToString() const;

  // Prefix the message with the context it happened in, e.g. "moov/trak[1]".
  Status& Within(const std::string& where);

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status Malformed(std::string m) { return Status(Code::kMalformed, std::move(m)); }
inline Status NeedMoreData(std::string m) { return Status(Code::kNeedMoreData, std::move(m)); }
inline Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }
inline Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
inline Status LimitExceeded(std::string m) { return Status(Code::kLimitExceeded, std::move(m)); }

// Early return on failure, like Chromium's RCHECK but carrying the Status.
#define WEE_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::wee::Status wee_status_ = (expr);        \
    if (!wee_status_.ok()) return wee_status_; \
  } while (0)

// Value-or-error for functions that produce something.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace wee
