// Finds the tiles of AV1 samples, so that the packager protects exactly what the AV1 ISOBMFF
// binding (section "Common Encryption") asks for: the decode_tile() bytes of Tile Group and
// Frame OBUs; OBU headers, size fields, sequence and frame headers, tile group headers, tile
// size fields and every other OBU stay clear.
//
// Where the tile data of a Frame OBU starts depends on the length of its uncompressed frame
// header, which depends on the sequence header and on state carried from frame to frame in the
// eight reference slots (sizes for frame_size_with_refs, order hints for skip mode and
// frame_refs_short_signaling, segmentation data for lossless frames). The parser follows the
// AV1 specification's decoding process for exactly that state, sample after sample.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace wee::packager {

class Av1Parser {
 public:
  // The configOBUs of an AV1CodecConfigurationRecord ('av1C'): a sequence header, if present.
  [[nodiscard]] Status AddConfigurationRecord(ByteSpan av1c);

  struct Tile {
    size_t offset = 0;  // of the decode_tile() bytes, in the sample
    size_t size = 0;
  };
  // Parses one sample (a temporal unit: OBUs with size fields; the last may omit it) and
  // returns its tiles in order. Updates the reference state: samples must come in decode
  // order. kMalformed naming the OBU's byte position and the field; kUnsupported for Tile List
  // OBUs (large scale tile), which the ISOBMFF binding excludes.
  [[nodiscard]] Status ParseSample(ByteSpan sample, std::vector<Tile>* tiles);

  struct SequenceHeader;
  // The last sequence header seen (nullptr before any).
  const SequenceHeader* sequence_header() const { return seq_ ? &*seq_ : nullptr; }

  struct SequenceHeader {
    bool reduced_still_picture_header = false;
    bool decoder_model_info_present = false;
    bool equal_picture_interval = false;
    uint32_t buffer_removal_time_length = 0;
    uint32_t frame_presentation_time_length = 0;
    std::vector<uint32_t> operating_point_idc;
    std::vector<bool> decoder_model_present_for_op;
    uint32_t frame_width_bits = 0;
    uint32_t frame_height_bits = 0;
    uint32_t max_frame_width = 0;
    uint32_t max_frame_height = 0;
    bool frame_id_numbers_present = false;
    uint32_t delta_frame_id_length = 0;  // delta_frame_id_length_minus_2 + 2
    uint32_t frame_id_length = 0;        // idLen
    bool use_128x128_superblock = false;
    bool enable_warped_motion = false;
    bool enable_order_hint = false;
    bool enable_ref_frame_mvs = false;
    uint32_t seq_force_screen_content_tools = 0;
    uint32_t seq_force_integer_mv = 0;
    uint32_t order_hint_bits = 0;
    bool enable_superres = false;
    bool enable_cdef = false;
    bool enable_restoration = false;
    bool mono_chrome = false;
    // color_config(): CP/TC/MC_UNSPECIFIED (2) unless color_description_present_flag.
    bool color_description_present = false;
    uint32_t color_primaries = 2;
    uint32_t transfer_characteristics = 2;
    uint32_t matrix_coefficients = 2;
    bool color_range = false;
    bool subsampling_x = false;
    bool subsampling_y = false;
    bool separate_uv_delta_q = false;
    bool film_grain_params_present = false;
  };

  // What the decoding process keeps of a frame in a reference slot (7.20), as far as header
  // lengths depend on it.
  struct FrameState {
    bool valid = false;
    uint32_t frame_type = 0;
    uint32_t upscaled_width = 0;
    uint32_t frame_width = 0;
    uint32_t frame_height = 0;
    uint32_t render_width = 0;
    uint32_t render_height = 0;
    uint32_t order_hint = 0;
    // Segmentation feature SEG_LVL_ALT_Q per segment (lossless frames read fewer fields).
    std::array<bool, 8> alt_q_enabled{};
    std::array<int32_t, 8> alt_q{};
  };

  // A frame header as far as the tile groups after it need it.
  struct FrameHeader {
    bool show_existing_frame = false;
    uint32_t refresh_frame_flags = 0;
    uint32_t tile_cols = 1;
    uint32_t tile_rows = 1;
    uint32_t tile_cols_log2 = 0;
    uint32_t tile_rows_log2 = 0;
    uint32_t tile_size_bytes = 4;
    FrameState state;  // the frame, as the reference slots will keep it
  };

 private:
  Status ParseSequenceHeader(ByteSpan payload);
  // uncompressed_header(); *header_bytes: its length up to its last bit, rounded up.
  Status ParseFrameHeader(ByteSpan payload, uint32_t temporal_id, uint32_t spatial_id,
                          FrameHeader* header, size_t* header_bytes);
  Status ParseTileGroup(ByteSpan payload, size_t payload_offset, size_t start,
                        std::vector<Tile>* tiles);
  void FinishFrame();  // decode_frame_wrapup(): the reference update process

  std::optional<SequenceHeader> seq_;
  std::array<FrameState, 8> refs_{};
  FrameHeader frame_;               // the current frame's header
  bool seen_frame_header_ = false;  // SeenFrameHeader: tile groups of frame_ may follow
  uint32_t next_tile_ = 0;          // the first tile of the next tile group of frame_
};

}  // namespace wee::packager
