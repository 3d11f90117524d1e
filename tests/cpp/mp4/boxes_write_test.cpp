// tfhd and trun written back by the structs that read them (the packager's rewrites): every
// field kept as read, whatever the flags, and a version 1 trun's negative composition offsets
// kept bit for bit.
#include "mp4/boxes.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace wee::mp4 {
namespace {

TEST_CASE("tfhd: WritePayload gives back what ParsePayload read, for every optional field") {
  for (const char* hex : {"00000000" "00000007",
                          "0000003b" "00000002" "0000000000001234" "00000001" "00000400" "00000100" "01010000",
                          "00020020" "00000001" "02000000"}) {
    INFO(hex);
    const Bytes payload = test::Hex(hex);
    TfhdBox tfhd;
    REQUIRE(tfhd.ParsePayload(payload, "tfhd").ok());
    CHECK(tfhd.WritePayload() == payload);
  }
}

TEST_CASE("trun: WritePayload gives back the records, with a new data_offset when asked") {
  // Version 1, data offset, first sample flags, 2 records of duration/size/flags/CTO (-512).
  const Bytes v1 = test::Hex("01000f05" "00000002" "00000100" "02000000"
                             "00000200" "00000010" "00010000" "fffffe00"
                             "00000200" "00000020" "00010000" "00000400");
  TrunBox trun;
  REQUIRE(trun.ParsePayload(v1, "trun").ok());
  CHECK(trun.Get(0).composition_offset == -512);
  CHECK(trun.WritePayload() == v1);
  trun.data_offset = 0x1234;
  CHECK(trun.WritePayload() == test::Hex("01000f05" "00000002" "00001234" "02000000"
                                         "00000200" "00000010" "00010000" "fffffe00"
                                         "00000200" "00000020" "00010000" "00000400"));
  // No records at all (every sample takes the tfhd defaults); data offset added.
  const Bytes bare = test::Hex("00000000" "00000003");
  REQUIRE(trun.ParsePayload(bare, "trun").ok());
  trun.flags |= TrunBox::kDataOffsetPresent;
  trun.data_offset = -8;
  CHECK(trun.WritePayload() == test::Hex("00000001" "00000003" "fffffff8"));
}

}  // namespace
}  // namespace wee::mp4
