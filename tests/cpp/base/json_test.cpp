#include "base/json.h"

#include <catch2/catch.hpp>

using namespace wee;

namespace {

std::string Error(const std::string& text, JsonLimits limits = {}) {
  auto r = ParseJson(text, limits, "doc");
  return r.ok() ? "ok" : r.status().message();
}

}  // namespace

TEST_CASE("json: syntax errors say the byte and what is there") {
  CHECK(Error("") == "doc: not valid JSON at byte 0 (unexpected end)");
  CHECK(Error(R"({"a":1,})") == "doc: not valid JSON at byte 7 (unexpected '}')");
  CHECK(Error(R"({"a":1} x)") == "doc: not valid JSON at byte 8 (unexpected 'x')");
  CHECK(Error("[\x01]") == "doc: not valid JSON at byte 1 (unexpected byte 0x01)");
  CHECK(ParseJson("[1]", {}, "doc").ok());
}

TEST_CASE("json: nesting is bounded while reading") {
  JsonLimits limits;
  limits.max_depth = 3;
  CHECK(Error("[[[1]]]", limits) == "ok");
  CHECK(Error("[[[[1]]]]", limits) == "doc: JSON nested deeper than 3 levels");
  CHECK(Error(R"({"a":{"b":[{}]}})", limits) == "doc: JSON nested deeper than 3 levels");
  // Far deeper than any stack would survive if the tree were built first.
  CHECK(Error(std::string(100000, '[')) == "doc: JSON nested deeper than 32 levels");
  CHECK(ParseJson(R"({"a":1,})", limits, "doc").status().code() == Code::kMalformed);
  CHECK(ParseJson("[[[[1]]]]", limits, "doc").status().code() == Code::kLimitExceeded);
}

TEST_CASE("json: members per object are bounded, duplicates refused only when asked") {
  JsonLimits limits;
  limits.max_members = 2;
  CHECK(Error(R"({"a":1,"b":2})", limits) == "ok");
  CHECK(Error(R"({"a":1,"b":2,"c":3})", limits) == "doc: an object has more than 2 members");
  CHECK(Error(R"([{"a":1,"b":2},{"a":1,"b":2}])", limits) == "ok");  // per object
  CHECK(Error(R"({"a":{"x":1,"y":2},"b":2})", limits) == "ok");

  auto last = ParseJson(R"({"a":1,"a":2})", {}, "doc");
  REQUIRE(last.ok());
  CHECK((*last)["a"] == 2);  // the last one wins, as in nlohmann and Chromium
  JsonLimits strict;
  strict.reject_duplicates = true;
  CHECK(Error(R"({"a":1,"b":{"a":2}})", strict) == "ok");
  CHECK(Error(R"({"a":1,"b":{"c":2,"c":3}})", strict) == "doc: duplicate member \"c\"");
}

TEST_CASE("json: members keep document order, in and out") {
  auto doc = ParseJson(R"({"z":1,"a":{"y":2,"b":3}})", {}, "doc");
  REQUIRE(doc.ok());
  CHECK(doc->begin().key() == "z");
  CHECK(DumpJson(*doc) == R"({"z":1,"a":{"y":2,"b":3}})");
  Json built = {{"kids", Json::array()}, {"type", "temporary"}};
  built["alpha"] = true;
  CHECK(DumpJson(built) == R"({"kids":[],"type":"temporary","alpha":true})");
  // Invalid UTF-8 does not abort (JSON_NOEXCEPTION): it becomes U+FFFD.
  CHECK(DumpJson(Json(std::string("a\xff"))) == "\"a\xef\xbf\xbd\"");
}
