#include "base/status.h"

#include <catch2/catch.hpp>

using namespace wee;

namespace {

Status Fails() { return Malformed("tenc: version 3 is not 0 or 1"); }
Status Propagates() {
  WEE_RETURN_IF_ERROR(Fails());
  return Status(Code::kInvalidState, "not reached");
}

}  // namespace

TEST_CASE("status text names the kind and the field") {
  CHECK(Status::Ok().ToString() == "ok");
  CHECK(Fails().ToString() == "malformed: tenc: version 3 is not 0 or 1");
  Status s = Fails();
  s.Within("moov/trak[1]");
  CHECK(s.message() == "moov/trak[1]: tenc: version 3 is not 0 or 1");
  Status ok = Status::Ok();
  ok.Within("ignored");
  CHECK(ok.message().empty());
}

TEST_CASE("WEE_RETURN_IF_ERROR returns the first failure") {
  CHECK(Propagates().code() == Code::kMalformed);
}

TEST_CASE("every code has a name and a stable number") {
  CHECK(std::string(CodeName(Code::kNeedMoreData)) == "need more data");
  CHECK(std::string(CodeName(Code::kKeyMissing)) == "key missing");
  // The numbers cross into JS (js/src/core/module.js CODE_NAMES): never renumber.
  CHECK(int(Code::kOk) == 0);
  CHECK(int(Code::kMalformed) == 2);
  CHECK(int(Code::kDenied) == 10);
}

TEST_CASE("Result carries a value or a status") {
  Result<int> good = 7;
  REQUIRE(good.ok());
  CHECK(*good == 7);
  Result<int> bad = InvalidArgument("key is 15 bytes, expected 16");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
}
