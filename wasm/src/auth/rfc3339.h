// RFC 3339 date-times <-> seconds since 1970-01-01T00:00:00Z (entitlement dates).
#pragma once

#include <cstdint>
#include <string>

namespace wee::auth {

// "2015-08-18T15:22:40+03:00", "2024-01-01T00:00:00.000Z" (RFC 3339 section 5.6, years
// 0000-9999). Fractional seconds are truncated. False on anything else.
[[nodiscard]] bool ParseRfc3339(const std::string& text, int64_t* seconds);

// "2015-08-18T12:22:40Z". Years outside 0000-9999 are clamped to that range's ends.
std::string FormatRfc3339(int64_t seconds);

}  // namespace wee::auth
