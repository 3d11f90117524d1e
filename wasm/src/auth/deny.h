// Refusals of the auth module: Code::kDenied (Code::kLimitExceeded for an oversized token)
// with a message "<reason>: <detail>", the reason one of the words below, so that a server can
// pick an HTTP status and log a category without parsing prose.
#pragma once

#include <string>

#include "base/status.h"

namespace wee::auth {

namespace reason {
constexpr char kMalformed[] = "malformed";            // not a compact JWS / not JSON
constexpr char kAlgorithm[] = "algorithm";            // alg is not the pinned HS256
constexpr char kSignature[] = "signature";            // MAC does not match
constexpr char kExpired[] = "expired";                // exp / expiration_date passed
constexpr char kNotYetValid[] = "not-yet-valid";      // nbf / begin_date in the future
constexpr char kOversized[] = "oversized";            // longer than the configured maximum
constexpr char kUnsupported[] = "unsupported";        // crit header, unknown message version
constexpr char kComKeyId[] = "com-key-id";            // signed for another communication key
constexpr char kKidNotEntitled[] = "kid-not-entitled";
constexpr char kLicenseWindow[] = "license-window";   // license not yet / no longer valid
constexpr char kTimestamp[] = "timestamp";            // OAuth timestamp outside the window
constexpr char kUnknownClient[] = "unknown-client";   // OAuth consumer key / token unknown
}  // namespace reason

Status Denied(const char* why, const std::string& detail);

}  // namespace wee::auth
