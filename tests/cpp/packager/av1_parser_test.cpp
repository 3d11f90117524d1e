// The AV1 tile finder on hand-built temporal units, each field placed by the syntax of the AV1
// specification (5.5, 5.9, 5.11). Real encoder output (libaom, SVT-AV1, rav1e) is checked
// against FFmpeg's own parser in tests/js/packager.test.js.
#include "packager/av1_parser.h"

#include <catch2/catch.hpp>

#include "packager/subsamples.h"
#include "test_util.h"

namespace wee::packager {
namespace {

class BitWriter {
 public:
  BitWriter& Put(uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      if (used_ % 8 == 0) bytes_.push_back(0);
      bytes_.back() |= uint8_t(((value >> i) & 1) << (7 - used_ % 8));
      ++used_;
    }
    return *this;
  }
  // trailing_bits(): a one, then zeros to the byte boundary.
  Bytes Trailing() {
    Put(1, 1);
    while (used_ % 8) Put(0, 1);
    return bytes_;
  }
  // byte_alignment(): zeros to the byte boundary.
  Bytes Aligned() {
    while (used_ % 8) Put(0, 1);
    return bytes_;
  }

 private:
  Bytes bytes_;
  size_t used_ = 0;
};

// An OBU with obu_has_size_field: header byte, leb128 size, payload.
Bytes Obu(uint32_t type, const Bytes& payload) {
  Bytes out = {uint8_t(type << 3 | 2)};
  size_t size = payload.size();
  do {
    uint8_t byte = size & 0x7f;
    size >>= 7;
    out.push_back(uint8_t(byte | (size ? 0x80 : 0)));
  } while (size);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A still-picture sequence header (reduced_still_picture_header): 1024x512, 4:2:0, 8 bits, no
// superres, CDEF or loop restoration.
Bytes StillSequenceHeader() {
  BitWriter w;
  w.Put(0, 3).Put(1, 1).Put(1, 1)  // seq_profile, still_picture, reduced_still_picture_header
      .Put(0, 5)                    // seq_level_idx[0]
      .Put(9, 4).Put(8, 4)          // frame_width_bits_minus_1, frame_height_bits_minus_1
      .Put(1023, 10).Put(511, 9)    // max_frame_width_minus_1, max_frame_height_minus_1
      .Put(0, 1).Put(0, 1).Put(0, 1)  // use_128x128_superblock, filter intra, intra edge
      .Put(0, 1).Put(0, 1).Put(0, 1)  // enable_superres, enable_cdef, enable_restoration
      .Put(0, 1).Put(0, 1).Put(0, 1)  // high_bitdepth, mono_chrome, color_description_present
      .Put(0, 1).Put(0, 2)            // color_range, chroma_sample_position
      .Put(0, 1).Put(0, 1);           // separate_uv_delta_q, film_grain_params_present
  return w.Trailing();
}

// Its key frame header, in 2x2 tiles of 8x4 superblocks with 2-byte tile sizes.
BitWriter StillFrameHeader() {
  BitWriter w;
  w.Put(0, 1).Put(0, 1)             // disable_cdf_update, allow_screen_content_tools
      .Put(0, 1)                    // render_and_frame_size_different
      .Put(1, 1)                    // uniform_tile_spacing_flag
      .Put(1, 1).Put(0, 1)          // increment_tile_cols_log2: TileColsLog2 1
      .Put(1, 1).Put(0, 1)          // increment_tile_rows_log2: TileRowsLog2 1
      .Put(0, 2).Put(1, 2)          // context_update_tile_id, tile_size_bytes_minus_1
      .Put(100, 8)                  // base_q_idx
      .Put(0, 1).Put(0, 1).Put(0, 1)  // delta_q y_dc, u_dc, u_ac not coded
      .Put(0, 1).Put(0, 1)          // using_qmatrix, segmentation_enabled
      .Put(0, 1)                    // delta_q_present
      .Put(0, 6).Put(0, 6).Put(0, 3).Put(0, 1)  // loop filter levels, sharpness, deltas off
      .Put(1, 1).Put(0, 1);         // tx_mode_select, reduced_tx_set
  return w;
}

// A tile: its size field (2 bytes, little endian, minus one) unless last, then its bytes.
Bytes Tile(size_t size, bool last) {
  Bytes out;
  if (!last) out = {uint8_t((size - 1) & 0xff), uint8_t((size - 1) >> 8)};
  out.insert(out.end(), size, 0xcd);
  return out;
}

using Tiles = std::vector<std::pair<size_t, size_t>>;

Tiles Parse(Av1Parser* parser, const Bytes& sample) {
  std::vector<Av1Parser::Tile> tiles;
  Status s = parser->ParseSample(sample, &tiles);
  INFO(s.message());
  REQUIRE(s.ok());
  Tiles out;
  for (const auto& t : tiles) out.emplace_back(t.offset, t.size);
  return out;
}

using Layout = std::vector<std::pair<uint32_t, uint32_t>>;

Layout Subsamples(const Bytes& sample, bool align) {
  Av1Parser parser;
  std::vector<mp4::Subsample> out;
  Status s = Av1Subsamples(sample, &parser, align, &out);
  INFO(s.message());
  REQUIRE(s.ok());
  Layout layout;
  for (const auto& sub : out) layout.emplace_back(sub.clear_bytes, sub.protected_bytes);
  return layout;
}

TEST_CASE("av1: a frame header OBU and two tile groups carrying 2 tiles each") {
  const Bytes seq = Obu(1, StillSequenceHeader());
  const Bytes header = Obu(3, StillFrameHeader().Trailing());
  BitWriter g1, g2;
  g1.Put(1, 1).Put(0, 2).Put(1, 2);  // tile_start_and_end_present_flag, tg_start 0, tg_end 1
  g2.Put(1, 1).Put(2, 2).Put(3, 2);  // tiles 2..3
  const Bytes group1 = Obu(4, Cat({g1.Aligned(), Tile(40, false), Tile(7, true)}));
  const Bytes group2 = Obu(4, Cat({g2.Aligned(), Tile(300, false), Tile(33, true)}));
  const Bytes sample = Cat({seq, header, group1, group2});

  Av1Parser parser;
  const size_t g1_tiles = seq.size() + header.size() + 2 + 1;  // OBU header + size, tg header
  const size_t g2_tiles = g1_tiles + 2 + 40 + 7 + 3 + 1;      // leb128 of 300+ is 2 bytes
  CHECK(Parse(&parser, sample) == Tiles{{g1_tiles + 2, 40}, {g1_tiles + 42, 7},
                                        {g2_tiles + 2, 300}, {g2_tiles + 302, 33}});

  // cbcs: every tile its own subsample, the 7-byte one too; cenc: whole blocks at tile ends.
  CHECK(Subsamples(sample, false) ==
        Layout{{uint32_t(g1_tiles + 2), 40}, {0, 7}, {3 + 1 + 2, 300}, {0, 33}});
  CHECK(Subsamples(sample, true) ==
        Layout{{uint32_t(g1_tiles + 2 + 8), 32}, {7 + 3 + 1 + 2 + 12, 288}, {1, 32}});
}

TEST_CASE("av1: a Frame OBU's tiles start after its byte-aligned frame header") {
  BitWriter frame = StillFrameHeader();
  const Bytes header = frame.Aligned();  // frame_header_obu() + byte_alignment()
  BitWriter group;
  group.Put(0, 1);                       // tile_start_and_end_present_flag
  const Bytes payload = Cat({header, group.Aligned(), Tile(20, false), Tile(20, false),
                             Tile(20, false), Tile(17, true)});
  const Bytes sample = Cat({Obu(1, StillSequenceHeader()), Obu(6, payload)});
  const size_t first = sample.size() - payload.size() + header.size() + 1 + 2;
  Av1Parser parser;
  CHECK(Parse(&parser, sample) ==
        Tiles{{first, 20}, {first + 22, 20}, {first + 44, 20}, {first + 64, 17}});
}

TEST_CASE("av1: the sequence header can come from av1C; metadata and padding stay clear") {
  const Bytes av1c = Cat({{0x81, 0x00, 0x0c, 0x00}, Obu(1, StillSequenceHeader())});
  Av1Parser parser;
  REQUIRE(parser.AddConfigurationRecord(av1c).ok());
  BitWriter group;
  group.Put(0, 1);
  const Bytes frame = Obu(6, Cat({StillFrameHeader().Aligned(), group.Aligned(), Tile(16, false),
                                  Tile(16, false), Tile(16, false), Tile(16, true)}));
  const Bytes sample = Cat({Obu(2, {}), Obu(5, {0x04, 0x01, 0x02}), frame, Obu(15, Bytes(9, 0))});
  CHECK(Parse(&parser, sample).size() == 4);
}

TEST_CASE("av1: hostile samples fail with the OBU's position and the field") {
  const Bytes seq = Obu(1, StillSequenceHeader());
  auto error = [](const Bytes& sample, Av1Parser parser = Av1Parser()) {
    std::vector<Av1Parser::Tile> tiles;
    return parser.ParseSample(sample, &tiles).message();
  };
  BitWriter group;
  group.Put(0, 1);
  const Bytes tiles = Cat({group.Aligned(), Tile(20, false), Tile(20, false), Tile(20, false), Tile(17, true)});
  const Bytes frame = Obu(6, Cat({StillFrameHeader().Aligned(), tiles}));

  CHECK(error(frame) == "OBU at byte 0: frame header: comes before any sequence header");
  CHECK(error(Bytes{0x80}) == "OBU at byte 0: obu_forbidden_bit is 1");
  CHECK(error(Bytes{0x0a, 0x05, 0x00}) == "OBU at byte 0: obu_size 5 runs past the sample's end (1 bytes left)");
  CHECK(error(Bytes{0x0a, 0x80}) == "OBU at byte 0: truncated at obu_size");
  CHECK(error(Cat({seq, Obu(4, Bytes(4, 0))})).find("a tile group without a frame header") != std::string::npos);
  CHECK(error(Obu(8, Bytes(3, 0))) == "OBU at byte 0: Tile List OBUs (large scale tile) are not supported");
  // The frame header cut short: the field it stopped at.
  const Bytes full_header = StillFrameHeader().Aligned();
  const Bytes short_header = Obu(6, Bytes(full_header.begin(), full_header.begin() + 2));
  CHECK(error(Cat({seq, short_header})) ==
        "OBU at byte " + std::to_string(seq.size()) + ": frame header: truncated at base_q_idx");
  // A tile size beyond the OBU.
  Bytes bad = Cat({StillFrameHeader().Aligned(), group.Aligned(), Bytes{0xff, 0x7f}, Bytes(10, 0)});
  CHECK(error(Cat({seq, Obu(6, bad)})).find("tile group: tile 0: size 32768 runs past the OBU's end (10 bytes left)") !=
        std::string::npos);
  // An empty last tile.
  bad = Cat({StillFrameHeader().Aligned(), group.Aligned(), Tile(1, false), Tile(1, false), Tile(1, false)});
  CHECK(error(Cat({seq, Obu(6, bad)})).find("tile group: tile 3 is empty") != std::string::npos);
  // Tiles that do not continue the frame.
  BitWriter skip;
  skip.Put(1, 1).Put(1, 2).Put(3, 2);
  const Bytes header = Obu(3, StillFrameHeader().Trailing());
  CHECK(error(Cat({seq, header, Obu(4, Cat({skip.Aligned(), Tile(5, false), Tile(5, false), Tile(5, true)}))}))
            .find("tiles 1..3 do not continue the frame's 4 tiles at 0") != std::string::npos);
  // av1C
  Av1Parser parser;
  CHECK(parser.AddConfigurationRecord({}).message() ==
        "av1C: 0 bytes, less than 4 (FFmpeg writes an empty av1C when it fragments while encoding "
        "AV1: encode to a plain MP4 first, then fragment it with -c copy)");
  CHECK(parser.AddConfigurationRecord(Bytes{0x01, 0, 0, 0}).message() == "av1C: marker/version byte is not 0x81");
}

}  // namespace
}  // namespace wee::packager
