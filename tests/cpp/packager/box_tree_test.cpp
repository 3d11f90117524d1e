#include "packager/box_tree.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace wee::packager {
namespace {

TEST_CASE("box tree: containers are parsed, leaves kept, sizes rewritten") {
  // moov(mvhd(4 bytes), trak(tkhd(0 bytes)), free(2 bytes))
  Bytes in = test::Hex(
      "0000002e6d6f6f76"          // moov, 46
      "0000000c6d76686400000001"  // mvhd, payload 00000001
      "000000107472616b"          // trak, 16
      "00000008746b6864"          // tkhd, empty
      "0000000a667265650102");    // free 0102
  Box moov;
  REQUIRE(ParseBox(in, 0, "", &moov).ok());
  CHECK(moov.container);
  REQUIRE(moov.children.size() == 3);
  CHECK(moov.Child(MakeFourCC("trak"))->container);
  CHECK(moov.Child(MakeFourCC("free"))->payload == test::Hex("0102"));
  CHECK(WriteBox(moov) == in);
  moov.Child(MakeFourCC("free"))->payload.push_back(3);
  CHECK(moov.Size() == 47);
  CHECK(test::ToHex(WriteBox(moov)).substr(0, 8) == "0000002f");
}

TEST_CASE("box tree: a 64-bit size is read and written back as 32-bit") {
  Bytes in = test::Hex("00000001667265650000000000000012abcd");
  Box box;
  REQUIRE(ParseBox(in, 0, "", &box).ok());
  CHECK(box.payload == test::Hex("abcd"));
  CHECK(test::ToHex(WriteBox(box)) == "0000000a66726565abcd");
}

TEST_CASE("box tree: a child running past its parent is malformed, with the path") {
  Bytes in = test::Hex("000000106d6f6f76" "0000000c7472616b" );  // trak claims 12, has 8
  Box box;
  Status s = ParseBox(in, 0, "", &box);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message() == "moov: trak at 8 extends past the end of its parent");
  Bytes tiny = test::Hex("0000000d6d6f6f7600000000ff");
  s = ParseBox(tiny, 0, "", &box);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message() == "moov: 5 bytes at the end are too few for a box header");
}

TEST_CASE("box tree: trailing zero padding inside a container is dropped") {
  Bytes in = test::Hex("0000000c6d6f6f7600000000");
  Box box;
  REQUIRE(ParseBox(in, 0, "", &box).ok());
  CHECK(box.children.empty());
}

TEST_CASE("box tree: nesting depth is bounded") {
  // 20 nested moov boxes.
  Bytes in;
  for (int i = 0; i < 20; ++i) {
    uint32_t size = 8 * (20 - i);
    Bytes h = {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8), uint8_t(size), 'm', 'o', 'o', 'v'};
    in.insert(in.end(), h.begin(), h.end());
  }
  Box box;
  CHECK(ParseBox(in, 0, "", &box).code() == Code::kLimitExceeded);
}

}  // namespace
}  // namespace wee::packager
