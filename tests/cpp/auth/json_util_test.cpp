#include "auth/json_util.h"

#include <catch2/catch.hpp>

using namespace wee;
using namespace wee::auth;
using json = wee::Json;

TEST_CASE("strict JSON: duplicates at any depth and deep nesting are refused") {
  CHECK(ParseJsonStrict(R"({"a":1,"b":{"a":2}})", "x").ok());
  CHECK(ParseJsonStrict(R"([{"a":1},{"a":2}])", "x").ok());  // same name, different objects
  auto dup = ParseJsonStrict(R"({"a":{"b":1,"b":2}})", "payload").status();
  CHECK(dup.code() == Code::kMalformed);
  CHECK(dup.message() == "payload: duplicate member \"b\"");
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  CHECK(ParseJsonStrict(deep, "x").status().code() == Code::kMalformed);
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  CHECK(ParseJsonStrict(ok, "x").ok());
  CHECK(ParseJsonStrict("{} x", "x").status().code() == Code::kMalformed);
  CHECK(ParseJsonStrict("", "x").status().code() == Code::kMalformed);
}

TEST_CASE("DumpJson never throws on bytes that are not UTF-8") {
  CHECK(DumpJson(json(std::string("a\xff"))) == "\"a\xef\xbf\xbd\"");
}

TEST_CASE("typed getters name the field") {
  json o = json::parse(R"({"s":"x","b":"true","n":3.0,"f":1.5,"big":1e300,"neg":-4})");
  std::string s;
  bool b = false, present = false;
  int64_t n = 0;
  REQUIRE(GetString(o, "s", "o", &s, &present).ok());
  CHECK((present && s == "x"));
  CHECK(GetString(o, "n", "o", &s, &present).message() == "o.n is not a string");
  REQUIRE(GetBool(o, "b", "o", &b, &present).ok());
  CHECK((present && b));
  REQUIRE(GetInt(o, "n", "o", 0, 10, &n, &present).ok());
  CHECK((present && n == 3));
  CHECK_FALSE(GetInt(o, "f", "o", 0, 10, &n, &present).ok());
  CHECK_FALSE(GetInt(o, "big", "o", 0, INT64_MAX, &n, &present).ok());
  CHECK_FALSE(GetInt(o, "neg", "o", 0, 10, &n, &present).ok());
  REQUIRE(GetInt(o, "absent", "o", 0, 10, &n, &present).ok());
  CHECK_FALSE(present);
}
