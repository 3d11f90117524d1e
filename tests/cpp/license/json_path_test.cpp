#include "license/json_path.h"

#include <catch2/catch.hpp>

using namespace wee;
using namespace wee::license;

namespace {

std::string Find(const std::string& json, const std::string& path) {
  auto doc = ParseJson(json, "response");
  if (!doc.ok()) return "ERROR " + doc.status().message();
  auto v = FindJsonValue(*doc, path, "response");
  if (!v.ok()) return "ERROR " + v.status().message();
  return JsonScalarText(**v);
}

}  // namespace

TEST_CASE("a key name is found anywhere, first in document order") {
  CHECK(Find(R"({"license":"AAA"})", "license") == "AAA");
  CHECK(Find(R"({"status":"ok","data":{"license":"BBB"}})", "license") == "BBB");
  // Document order, not alphabetical order: "z" comes first in the text.
  CHECK(Find(R"({"z":{"license":"first"},"a":{"license":"second"}})", "license") == "first");
  // Inside arrays too.
  CHECK(Find(R"({"items":[{"x":1},{"license":"CCC"}]})", "license") == "CCC");
  // A one-element array is unwrapped (inputstream.adaptive's jsmn lookup does this).
  CHECK(Find(R"({"license":["DDD"]})", "license") == "DDD");
  // An object under the name is searched further (inputstream.adaptive's TraversePaths).
  CHECK(Find(R"({"license":{"license":"EEE"}})", "license") == "EEE");
  // Numbers are values (the HDCP limit).
  CHECK(Find(R"({"license":"x","hdcp":720})", "hdcp") == "720");
  // null / boolean under the name are skipped.
  CHECK(Find(R"({"license":null,"inner":{"license":"FFF"}})", "license") == "FFF");
}

TEST_CASE("a leading '/' makes a JSON pointer (RFC 6901)") {
  CHECK(Find(R"({"a":{"b":"X"}})", "/a/b") == "X");
  CHECK(Find(R"({"a":[{"b":"no"},{"b":"Y"}]})", "/a/1/b") == "Y");
  CHECK(Find(R"({"a/b":{"m~n":"Z"}})", "/a~1b/m~0n") == "Z");
  CHECK(Find(R"({"a":{"b":["one"]}})", "/a/b") == "one");
}

TEST_CASE("a lookup that finds nothing says where it looked") {
  CHECK(Find(R"({"status":"ok","data":{"token":"t"}})", "license") ==
        "ERROR response: JSON path 'license' found nothing: looked in keys status, data, token");
  CHECK(Find(R"([])", "license") ==
        "ERROR response: JSON path 'license' found nothing: looked in no keys at all");
  CHECK(Find(R"({"a":{"x":1,"y":2}})", "/a/b") ==
        "ERROR response: JSON path '/a/b' found nothing: '/a' has keys x, y");
  CHECK(Find(R"({"a":"s"})", "/a/b") ==
        "ERROR response: JSON path '/a/b' found nothing: '/a' is a string");
  CHECK(Find(R"({"a":[1]})", "/a/01") ==
        "ERROR response: JSON path '/a/01' found nothing: '/a' is an array of 1 and '01' is not "
        "an index in it");
  CHECK(Find(R"({"a":{"b":{}}})", "/a/b") ==
        "ERROR response: JSON path '/a/b' holds an object, not a string or number");
  CHECK(Find(R"({"a":1})", "/a~2") == "ERROR response: JSON pointer '/a~2' has a bad '~' escape");
}

TEST_CASE("JSON parse errors carry the byte offset") {
  CHECK(Find(R"({"license": "AAA",})", "license") ==
        "ERROR response: not valid JSON at byte 18 (unexpected '}')");
  CHECK(Find("<html>", "license") == "ERROR response: not valid JSON at byte 0 (unexpected '<')");
  CHECK(Find(R"({"a":1} x)", "a") == "ERROR response: not valid JSON at byte 8 (unexpected 'x')");
  std::string deep(200, '[');
  CHECK(Find(deep, "a") == "ERROR response: JSON nested deeper than 128 levels");
}
