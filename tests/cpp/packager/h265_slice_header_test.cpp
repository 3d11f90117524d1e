#include "packager/h265_slice_header.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace wee::packager {
namespace {

// The VPS, SPS and PPS of content/clear/hevc_slices.mp4 (scripts/make-content.sh: x265 640x360,
// 4 slices per picture, wavefront parallel processing, weighted prediction, POC lsb 8 bits)
// in an HEVCDecoderConfigurationRecord without its SEI array.
Bytes Hvcc() {
  return test::Hex(
      "0101600000009000000000003ff000fcfdf8f800000f"  // record header (22 bytes)
      "03"                                            // numOfArrays
      "a000010018" "40010c01ffff01600000030090000003000003003f959809"
      "a10001002a" "42010101600000030090000003000003003fa00502016965959a4932bc05a020000003"
      "002000000303c1"
      "a200010007" "4401c172b64240");
}

// The first bytes of the first slices of that file and where FFmpeg's trace_headers (an
// independent H.265 parser) ends each slice segment header, byte_alignment() included: the
// header sizes after the 2-byte NAL unit header.
TEST_CASE("h265: slice segment header sizes agree with FFmpeg's trace_headers") {
  H265SliceHeaderParser parser;
  REQUIRE(parser.AddConfigurationRecord(Hvcc()).ok());
  const std::pair<const char*, size_t> slices[] = {
      {"2801af086063fb", 3},  // IDR_N_LP, first slice segment
      {"2801253c2085c678f9ee", 6},  // IDR, slice_segment_address and an entry point
      {"28012f3c2180f9ee", 4},
      {"2801343c20864aacf9ee", 6},
      {"0201d0294be10c20435968", 7},  // TRAIL_R P slice: st_ref_pic_set in the header
      {"02014a40a52f843081042be480fdbc", 11},  // with pred_weight_table and entry points
      {"02015e40a52f8430810cfac2", 8},
      {"02016840a52f843081042f5240fb68", 11},
      {"0201e0649d7810c0812cfe7e", 8},  // B slice
      {"02014a819275e043020491af80ad84", 11},
      {"02015e819275e0430204b08bc6", 9},
      {"020168819275e043020490acc2a514", 11},
  };
  for (const auto& [hex, want] : slices) {
    const Bytes nal = test::Hex(hex);
    auto size = parser.SliceHeaderSize(nal);
    INFO(hex << ": " << size.status().ToString());
    REQUIRE(size.ok());
    CHECK(*size == want);
  }
}

TEST_CASE("h265: an inter-predicted short-term RPS follows equations 7-61 and 7-62") {
  // Set 0: S0 = {-1, -3} used {1, 0}, S1 = {2} used {1}.
  // Set 1, predicted from set 0 with deltaRps = -1: candidates -2, -4 (from S0), +1 (from S1)
  // and -1 (deltaRps itself); used_by_curr flags 1,1,1,0 with use_delta 1 for the last.
  // Bits: set 0: ue(2)=011 ue(1)=010 | ue(0)=1 u1=1 | ue(1)=010 u1=0 | ue(1)=010 u1=1
  //       set 1: inter=1 | sign=1 ue(0)=1 | used 1,1,1 | used 0 use_delta 1
  std::vector<H265SliceHeaderParser::ShortTermRps> sets;
  const std::string b = "011" "010" "1" "1" "010" "0" "010" "1"
                        "1" "1" "1" "1" "1" "1" "0" "1";
  Bytes packed((b.size() + 7) / 8 + 1, 0);
  for (size_t i = 0; i < b.size(); ++i)
    if (b[i] == '1') packed[i / 8] |= uint8_t(0x80 >> (i % 8));
  RbspBitReader r(packed);
  H265SliceHeaderParser::ShortTermRps rps;
  REQUIRE(ParseShortTermRps(&r, 0, 2, sets, &rps).ok());
  CHECK(rps.delta_poc_s0 == std::vector<int32_t>{-1, -3});
  CHECK(rps.used_s0 == std::vector<bool>{true, false});
  CHECK(rps.delta_poc_s1 == std::vector<int32_t>{2});
  sets.push_back(rps);
  REQUIRE(ParseShortTermRps(&r, 1, 2, sets, &rps).ok());
  // S1 of set 0 (+2) - 1 = +1 -> S1; deltaRps -1 -> S0; S0 entries -2, -4 -> S0.
  CHECK(rps.delta_poc_s0 == std::vector<int32_t>{-1, -2, -4});
  CHECK(rps.used_s0 == std::vector<bool>{false, true, true});
  CHECK(rps.delta_poc_s1 == std::vector<int32_t>{1});
  CHECK(rps.used_s1 == std::vector<bool>{true});
  CHECK(rps.NumUsed() == 3);
}

TEST_CASE("h265: undefined parameter sets and truncated headers are malformed") {
  H265SliceHeaderParser parser;
  const Bytes slice = test::Hex("2801af086063fb");
  auto r = parser.SliceHeaderSize(slice);
  CHECK(r.status().message() == "slice header: PPS 0 is not defined");
  REQUIRE(parser.AddConfigurationRecord(Hvcc()).ok());
  const Bytes cut = test::Hex("0201d029");
  r = parser.SliceHeaderSize(cut);
  CHECK(r.status().code() == Code::kMalformed);
  CHECK(r.status().message() == "slice header: st_ref_pic_set: truncated at num_negative");
  const Bytes short_hvcc = test::Hex("0101600000009000000000003ff000fcfdf8f800000f01a0");
  CHECK(parser.AddConfigurationRecord(short_hvcc).code() == Code::kMalformed);
  const Bytes short_sps = test::Hex("420101");
  CHECK(parser.ProcessNal(short_sps).code() == Code::kMalformed);
}

}  // namespace
}  // namespace wee::packager
