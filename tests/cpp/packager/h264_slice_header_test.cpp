#include "packager/h264_slice_header.h"

#include <catch2/catch.hpp>

#include "base/byte_reader.h"
#include "test_util.h"

namespace wee::packager {
namespace {

TEST_CASE("rbsp: Exp-Golomb codes (14496-10 9.1 table 9-2)") {
  // 1 | 010 | 011 | 00100 | 00111 | 0001000 -> ue 0 1 2 3 6 7; then se from 010 (1), 011 (-1).
  // Bits: 1010 0110 0100 0011 1000 1000 0100 1100 (= a6 43 88 4c)
  const Bytes bits = test::Hex("a643884c");
  RbspBitReader r(bits);
  uint32_t v = 0;
  for (uint32_t want : {0u, 1u, 2u, 3u, 6u, 7u}) {
    REQUIRE(r.ReadUe(&v));
    CHECK(v == want);
  }
  int32_t s = 0;
  REQUIRE(r.ReadSe(&s));
  CHECK(s == 1);
  REQUIRE(r.ReadSe(&s));
  CHECK(s == -1);
  CHECK(r.BytesConsumed() == 4);
}

TEST_CASE("rbsp: emulation prevention bytes are skipped but counted") {
  // 00 00 03 01: the RBSP is 00 00 01; reading 24 bits consumes 4 NAL unit bytes.
  const Bytes escaped = test::Hex("00000301ff"), plain = test::Hex("0003"), zeros = test::Hex("0000000000");
  RbspBitReader r(escaped);
  uint32_t v = 0;
  REQUIRE(r.ReadBits(24, &v));
  CHECK(v == 1);
  CHECK(r.BytesConsumed() == 4);
  // A 03 not after two zeros is data.
  RbspBitReader d(plain);
  REQUIRE(d.ReadBits(16, &v));
  CHECK(v == 3);
  // Past the end, and a ue(v) longer than 32 bits, fail.
  RbspBitReader e(zeros);
  CHECK(!e.ReadUe(&v));
  CHECK(!d.ReadBit(&v));
}

// SPS and PPS of mp4ff/prog_8s_dec_dashinit.mp4's avcC (High profile, CABAC, POC type 0).
Bytes Prog8sAvcc() {
  Bytes input = test::ReadTestData("mp4ff/prog_8s_dec_dashinit.mp4");
  const std::string tag = "avcC";
  auto it = std::search(input.begin(), input.end(), tag.begin(), tag.end());
  REQUIRE(it != input.end());
  const size_t size = LoadBE32(&*(it - 4));
  return Bytes(it + 4, it - 4 + size);
}

TEST_CASE("h264: slice header sizes agree with FFmpeg's trace_headers") {
  H264SliceHeaderParser parser;
  REQUIRE(parser.AddConfigurationRecord(Prog8sAvcc()).ok());
  // The first bytes of the IDR slice of prog_8s's first sample and what FFmpeg's
  // trace_headers reports: slice header up to bit 40 -> 4 bytes after the NAL unit header.
  Bytes input = test::ReadTestData("mp4ff/prog_8s_dec_dashinit.mp4");
  // Find the first IDR NAL unit (type 5) in the first video sample: after the SEI.
  const std::string mdat = "mdat";
  auto it = std::search(input.begin(), input.end(), mdat.begin(), mdat.end());
  REQUIRE(it != input.end());
  size_t pos = size_t(it - input.begin()) + 4;
  // The first samples in the mdat are video (track 2 of prog_8s).
  std::vector<size_t> sizes;
  for (int n = 0; n < 8 && sizes.size() < 1; ++n) {
    const size_t len = LoadBE32(input.data() + pos);
    ByteSpan nal(input.data() + pos + 4, len);
    if ((nal[0] & 0x1f) == 5) {
      auto size = parser.SliceHeaderSize(nal);
      REQUIRE(size.ok());
      sizes.push_back(*size);
    }
    pos += 4 + len;
  }
  CHECK(sizes == std::vector<size_t>{4});
}

TEST_CASE("h264: undefined parameter sets and truncated headers are malformed") {
  H264SliceHeaderParser parser;
  // IDR slice with first_mb 0, slice_type 7, pps_id 0, but no PPS yet.
  const Bytes idr = test::Hex("658880");
  auto r = parser.SliceHeaderSize(idr);
  CHECK(r.status().code() == Code::kMalformed);
  CHECK(r.status().message() == "slice header: PPS 0 is not defined");
  REQUIRE(parser.AddConfigurationRecord(Prog8sAvcc()).ok());
  r = parser.SliceHeaderSize(idr);
  CHECK(r.status().code() == Code::kMalformed);
  CHECK_THAT(r.status().message(), Catch::StartsWith("slice header: truncated at "));
  const Bytes short_avcc = test::Hex("0164001fff"), short_sps = test::Hex("6764");
  CHECK(parser.AddConfigurationRecord(short_avcc).code() == Code::kMalformed);
  // An SPS cut short.
  CHECK(parser.ProcessNal(short_sps).code() == Code::kMalformed);
}

}  // namespace
}  // namespace wee::packager
