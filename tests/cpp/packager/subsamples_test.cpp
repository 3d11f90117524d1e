#include "packager/subsamples.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace wee::packager {
namespace {

using Layout = std::vector<std::pair<uint32_t, uint32_t>>;

Layout Of(const std::vector<mp4::Subsample>& subsamples) {
  Layout out;
  for (const auto& s : subsamples) out.emplace_back(s.clear_bytes, s.protected_bytes);
  return out;
}

// A length-prefixed NAL unit: 4-byte length, header byte(s), then `payload` bytes of 0xab.
Bytes Nal(Bytes header, size_t payload) {
  const size_t size = header.size() + payload;
  Bytes out = {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8), uint8_t(size)};
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload, 0xab);
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Layout H264(const Bytes& sample, NalVisitor visit = nullptr, bool align = true) {
  std::vector<mp4::Subsample> out;
  REQUIRE(NalSubsamples(sample, NalCodec::kH264, 4, visit, align, &out).ok());
  return Of(out);
}

TEST_CASE("subsamples: a VCL NAL unit keeps length and header clear, protects whole blocks") {
  // IDR slice (type 5) with 40 payload bytes: 40 = 2*16 + 8 -> 8 more bytes clear.
  CHECK(H264(Nal({0x65}, 40)) == Layout{{4 + 1 + 8, 32}});
  // Exactly 32 bytes of payload: nothing moves.
  CHECK(H264(Nal({0x41}, 32)) == Layout{{5, 32}});
  // Fewer than 16 payload bytes: the whole NAL unit is clear.
  CHECK(H264(Nal({0x41}, 15)) == Layout{{20, 0}});
}

TEST_CASE("subsamples: non-VCL NAL units are clear and join the next subsample's clear part") {
  // SEI (6) 10 bytes, AUD (9) 1 byte, then a non-IDR slice (1) of 33 payload bytes.
  Bytes sample = Cat({Nal({0x06}, 10), Nal({0x09}, 1), Nal({0x41}, 33)});
  CHECK(H264(sample) == Layout{{(4 + 11) + (4 + 2) + (4 + 1 + 1), 32}});
  // Two slices (several protected ranges per sample), then a trailing clear NAL unit.
  Bytes two = Cat({Nal({0x65}, 48), Nal({0x65}, 20), Nal({0x0c}, 3)});
  CHECK(H264(two) == Layout{{5, 48}, {5 + 4, 16}, {4 + 4, 0}});
}

TEST_CASE("subsamples: H.265 has a 2-byte NAL unit header and VCL types 0..31") {
  std::vector<mp4::Subsample> out;
  // IDR_W_RADL (19): header 0x26 0x01; then a PPS (34): header 0x44 0x01, clear.
  Bytes sample = Cat({Nal({0x26, 0x01}, 64), Nal({0x44, 0x01}, 40)});
  REQUIRE(NalSubsamples(sample, NalCodec::kH265, 4, nullptr, true, &out).ok());
  CHECK(Of(out) == Layout{{6, 64}, {46, 0}});
}

TEST_CASE("subsamples: a measured slice header stays clear") {
  std::vector<std::pair<size_t, bool>> seen;
  auto slice = [&](ByteSpan nal, bool vcl) -> Result<size_t> {
    seen.emplace_back(nal.size, vcl);
    return size_t(vcl ? 7 : 0);
  };
  // SEI (visited, not VCL), then 64 payload bytes of which 7 slice header: aligned, 57 -> 48
  // protected and 9 more clear; unaligned (cbcs), the 57 bytes after the header.
  const Bytes sample = Cat({Nal({0x06}, 3), Nal({0x65}, 64)});
  CHECK(H264(sample, slice) == Layout{{8 + 5 + 7 + 9, 48}});
  CHECK(seen == std::vector<std::pair<size_t, bool>>{{4, false}, {65, true}});
  CHECK(H264(sample, slice, /*align=*/false) == Layout{{8 + 5 + 7, 57}});
  auto broken = [](ByteSpan, bool) -> Result<size_t> { return Malformed("slice header: PPS 3 is not defined"); };
  std::vector<mp4::Subsample> out;
  CHECK(NalSubsamples(sample, NalCodec::kH264, 4, broken, true, &out).message() ==
        "NAL unit at byte 0: slice header: PPS 3 is not defined");
}

TEST_CASE("subsamples: clear runs above 65535 bytes are split") {
  Bytes sample = Cat({Nal({0x06}, 70000), Nal({0x65}, 16)});
  CHECK(H264(sample) == Layout{{65535, 0}, {70005 + 5 - 65535, 16}});
}

TEST_CASE("subsamples: NAL unit lengths must fill the sample exactly") {
  std::vector<mp4::Subsample> out;
  Bytes sample = Nal({0x65}, 20);
  sample.pop_back();
  Status s = NalSubsamples(sample, NalCodec::kH264, 4, nullptr, true, &out);
  CHECK(s.code() == Code::kMalformed);
  CHECK(s.message() == "NAL unit at byte 0: length 21 runs past the sample's end (24 bytes)");
  s = NalSubsamples(test::Hex("000000"), NalCodec::kH264, 4, nullptr, true, &out);
  CHECK(s.message() == "NAL unit at byte 0: 3 bytes left for a 4-byte length");
  CHECK(NalSubsamples(sample, NalCodec::kH264, 3, nullptr, true, &out).code() == Code::kMalformed);
}

TEST_CASE("subsamples: 2-byte NAL unit lengths") {
  std::vector<mp4::Subsample> out;
  Bytes sample = {0x00, 0x21, 0x65};
  sample.insert(sample.end(), 32, 0);
  REQUIRE(NalSubsamples(sample, NalCodec::kH264, 2, nullptr, true, &out).ok());
  CHECK(Of(out) == Layout{{3, 32}});
}

TEST_CASE("subsamples: block-aligned audio leaves the partial block clear up front") {
  CHECK(Of(BlockAlignedSubsamples(100)) == Layout{{4, 96}});
  CHECK(Of(BlockAlignedSubsamples(15)) == Layout{{15, 0}});
  CHECK(Of(BlockAlignedSubsamples(32)) == Layout{{0, 32}});
}

}  // namespace
}  // namespace wee::packager
