#include "base/byte_reader.h"

#include <catch2/catch.hpp>

#include "base/byte_writer.h"
#include "test_util.h"

using namespace wee;

TEST_CASE("reader reads big-endian and refuses to pass the end") {
  Bytes data = test::Hex("0102030405060708090a");
  ByteReader r(data);
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  REQUIRE(r.ReadU8(&u8));
  CHECK(u8 == 1);
  REQUIRE(r.ReadU16(&u16));
  CHECK(u16 == 0x0203);
  REQUIRE(r.ReadU24(&u32));
  CHECK(u32 == 0x040506);
  CHECK_FALSE(r.ReadU64(&u64));  // 4 bytes left
  CHECK(r.pos() == 6);           // failed read leaves the position
  REQUIRE(r.ReadU32(&u32));
  CHECK(u32 == 0x0708090a);
  CHECK_FALSE(r.ReadU8(&u8));
  CHECK_FALSE(r.Skip(1));
  ByteSpan s;
  CHECK(r.ReadSpan(0, &s));
  CHECK_FALSE(r.ReadSpan(SIZE_MAX, &s));
}

TEST_CASE("writer mirrors reader") {
  Bytes out;
  ByteWriter w(&out);
  w.U8(1);
  w.U16(0x0203);
  w.U24(0x040506);
  w.U32(0);
  w.U64(0x1122334455667788ull);
  w.FourCC("moov");
  w.PatchU32(6, 0xdeadbeef);
  CHECK(test::ToHex(out) == "010203040506deadbeef11223344556677886d6f6f76");
}

TEST_CASE("checked arithmetic") {
  uint32_t out = 7;
  CHECK_FALSE(CheckedAdd<uint32_t>(0xffffffffu, 1, &out));
  CHECK(out == 7);
  CHECK(CheckedMul<uint32_t>(0x10000, 0xffff, &out));
  CHECK_FALSE(CheckedMul<uint32_t>(0x10000, 0x10000, &out));
}

TEST_CASE("SecretBytes zeroes on clear") {
  SecretBytes key(ByteSpan(test::Hex("00112233")));
  CHECK(key.size() == 4);
  key.Clear();
  CHECK(key.empty());
}
