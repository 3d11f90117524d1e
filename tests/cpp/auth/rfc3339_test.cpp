#include "auth/rfc3339.h"

#include <catch2/catch.hpp>

using namespace wee::auth;

TEST_CASE("RFC 3339 date-times to Unix seconds") {
  int64_t s = 0;
  REQUIRE(ParseRfc3339("1970-01-01T00:00:00Z", &s));
  CHECK(s == 0);
  // RFC 7515 A.1's exp 1300819380 is 2011-03-22T18:43:00Z.
  REQUIRE(ParseRfc3339("2011-03-22T18:43:00Z", &s));
  CHECK(s == 1300819380);
  REQUIRE(ParseRfc3339("2011-03-22T20:43:00+02:00", &s));
  CHECK(s == 1300819380);
  REQUIRE(ParseRfc3339("2011-03-22T13:13:00.999-05:30", &s));
  CHECK(s == 1300819380);
  REQUIRE(ParseRfc3339("2000-02-29t00:00:00z", &s));
  CHECK(s == 951782400);
  REQUIRE(ParseRfc3339("1969-12-31T23:59:59Z", &s));
  CHECK(s == -1);
  for (const char* bad : {"2011-03-22", "2011-03-22T18:43:00", "2011-03-22 18:43:00Z",
                          "2011-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2011-13-01T00:00:00Z",
                          "2011-03-22T24:00:00Z", "2011-03-22T18:43:00.Z",
                          "2011-03-22T18:43:00+0200",
                          "2011-03-22T18:43:00Z ", "+2011-03-22T18:43:00Z", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRfc3339(bad, &s));
  }
}

TEST_CASE("Unix seconds to RFC 3339") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1300819380) == "2011-03-22T18:43:00Z");
  CHECK(FormatRfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(FormatRfc3339(951782400) == "2000-02-29T00:00:00Z");
  CHECK(FormatRfc3339(INT64_MAX) == "9999-12-31T23:59:59Z");
  int64_t s = 0;
  // 0000-01-01, the epoch, 2100-01-01 and 9999-12-31T23:59:59.
  for (int64_t t : {int64_t(-62167219200), int64_t(0), int64_t(4102444800),
                    int64_t(253402300799)}) {
    REQUIRE(ParseRfc3339(FormatRfc3339(t), &s));
    CHECK(s == t);
  }
}
