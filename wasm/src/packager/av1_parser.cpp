#include "packager/av1_parser.h"

#include <algorithm>
#include <string>

#include "packager/rbsp_bit_reader.h"

// Section numbers refer to the AV1 Bitstream & Decoding Process Specification (v1.0.0 with
// errata 1).
namespace wee::packager {
namespace {

enum ObuType : uint32_t {
  kObuSequenceHeader = 1,
  kObuTemporalDelimiter = 2,
  kObuFrameHeader = 3,
  kObuTileGroup = 4,
  kObuFrame = 6,
  kObuRedundantFrameHeader = 7,
  kObuTileList = 8,
};
enum FrameType : uint32_t { kKeyFrame = 0, kInterFrame = 1, kIntraOnlyFrame = 2, kSwitchFrame = 3 };

constexpr uint32_t kNumRefFrames = 8;
constexpr uint32_t kRefsPerFrame = 7;
constexpr uint32_t kAllFrames = (1u << kNumRefFrames) - 1;
constexpr uint32_t kPrimaryRefNone = 7;
constexpr uint32_t kSelectScreenContentTools = 2;
constexpr uint32_t kSelectIntegerMv = 2;
constexpr uint32_t kMaxSegments = 8;
constexpr uint32_t kSegLvlMax = 8;
constexpr uint32_t kMaxTileWidth = 4096;
constexpr uint32_t kMaxTileArea = 4096 * 2304;
constexpr uint32_t kMaxTileCols = 64;
constexpr uint32_t kMaxTileRows = 64;
// Segmentation_Feature_Bits / _Signed / _Max (5.9.14).
constexpr uint32_t kSegFeatureBits[kSegLvlMax] = {8, 6, 6, 6, 6, 3, 0, 0};
constexpr bool kSegFeatureSigned[kSegLvlMax] = {true, true, true, true, true, false, false, false};
constexpr int32_t kSegFeatureMax[kSegLvlMax] = {255, 63, 63, 63, 63, 7, 0, 0};
// Global motion (7.11.3.1 / 5.9.25).
enum GmType : uint32_t { kIdentity = 0, kTranslation = 1, kRotZoom = 2, kAffine = 3 };

// Field reads for the syntax of section 4.10: f(n), su(n), ns(n), le(n), uvlc(). Each failure
// names the structure and the field.
class Reader {
 public:
  Reader(ByteSpan data, const char* what) : r_(data, /*emulation_prevention=*/false), what_(what) {}

  Status F(int n, const char* field, uint32_t* out) {
    if (!r_.ReadBits(n, out)) return Truncated(field);
    return Status::Ok();
  }
  Status Flag(const char* field, bool* out) {
    uint32_t v = 0;
    WEE_RETURN_IF_ERROR(F(1, field, &v));
    *out = v != 0;
    return Status::Ok();
  }
  Status Skip(int n, const char* field) {
    if (!r_.SkipBits(n)) return Truncated(field);
    return Status::Ok();
  }
  Status Su(int n, const char* field, int32_t* out) {
    uint32_t v = 0;
    WEE_RETURN_IF_ERROR(F(n, field, &v));
    const int64_t sign = int64_t(1) << (n - 1);
    *out = int32_t((v & sign) ? int64_t(v) - 2 * sign : int64_t(v));
    return Status::Ok();
  }
  Status Ns(uint32_t n, const char* field, uint32_t* out) {
    int w = 0;
    for (uint32_t x = n; x; x >>= 1) ++w;  // FloorLog2(n) + 1
    const uint32_t m = (1u << w) - n;
    uint32_t v = 0;
    WEE_RETURN_IF_ERROR(F(w - 1, field, &v));
    if (v < m) {
      *out = v;
      return Status::Ok();
    }
    uint32_t extra = 0;
    WEE_RETURN_IF_ERROR(F(1, field, &extra));
    *out = (v << 1) - m + extra;
    return Status::Ok();
  }
  Status Uvlc(const char* field) {
    int zeros = 0;
    for (bool done = false; !done; ++zeros) {
      WEE_RETURN_IF_ERROR(Flag(field, &done));
      if (done) break;
    }
    return zeros >= 32 ? Status::Ok() : Skip(zeros, field);
  }
  // byte_alignment(): zero bits up to the next byte boundary.
  Status ByteAlignment() {
    while (!r_.ByteAligned()) {
      uint32_t bit = 0;
      WEE_RETURN_IF_ERROR(F(1, "zero_bit", &bit));
      if (bit) return Malformed(std::string(what_) + ": byte_alignment bit is 1");
    }
    return Status::Ok();
  }
  size_t BytesConsumed() const { return r_.BytesConsumed(); }
  Status Bad(const std::string& detail) const { return Malformed(std::string(what_) + ": " + detail); }

 private:
  Status Truncated(const char* field) const {
    return Malformed(std::string(what_) + ": truncated at " + field);
  }
  RbspBitReader r_;
  const char* what_;
};

uint32_t TileLog2(uint32_t block_size, uint32_t target) {
  uint32_t k = 0;
  while ((uint64_t(block_size) << k) < target) ++k;
  return k;
}

// decode_subexp() (5.9.27) for numSyms = 2 * mx + 1: how many bits a global motion parameter
// takes does not depend on the reference value it is coded against.
Status SkipSubexp(Reader* r, uint32_t num_syms) {
  uint32_t i = 0, mk = 0;
  const uint32_t k = 3;
  for (;;) {
    const uint32_t b2 = i ? k + i - 1 : k;
    const uint32_t a = 1u << b2;
    if (num_syms <= mk + 3 * a) {
      uint32_t v = 0;
      return r->Ns(num_syms - mk, "subexp_final_bits", &v);
    }
    bool more = false;
    WEE_RETURN_IF_ERROR(r->Flag("subexp_more_bits", &more));
    if (!more) return r->Skip(int(b2), "subexp_bits");
    ++i;
    mk += a;
  }
}

}  // namespace

// --- sequence header (5.5) -------------------------------------------------------------------

Status Av1Parser::AddConfigurationRecord(ByteSpan av1c) {
  // marker(1) version(7) ... 4 bytes, then configOBUs (AV1-ISOBMFF 2.3.3).
  if (av1c.size < 4) {
    return Malformed("av1C: " + std::to_string(av1c.size) + " bytes, less than 4 (FFmpeg writes an "
                     "empty av1C when it fragments while encoding AV1: encode to a plain MP4 "
                     "first, then fragment it with -c copy)");
  }
  if (av1c[0] != 0x81) return Malformed("av1C: marker/version byte is not 0x81");
  std::vector<Tile> tiles;
  WEE_RETURN_IF_ERROR(ParseSample(av1c.sub(4, av1c.size - 4), &tiles).Within("av1C configOBUs"));
  if (!tiles.empty()) return Malformed("av1C configOBUs: holds coded tiles");
  return Status::Ok();
}

Status Av1Parser::ParseSequenceHeader(ByteSpan payload) {
  Reader r(payload, "sequence header");
  SequenceHeader s;
  uint32_t seq_profile = 0;
  bool still_picture = false;
  WEE_RETURN_IF_ERROR(r.F(3, "seq_profile", &seq_profile));
  WEE_RETURN_IF_ERROR(r.Flag("still_picture", &still_picture));
  WEE_RETURN_IF_ERROR(r.Flag("reduced_still_picture_header", &s.reduced_still_picture_header));
  if (s.reduced_still_picture_header) {
    WEE_RETURN_IF_ERROR(r.Skip(5, "seq_level_idx[0]"));
    s.operating_point_idc = {0};
    s.decoder_model_present_for_op = {false};
  } else {
    bool timing_info_present = false;
    uint32_t buffer_delay_length = 0;
    WEE_RETURN_IF_ERROR(r.Flag("timing_info_present_flag", &timing_info_present));
    if (timing_info_present) {
      WEE_RETURN_IF_ERROR(r.Skip(32, "num_units_in_display_tick"));
      WEE_RETURN_IF_ERROR(r.Skip(32, "time_scale"));
      WEE_RETURN_IF_ERROR(r.Flag("equal_picture_interval", &s.equal_picture_interval));
      if (s.equal_picture_interval) WEE_RETURN_IF_ERROR(r.Uvlc("num_ticks_per_picture_minus_1"));
      WEE_RETURN_IF_ERROR(r.Flag("decoder_model_info_present_flag", &s.decoder_model_info_present));
      if (s.decoder_model_info_present) {
        WEE_RETURN_IF_ERROR(r.F(5, "buffer_delay_length_minus_1", &buffer_delay_length));
        ++buffer_delay_length;
        WEE_RETURN_IF_ERROR(r.Skip(32, "num_units_in_decoding_tick"));
        WEE_RETURN_IF_ERROR(r.F(5, "buffer_removal_time_length_minus_1", &s.buffer_removal_time_length));
        ++s.buffer_removal_time_length;
        WEE_RETURN_IF_ERROR(r.F(5, "frame_presentation_time_length_minus_1", &s.frame_presentation_time_length));
        ++s.frame_presentation_time_length;
      }
    }
    bool initial_display_delay_present = false;
    uint32_t count = 0;
    WEE_RETURN_IF_ERROR(r.Flag("initial_display_delay_present_flag", &initial_display_delay_present));
    WEE_RETURN_IF_ERROR(r.F(5, "operating_points_cnt_minus_1", &count));
    for (uint32_t i = 0; i <= count; ++i) {
      uint32_t idc = 0, level = 0;
      WEE_RETURN_IF_ERROR(r.F(12, "operating_point_idc", &idc));
      WEE_RETURN_IF_ERROR(r.F(5, "seq_level_idx", &level));
      if (level > 7) WEE_RETURN_IF_ERROR(r.Skip(1, "seq_tier"));
      bool model_present = false;
      if (s.decoder_model_info_present) {
        WEE_RETURN_IF_ERROR(r.Flag("decoder_model_present_for_this_op", &model_present));
        if (model_present) {
          WEE_RETURN_IF_ERROR(r.Skip(int(buffer_delay_length), "decoder_buffer_delay"));
          WEE_RETURN_IF_ERROR(r.Skip(int(buffer_delay_length), "encoder_buffer_delay"));
          WEE_RETURN_IF_ERROR(r.Skip(1, "low_delay_mode_flag"));
        }
      }
      if (initial_display_delay_present) {
        bool present = false;
        WEE_RETURN_IF_ERROR(r.Flag("initial_display_delay_present_for_this_op", &present));
        if (present) WEE_RETURN_IF_ERROR(r.Skip(4, "initial_display_delay_minus_1"));
      }
      s.operating_point_idc.push_back(idc);
      s.decoder_model_present_for_op.push_back(model_present);
    }
  }
  WEE_RETURN_IF_ERROR(r.F(4, "frame_width_bits_minus_1", &s.frame_width_bits));
  WEE_RETURN_IF_ERROR(r.F(4, "frame_height_bits_minus_1", &s.frame_height_bits));
  ++s.frame_width_bits;
  ++s.frame_height_bits;
  WEE_RETURN_IF_ERROR(r.F(int(s.frame_width_bits), "max_frame_width_minus_1", &s.max_frame_width));
  WEE_RETURN_IF_ERROR(r.F(int(s.frame_height_bits), "max_frame_height_minus_1", &s.max_frame_height));
  ++s.max_frame_width;
  ++s.max_frame_height;
  if (!s.reduced_still_picture_header)
    WEE_RETURN_IF_ERROR(r.Flag("frame_id_numbers_present_flag", &s.frame_id_numbers_present));
  if (s.frame_id_numbers_present) {
    uint32_t additional = 0;
    WEE_RETURN_IF_ERROR(r.F(4, "delta_frame_id_length_minus_2", &s.delta_frame_id_length));
    WEE_RETURN_IF_ERROR(r.F(3, "additional_frame_id_length_minus_1", &additional));
    s.delta_frame_id_length += 2;
    s.frame_id_length = additional + 1 + s.delta_frame_id_length;
  }
  WEE_RETURN_IF_ERROR(r.Flag("use_128x128_superblock", &s.use_128x128_superblock));
  WEE_RETURN_IF_ERROR(r.Skip(1, "enable_filter_intra"));
  WEE_RETURN_IF_ERROR(r.Skip(1, "enable_intra_edge_filter"));
  s.seq_force_screen_content_tools = kSelectScreenContentTools;
  s.seq_force_integer_mv = kSelectIntegerMv;
  if (!s.reduced_still_picture_header) {
    WEE_RETURN_IF_ERROR(r.Skip(1, "enable_interintra_compound"));
    WEE_RETURN_IF_ERROR(r.Skip(1, "enable_masked_compound"));
    WEE_RETURN_IF_ERROR(r.Flag("enable_warped_motion", &s.enable_warped_motion));
    WEE_RETURN_IF_ERROR(r.Skip(1, "enable_dual_filter"));
    WEE_RETURN_IF_ERROR(r.Flag("enable_order_hint", &s.enable_order_hint));
    if (s.enable_order_hint) {
      WEE_RETURN_IF_ERROR(r.Skip(1, "enable_jnt_comp"));
      WEE_RETURN_IF_ERROR(r.Flag("enable_ref_frame_mvs", &s.enable_ref_frame_mvs));
    }
    bool choose = false;
    WEE_RETURN_IF_ERROR(r.Flag("seq_choose_screen_content_tools", &choose));
    if (!choose) WEE_RETURN_IF_ERROR(r.F(1, "seq_force_screen_content_tools", &s.seq_force_screen_content_tools));
    if (s.seq_force_screen_content_tools > 0) {
      WEE_RETURN_IF_ERROR(r.Flag("seq_choose_integer_mv", &choose));
      if (!choose) WEE_RETURN_IF_ERROR(r.F(1, "seq_force_integer_mv", &s.seq_force_integer_mv));
    }
    if (s.enable_order_hint) {
      WEE_RETURN_IF_ERROR(r.F(3, "order_hint_bits_minus_1", &s.order_hint_bits));
      ++s.order_hint_bits;
    }
  }
  WEE_RETURN_IF_ERROR(r.Flag("enable_superres", &s.enable_superres));
  WEE_RETURN_IF_ERROR(r.Flag("enable_cdef", &s.enable_cdef));
  WEE_RETURN_IF_ERROR(r.Flag("enable_restoration", &s.enable_restoration));
  // color_config() (5.5.2)
  bool high_bitdepth = false;
  uint32_t bit_depth = 8;
  WEE_RETURN_IF_ERROR(r.Flag("high_bitdepth", &high_bitdepth));
  if (seq_profile == 2 && high_bitdepth) {
    bool twelve_bit = false;
    WEE_RETURN_IF_ERROR(r.Flag("twelve_bit", &twelve_bit));
    bit_depth = twelve_bit ? 12 : 10;
  } else if (seq_profile <= 2) {
    bit_depth = high_bitdepth ? 10 : 8;
  }
  if (seq_profile != 1) WEE_RETURN_IF_ERROR(r.Flag("mono_chrome", &s.mono_chrome));
  WEE_RETURN_IF_ERROR(r.Flag("color_description_present_flag", &s.color_description_present));
  if (s.color_description_present) {
    WEE_RETURN_IF_ERROR(r.F(8, "color_primaries", &s.color_primaries));
    WEE_RETURN_IF_ERROR(r.F(8, "transfer_characteristics", &s.transfer_characteristics));
    WEE_RETURN_IF_ERROR(r.F(8, "matrix_coefficients", &s.matrix_coefficients));
  }
  if (s.mono_chrome) {
    WEE_RETURN_IF_ERROR(r.Flag("color_range", &s.color_range));
    s.subsampling_x = s.subsampling_y = true;
  } else {
    if (s.color_primaries == 1 && s.transfer_characteristics == 13 && s.matrix_coefficients == 0) {
      s.subsampling_x = s.subsampling_y = false;  // sRGB: 4:4:4, full range
      s.color_range = true;
    } else {
      WEE_RETURN_IF_ERROR(r.Flag("color_range", &s.color_range));
      if (seq_profile == 0) {
        s.subsampling_x = s.subsampling_y = true;
      } else if (seq_profile == 1) {
        s.subsampling_x = s.subsampling_y = false;
      } else if (bit_depth == 12) {
        WEE_RETURN_IF_ERROR(r.Flag("subsampling_x", &s.subsampling_x));
        if (s.subsampling_x) WEE_RETURN_IF_ERROR(r.Flag("subsampling_y", &s.subsampling_y));
      } else {
        s.subsampling_x = true;
        s.subsampling_y = false;
      }
      if (s.subsampling_x && s.subsampling_y) WEE_RETURN_IF_ERROR(r.Skip(2, "chroma_sample_position"));
    }
    WEE_RETURN_IF_ERROR(r.Flag("separate_uv_delta_q", &s.separate_uv_delta_q));
  }
  WEE_RETURN_IF_ERROR(r.Flag("film_grain_params_present", &s.film_grain_params_present));
  seq_ = std::move(s);
  return Status::Ok();
}

// --- uncompressed_header() (5.9) -------------------------------------------------------------

Status Av1Parser::ParseFrameHeader(ByteSpan payload, uint32_t temporal_id, uint32_t spatial_id,
                                   FrameHeader* out, size_t* header_bytes) {
  if (!seq_) return Malformed("frame header: comes before any sequence header");
  const SequenceHeader& s = *seq_;
  Reader r(payload, "frame header");
  FrameHeader h;
  FrameState& f = h.state;
  f.valid = true;
  std::array<FrameState, 8> refs = refs_;  // ref_order_hint[] may rewrite order hints
  const uint32_t num_planes = s.mono_chrome ? 1 : 3;

  // get_relative_dist() (7.12.3)
  auto relative_dist = [&s](uint32_t a, uint32_t b) -> int32_t {
    if (!s.enable_order_hint) return 0;
    const int32_t diff = int32_t(a) - int32_t(b);
    const int32_t m = 1 << (s.order_hint_bits - 1);
    return (diff & (m - 1)) - (diff & m);
  };
  auto temporal_point_info = [&]() -> Status {
    return r.Skip(int(s.frame_presentation_time_length), "frame_presentation_time");
  };

  bool show_frame = true, showable_frame = false, error_resilient_mode = false;
  bool frame_is_intra = true;
  if (s.reduced_still_picture_header) {
    f.frame_type = kKeyFrame;
  } else {
    WEE_RETURN_IF_ERROR(r.Flag("show_existing_frame", &h.show_existing_frame));
    if (h.show_existing_frame) {
      uint32_t idx = 0;
      WEE_RETURN_IF_ERROR(r.F(3, "frame_to_show_map_idx", &idx));
      if (s.decoder_model_info_present && !s.equal_picture_interval)
        WEE_RETURN_IF_ERROR(temporal_point_info());
      if (s.frame_id_numbers_present) WEE_RETURN_IF_ERROR(r.Skip(int(s.frame_id_length), "display_frame_id"));
      if (!refs_[idx].valid) return r.Bad("frame_to_show_map_idx " + std::to_string(idx) + " names an empty reference slot");
      // A shown key frame is loaded (7.21) and then refreshes every slot.
      h.state = refs_[idx];
      h.refresh_frame_flags = h.state.frame_type == kKeyFrame ? kAllFrames : 0;
      *header_bytes = r.BytesConsumed();
      *out = h;
      return Status::Ok();
    }
    WEE_RETURN_IF_ERROR(r.F(2, "frame_type", &f.frame_type));
    frame_is_intra = f.frame_type == kIntraOnlyFrame || f.frame_type == kKeyFrame;
    WEE_RETURN_IF_ERROR(r.Flag("show_frame", &show_frame));
    if (show_frame && s.decoder_model_info_present && !s.equal_picture_interval)
      WEE_RETURN_IF_ERROR(temporal_point_info());
    if (show_frame) showable_frame = f.frame_type != kKeyFrame;
    else WEE_RETURN_IF_ERROR(r.Flag("showable_frame", &showable_frame));
    if (f.frame_type == kSwitchFrame || (f.frame_type == kKeyFrame && show_frame))
      error_resilient_mode = true;
    else
      WEE_RETURN_IF_ERROR(r.Flag("error_resilient_mode", &error_resilient_mode));
  }
  if (f.frame_type == kKeyFrame && show_frame) {
    for (FrameState& ref : refs) {
      ref.valid = false;
      ref.order_hint = 0;
    }
  }
  bool disable_cdf_update = false;
  WEE_RETURN_IF_ERROR(r.Flag("disable_cdf_update", &disable_cdf_update));
  uint32_t allow_screen_content_tools = s.seq_force_screen_content_tools;
  if (s.seq_force_screen_content_tools == kSelectScreenContentTools)
    WEE_RETURN_IF_ERROR(r.F(1, "allow_screen_content_tools", &allow_screen_content_tools));
  uint32_t force_integer_mv = 0;
  if (allow_screen_content_tools) {
    force_integer_mv = s.seq_force_integer_mv;
    if (s.seq_force_integer_mv == kSelectIntegerMv)
      WEE_RETURN_IF_ERROR(r.F(1, "force_integer_mv", &force_integer_mv));
  }
  if (frame_is_intra) force_integer_mv = 1;
  if (s.frame_id_numbers_present) WEE_RETURN_IF_ERROR(r.Skip(int(s.frame_id_length), "current_frame_id"));
  bool frame_size_override_flag = false;
  if (f.frame_type == kSwitchFrame) frame_size_override_flag = true;
  else if (!s.reduced_still_picture_header)
    WEE_RETURN_IF_ERROR(r.Flag("frame_size_override_flag", &frame_size_override_flag));
  WEE_RETURN_IF_ERROR(r.F(int(s.order_hint_bits), "order_hint", &f.order_hint));
  uint32_t primary_ref_frame = kPrimaryRefNone;
  if (!frame_is_intra && !error_resilient_mode)
    WEE_RETURN_IF_ERROR(r.F(3, "primary_ref_frame", &primary_ref_frame));
  if (s.decoder_model_info_present) {
    bool buffer_removal_time_present = false;
    WEE_RETURN_IF_ERROR(r.Flag("buffer_removal_time_present_flag", &buffer_removal_time_present));
    if (buffer_removal_time_present) {
      for (size_t op = 0; op < s.operating_point_idc.size(); ++op) {
        if (!s.decoder_model_present_for_op[op]) continue;
        const uint32_t idc = s.operating_point_idc[op];
        const bool in_temporal = (idc >> temporal_id) & 1;
        const bool in_spatial = (idc >> (spatial_id + 8)) & 1;
        if (idc == 0 || (in_temporal && in_spatial))
          WEE_RETURN_IF_ERROR(r.Skip(int(s.buffer_removal_time_length), "buffer_removal_time"));
      }
    }
  }
  bool allow_high_precision_mv = false, use_ref_frame_mvs = false, allow_intrabc = false;
  if (f.frame_type == kSwitchFrame || (f.frame_type == kKeyFrame && show_frame))
    h.refresh_frame_flags = kAllFrames;
  else
    WEE_RETURN_IF_ERROR(r.F(8, "refresh_frame_flags", &h.refresh_frame_flags));
  if ((!frame_is_intra || h.refresh_frame_flags != kAllFrames) && error_resilient_mode &&
      s.enable_order_hint) {
    for (FrameState& ref : refs) {
      uint32_t hint = 0;
      WEE_RETURN_IF_ERROR(r.F(int(s.order_hint_bits), "ref_order_hint", &hint));
      if (hint != ref.order_hint || !ref.valid) {
        ref = FrameState();
        ref.order_hint = hint;
      }
    }
  }

  // frame_size(), superres_params(), compute_image_size(), render_size() (5.9.5-5.9.8)
  uint32_t mi_cols = 0, mi_rows = 0;
  auto superres_and_image_size = [&]() -> Status {
    bool use_superres = false;
    uint32_t denom = 8;
    if (s.enable_superres) WEE_RETURN_IF_ERROR(r.Flag("use_superres", &use_superres));
    if (use_superres) {
      WEE_RETURN_IF_ERROR(r.F(3, "coded_denom", &denom));
      denom += 9;
    }
    f.upscaled_width = f.frame_width;
    f.frame_width = (f.upscaled_width * 8 + denom / 2) / denom;
    mi_cols = 2 * ((f.frame_width + 7) >> 3);
    mi_rows = 2 * ((f.frame_height + 7) >> 3);
    return Status::Ok();
  };
  auto frame_size = [&]() -> Status {
    if (frame_size_override_flag) {
      WEE_RETURN_IF_ERROR(r.F(int(s.frame_width_bits), "frame_width_minus_1", &f.frame_width));
      WEE_RETURN_IF_ERROR(r.F(int(s.frame_height_bits), "frame_height_minus_1", &f.frame_height));
      ++f.frame_width;
      ++f.frame_height;
    } else {
      f.frame_width = s.max_frame_width;
      f.frame_height = s.max_frame_height;
    }
    return superres_and_image_size();
  };
  auto render_size = [&]() -> Status {
    bool different = false;
    WEE_RETURN_IF_ERROR(r.Flag("render_and_frame_size_different", &different));
    if (different) {
      WEE_RETURN_IF_ERROR(r.F(16, "render_width_minus_1", &f.render_width));
      WEE_RETURN_IF_ERROR(r.F(16, "render_height_minus_1", &f.render_height));
      ++f.render_width;
      ++f.render_height;
    } else {
      f.render_width = f.upscaled_width;
      f.render_height = f.frame_height;
    }
    return Status::Ok();
  };

  std::array<uint32_t, kRefsPerFrame> ref_frame_idx{};
  if (frame_is_intra) {
    WEE_RETURN_IF_ERROR(frame_size());
    WEE_RETURN_IF_ERROR(render_size());
    if (allow_screen_content_tools && f.upscaled_width == f.frame_width)
      WEE_RETURN_IF_ERROR(r.Flag("allow_intrabc", &allow_intrabc));
  } else {
    bool short_signaling = false;
    if (s.enable_order_hint) WEE_RETURN_IF_ERROR(r.Flag("frame_refs_short_signaling", &short_signaling));
    if (short_signaling) {
      uint32_t last = 0, gold = 0;
      WEE_RETURN_IF_ERROR(r.F(3, "last_frame_idx", &last));
      WEE_RETURN_IF_ERROR(r.F(3, "gold_frame_idx", &gold));
      // set_frame_refs() (7.8): the other references by order hint.
      std::array<int, kRefsPerFrame> idx;
      idx.fill(-1);
      idx[0] = int(last);  // LAST_FRAME
      idx[3] = int(gold);  // GOLDEN_FRAME
      std::array<bool, kNumRefFrames> used{};
      used[last] = used[gold] = true;
      const int32_t cur = 1 << (s.order_hint_bits - 1);
      std::array<int32_t, kNumRefFrames> shifted{};
      for (uint32_t i = 0; i < kNumRefFrames; ++i)
        shifted[i] = cur + relative_dist(refs[i].order_hint, f.order_hint);
      // backward: hint >= cur; `latest` picks the largest hint, else the smallest.
      auto find = [&](bool backward, bool latest) {
        int ref = -1;
        int32_t best = 0;
        for (uint32_t i = 0; i < kNumRefFrames; ++i) {
          const int32_t hint = shifted[i];
          if (used[i] || (hint >= cur) != backward) continue;
          if (ref < 0 || (latest ? hint >= best : hint < best)) {
            ref = int(i);
            best = hint;
          }
        }
        return ref;
      };
      auto assign = [&](int slot, int ref) {
        if (ref < 0) return;
        idx[size_t(slot)] = ref;
        used[size_t(ref)] = true;
      };
      assign(6, find(true, true));    // ALTREF_FRAME
      assign(4, find(true, false));   // BWDREF_FRAME
      assign(5, find(true, false));   // ALTREF2_FRAME
      for (int slot : {1, 2, 4, 5, 6})  // LAST2, LAST3, BWDREF, ALTREF2, ALTREF
        if (idx[size_t(slot)] < 0) assign(slot, find(false, true));
      int earliest = -1;
      for (uint32_t i = 0; i < kNumRefFrames; ++i)
        if (earliest < 0 || shifted[i] < shifted[size_t(earliest)]) earliest = int(i);
      for (uint32_t i = 0; i < kRefsPerFrame; ++i)
        ref_frame_idx[i] = uint32_t(idx[i] < 0 ? earliest : idx[i]);
    }
    for (uint32_t i = 0; i < kRefsPerFrame; ++i) {
      if (!short_signaling) WEE_RETURN_IF_ERROR(r.F(3, "ref_frame_idx", &ref_frame_idx[i]));
      if (s.frame_id_numbers_present)
        WEE_RETURN_IF_ERROR(r.Skip(int(s.delta_frame_id_length), "delta_frame_id_minus_1"));
    }
    if (frame_size_override_flag && !error_resilient_mode) {
      // frame_size_with_refs() (5.9.7)
      bool found = false;
      for (uint32_t i = 0; i < kRefsPerFrame && !found; ++i) {
        WEE_RETURN_IF_ERROR(r.Flag("found_ref", &found));
        if (!found) continue;
        const FrameState& ref = refs[ref_frame_idx[i]];
        if (!ref.valid)
          return r.Bad("found_ref names reference slot " + std::to_string(ref_frame_idx[i]) + ", which holds no frame");
        f.frame_width = ref.upscaled_width;
        f.frame_height = ref.frame_height;
        f.render_width = ref.render_width;
        f.render_height = ref.render_height;
      }
      if (!found) {
        WEE_RETURN_IF_ERROR(frame_size());
        WEE_RETURN_IF_ERROR(render_size());
      } else {
        WEE_RETURN_IF_ERROR(superres_and_image_size());
      }
    } else {
      WEE_RETURN_IF_ERROR(frame_size());
      WEE_RETURN_IF_ERROR(render_size());
    }
    if (!force_integer_mv) WEE_RETURN_IF_ERROR(r.Flag("allow_high_precision_mv", &allow_high_precision_mv));
    bool switchable = false;
    WEE_RETURN_IF_ERROR(r.Flag("is_filter_switchable", &switchable));
    if (!switchable) WEE_RETURN_IF_ERROR(r.Skip(2, "interpolation_filter"));
    WEE_RETURN_IF_ERROR(r.Skip(1, "is_motion_mode_switchable"));
    if (!error_resilient_mode && s.enable_ref_frame_mvs)
      WEE_RETURN_IF_ERROR(r.Flag("use_ref_frame_mvs", &use_ref_frame_mvs));
  }
  if (f.frame_width == 0 || f.frame_height == 0) return r.Bad("frame size is 0");

  if (!s.reduced_still_picture_header && !disable_cdf_update)
    WEE_RETURN_IF_ERROR(r.Skip(1, "disable_frame_end_update_cdf"));

  // load_previous(): the segmentation data an update may leave unchanged.
  if (primary_ref_frame != kPrimaryRefNone) {
    const uint32_t slot = ref_frame_idx[primary_ref_frame];
    if (!refs[slot].valid)
      return r.Bad("primary_ref_frame names reference slot " + std::to_string(slot) + ", which holds no frame");
    f.alt_q_enabled = refs[slot].alt_q_enabled;
    f.alt_q = refs[slot].alt_q;
  }

  // tile_info() (5.9.15)
  {
    const uint32_t sb_cols = s.use_128x128_superblock ? (mi_cols + 31) >> 5 : (mi_cols + 15) >> 4;
    const uint32_t sb_rows = s.use_128x128_superblock ? (mi_rows + 31) >> 5 : (mi_rows + 15) >> 4;
    const uint32_t sb_shift = s.use_128x128_superblock ? 5 : 4;
    const uint32_t sb_size = sb_shift + 2;
    const uint32_t max_tile_width_sb = kMaxTileWidth >> sb_size;
    uint32_t max_tile_area_sb = kMaxTileArea >> (2 * sb_size);
    const uint32_t min_log2_tile_cols = TileLog2(max_tile_width_sb, sb_cols);
    const uint32_t max_log2_tile_cols = TileLog2(1, std::min(sb_cols, kMaxTileCols));
    const uint32_t max_log2_tile_rows = TileLog2(1, std::min(sb_rows, kMaxTileRows));
    const uint32_t min_log2_tiles =
        std::max(min_log2_tile_cols, TileLog2(max_tile_area_sb, sb_rows * sb_cols));
    bool uniform = false;
    WEE_RETURN_IF_ERROR(r.Flag("uniform_tile_spacing_flag", &uniform));
    if (uniform) {
      h.tile_cols_log2 = min_log2_tile_cols;
      while (h.tile_cols_log2 < max_log2_tile_cols) {
        bool increment = false;
        WEE_RETURN_IF_ERROR(r.Flag("increment_tile_cols_log2", &increment));
        if (!increment) break;
        ++h.tile_cols_log2;
      }
      const uint32_t tile_width_sb = (sb_cols + (1u << h.tile_cols_log2) - 1) >> h.tile_cols_log2;
      h.tile_cols = (sb_cols + tile_width_sb - 1) / tile_width_sb;
      const uint32_t min_log2_tile_rows =
          min_log2_tiles > h.tile_cols_log2 ? min_log2_tiles - h.tile_cols_log2 : 0;
      h.tile_rows_log2 = min_log2_tile_rows;
      while (h.tile_rows_log2 < max_log2_tile_rows) {
        bool increment = false;
        WEE_RETURN_IF_ERROR(r.Flag("increment_tile_rows_log2", &increment));
        if (!increment) break;
        ++h.tile_rows_log2;
      }
      const uint32_t tile_height_sb = (sb_rows + (1u << h.tile_rows_log2) - 1) >> h.tile_rows_log2;
      h.tile_rows = (sb_rows + tile_height_sb - 1) / tile_height_sb;
    } else {
      uint32_t widest_tile_sb = 0;
      h.tile_cols = 0;
      for (uint32_t start = 0; start < sb_cols; ++h.tile_cols) {
        if (h.tile_cols == kMaxTileCols) return r.Bad("more than 64 tile columns");
        uint32_t width = 0;
        WEE_RETURN_IF_ERROR(r.Ns(std::min(sb_cols - start, max_tile_width_sb), "width_in_sbs_minus_1", &width));
        widest_tile_sb = std::max(width + 1, widest_tile_sb);
        start += width + 1;
      }
      h.tile_cols_log2 = TileLog2(1, h.tile_cols);
      max_tile_area_sb = min_log2_tiles > 0 ? (sb_rows * sb_cols) >> (min_log2_tiles + 1)
                                            : sb_rows * sb_cols;
      const uint32_t max_tile_height_sb = std::max(max_tile_area_sb / widest_tile_sb, 1u);
      h.tile_rows = 0;
      for (uint32_t start = 0; start < sb_rows; ++h.tile_rows) {
        if (h.tile_rows == kMaxTileRows) return r.Bad("more than 64 tile rows");
        uint32_t height = 0;
        WEE_RETURN_IF_ERROR(r.Ns(std::min(sb_rows - start, max_tile_height_sb), "height_in_sbs_minus_1", &height));
        start += height + 1;
      }
      h.tile_rows_log2 = TileLog2(1, h.tile_rows);
    }
    if (h.tile_cols_log2 > 0 || h.tile_rows_log2 > 0) {
      WEE_RETURN_IF_ERROR(r.Skip(int(h.tile_rows_log2 + h.tile_cols_log2), "context_update_tile_id"));
      WEE_RETURN_IF_ERROR(r.F(2, "tile_size_bytes_minus_1", &h.tile_size_bytes));
      ++h.tile_size_bytes;
    }
  }

  // quantization_params() (5.9.12)
  uint32_t base_q_idx = 0;
  bool any_delta_q = false;
  auto read_delta_q = [&](const char* field) -> Status {
    bool coded = false;
    WEE_RETURN_IF_ERROR(r.Flag(field, &coded));
    if (!coded) return Status::Ok();
    int32_t delta = 0;
    WEE_RETURN_IF_ERROR(r.Su(7, field, &delta));
    any_delta_q = any_delta_q || delta != 0;
    return Status::Ok();
  };
  WEE_RETURN_IF_ERROR(r.F(8, "base_q_idx", &base_q_idx));
  WEE_RETURN_IF_ERROR(read_delta_q("delta_q_y_dc"));
  if (num_planes > 1) {
    bool diff_uv_delta = false;
    if (s.separate_uv_delta_q) WEE_RETURN_IF_ERROR(r.Flag("diff_uv_delta", &diff_uv_delta));
    WEE_RETURN_IF_ERROR(read_delta_q("delta_q_u_dc"));
    WEE_RETURN_IF_ERROR(read_delta_q("delta_q_u_ac"));
    if (diff_uv_delta) {
      WEE_RETURN_IF_ERROR(read_delta_q("delta_q_v_dc"));
      WEE_RETURN_IF_ERROR(read_delta_q("delta_q_v_ac"));
    }
  }
  bool using_qmatrix = false;
  WEE_RETURN_IF_ERROR(r.Flag("using_qmatrix", &using_qmatrix));
  if (using_qmatrix) {
    WEE_RETURN_IF_ERROR(r.Skip(4, "qm_y"));
    WEE_RETURN_IF_ERROR(r.Skip(4, "qm_u"));
    if (s.separate_uv_delta_q) WEE_RETURN_IF_ERROR(r.Skip(4, "qm_v"));
  }

  // segmentation_params() (5.9.14)
  bool segmentation_enabled = false;
  WEE_RETURN_IF_ERROR(r.Flag("segmentation_enabled", &segmentation_enabled));
  if (segmentation_enabled) {
    bool update_data = true;
    if (primary_ref_frame != kPrimaryRefNone) {
      bool update_map = false;
      WEE_RETURN_IF_ERROR(r.Flag("segmentation_update_map", &update_map));
      if (update_map) WEE_RETURN_IF_ERROR(r.Skip(1, "segmentation_temporal_update"));
      WEE_RETURN_IF_ERROR(r.Flag("segmentation_update_data", &update_data));
    }
    if (update_data) {
      for (uint32_t i = 0; i < kMaxSegments; ++i) {
        for (uint32_t j = 0; j < kSegLvlMax; ++j) {
          bool enabled = false;
          int32_t value = 0;
          WEE_RETURN_IF_ERROR(r.Flag("feature_enabled", &enabled));
          if (enabled) {
            const int bits = int(kSegFeatureBits[j]);
            const int32_t limit = kSegFeatureMax[j];
            if (kSegFeatureSigned[j]) {
              WEE_RETURN_IF_ERROR(r.Su(1 + bits, "feature_value", &value));
              value = std::clamp(value, -limit, limit);
            } else {
              uint32_t v = 0;
              WEE_RETURN_IF_ERROR(r.F(bits, "feature_value", &v));
              value = std::min(int32_t(v), limit);
            }
          }
          if (j == 0) {
            f.alt_q_enabled[i] = enabled;
            f.alt_q[i] = value;
          }
        }
      }
    }
  } else {
    f.alt_q_enabled.fill(false);
    f.alt_q.fill(0);
  }

  // delta_q_params(), delta_lf_params() (5.9.17, 5.9.18)
  bool delta_q_present = false;
  if (base_q_idx > 0) WEE_RETURN_IF_ERROR(r.Flag("delta_q_present", &delta_q_present));
  if (delta_q_present) {
    WEE_RETURN_IF_ERROR(r.Skip(2, "delta_q_res"));
    bool delta_lf_present = false;
    if (!allow_intrabc) WEE_RETURN_IF_ERROR(r.Flag("delta_lf_present", &delta_lf_present));
    if (delta_lf_present) {
      WEE_RETURN_IF_ERROR(r.Skip(2, "delta_lf_res"));
      WEE_RETURN_IF_ERROR(r.Skip(1, "delta_lf_multi"));
    }
  }

  // CodedLossless / AllLossless (5.9.2): every segment's qindex 0 and no DC/AC deltas.
  bool coded_lossless = !any_delta_q;
  for (uint32_t i = 0; i < kMaxSegments && coded_lossless; ++i) {
    int32_t qindex = int32_t(base_q_idx);
    if (segmentation_enabled && f.alt_q_enabled[i]) qindex = std::clamp(qindex + f.alt_q[i], 0, 255);
    coded_lossless = qindex == 0;
  }
  const bool all_lossless = coded_lossless && f.frame_width == f.upscaled_width;

  // loop_filter_params() (5.9.11)
  if (!coded_lossless && !allow_intrabc) {
    uint32_t level0 = 0, level1 = 0;
    WEE_RETURN_IF_ERROR(r.F(6, "loop_filter_level[0]", &level0));
    WEE_RETURN_IF_ERROR(r.F(6, "loop_filter_level[1]", &level1));
    if (num_planes > 1 && (level0 || level1)) {
      WEE_RETURN_IF_ERROR(r.Skip(6, "loop_filter_level[2]"));
      WEE_RETURN_IF_ERROR(r.Skip(6, "loop_filter_level[3]"));
    }
    WEE_RETURN_IF_ERROR(r.Skip(3, "loop_filter_sharpness"));
    bool delta_enabled = false;
    WEE_RETURN_IF_ERROR(r.Flag("loop_filter_delta_enabled", &delta_enabled));
    if (delta_enabled) {
      bool delta_update = false;
      WEE_RETURN_IF_ERROR(r.Flag("loop_filter_delta_update", &delta_update));
      if (delta_update) {
        for (int i = 0; i < 8 + 2; ++i) {  // TOTAL_REFS_PER_FRAME ref deltas, then 2 mode deltas
          bool update = false;
          WEE_RETURN_IF_ERROR(r.Flag(i < 8 ? "update_ref_delta" : "update_mode_delta", &update));
          if (update) WEE_RETURN_IF_ERROR(r.Skip(7, i < 8 ? "loop_filter_ref_deltas" : "loop_filter_mode_deltas"));
        }
      }
    }
  }
  // cdef_params() (5.9.19)
  if (!coded_lossless && !allow_intrabc && s.enable_cdef) {
    uint32_t cdef_bits = 0;
    WEE_RETURN_IF_ERROR(r.Skip(2, "cdef_damping_minus_3"));
    WEE_RETURN_IF_ERROR(r.F(2, "cdef_bits", &cdef_bits));
    const int per_strength = num_planes > 1 ? 12 : 6;  // y pri 4 + sec 2, uv pri 4 + sec 2
    for (uint32_t i = 0; i < (1u << cdef_bits); ++i)
      WEE_RETURN_IF_ERROR(r.Skip(per_strength, "cdef strengths"));
  }
  // lr_params() (5.9.20)
  if (!all_lossless && !allow_intrabc && s.enable_restoration) {
    bool uses_lr = false, uses_chroma_lr = false;
    for (uint32_t i = 0; i < num_planes; ++i) {
      uint32_t lr_type = 0;
      WEE_RETURN_IF_ERROR(r.F(2, "lr_type", &lr_type));
      if (lr_type != 0) {  // Remap_Lr_Type: only 0 means RESTORE_NONE
        uses_lr = true;
        if (i > 0) uses_chroma_lr = true;
      }
    }
    if (uses_lr) {
      bool shift = false;
      WEE_RETURN_IF_ERROR(r.Flag("lr_unit_shift", &shift));
      if (!s.use_128x128_superblock && shift) WEE_RETURN_IF_ERROR(r.Skip(1, "lr_unit_extra_shift"));
      if (s.subsampling_x && s.subsampling_y && uses_chroma_lr)
        WEE_RETURN_IF_ERROR(r.Skip(1, "lr_uv_shift"));
    }
  }
  // read_tx_mode() (5.9.21)
  if (!coded_lossless) WEE_RETURN_IF_ERROR(r.Skip(1, "tx_mode_select"));
  // frame_reference_mode() (5.9.23)
  bool reference_select = false;
  if (!frame_is_intra) WEE_RETURN_IF_ERROR(r.Flag("reference_select", &reference_select));
  // skip_mode_params() (5.9.22)
  bool skip_mode_allowed = false;
  if (!frame_is_intra && reference_select && s.enable_order_hint) {
    int forward = -1, backward = -1;
    uint32_t forward_hint = 0, backward_hint = 0;
    for (uint32_t i = 0; i < kRefsPerFrame; ++i) {
      const uint32_t hint = refs[ref_frame_idx[i]].order_hint;
      if (relative_dist(hint, f.order_hint) < 0) {
        if (forward < 0 || relative_dist(hint, forward_hint) > 0) {
          forward = int(i);
          forward_hint = hint;
        }
      } else if (relative_dist(hint, f.order_hint) > 0) {
        if (backward < 0 || relative_dist(hint, backward_hint) < 0) {
          backward = int(i);
          backward_hint = hint;
        }
      }
    }
    if (forward < 0) {
      skip_mode_allowed = false;
    } else if (backward >= 0) {
      skip_mode_allowed = true;
    } else {
      int second = -1;
      uint32_t second_hint = 0;
      for (uint32_t i = 0; i < kRefsPerFrame; ++i) {
        const uint32_t hint = refs[ref_frame_idx[i]].order_hint;
        if (relative_dist(hint, forward_hint) < 0 &&
            (second < 0 || relative_dist(hint, second_hint) > 0)) {
          second = int(i);
          second_hint = hint;
        }
      }
      skip_mode_allowed = second >= 0;
    }
  }
  if (skip_mode_allowed) WEE_RETURN_IF_ERROR(r.Skip(1, "skip_mode_present"));
  if (!frame_is_intra && !error_resilient_mode && s.enable_warped_motion)
    WEE_RETURN_IF_ERROR(r.Skip(1, "allow_warped_motion"));
  WEE_RETURN_IF_ERROR(r.Skip(1, "reduced_tx_set"));

  // global_motion_params() (5.9.24)
  if (!frame_is_intra) {
    for (uint32_t ref = 1; ref <= kRefsPerFrame; ++ref) {
      bool is_global = false;
      uint32_t type = kIdentity;
      WEE_RETURN_IF_ERROR(r.Flag("is_global", &is_global));
      if (is_global) {
        bool rot_zoom = false;
        WEE_RETURN_IF_ERROR(r.Flag("is_rot_zoom", &rot_zoom));
        if (rot_zoom) {
          type = kRotZoom;
        } else {
          bool translation = false;
          WEE_RETURN_IF_ERROR(r.Flag("is_translation", &translation));
          type = translation ? kTranslation : kAffine;
        }
      }
      // read_global_param(): GM_ABS_ALPHA_BITS 12, GM_ABS_TRANS_BITS 12,
      // GM_ABS_TRANS_ONLY_BITS 9 (one less without high precision motion vectors).
      auto param = [&](int idx) -> Status {
        uint32_t abs_bits = 12;
        if (idx < 2 && type == kTranslation) abs_bits = 9 - (allow_high_precision_mv ? 0 : 1);
        return SkipSubexp(&r, 2 * (1u << abs_bits) + 1);
      };
      if (type >= kRotZoom) {
        WEE_RETURN_IF_ERROR(param(2));
        WEE_RETURN_IF_ERROR(param(3));
        if (type == kAffine) {
          WEE_RETURN_IF_ERROR(param(4));
          WEE_RETURN_IF_ERROR(param(5));
        }
      }
      if (type >= kTranslation) {
        WEE_RETURN_IF_ERROR(param(0));
        WEE_RETURN_IF_ERROR(param(1));
      }
    }
  }

  // film_grain_params() (5.9.30)
  if (s.film_grain_params_present && (show_frame || showable_frame)) {
    bool apply_grain = false;
    WEE_RETURN_IF_ERROR(r.Flag("apply_grain", &apply_grain));
    if (apply_grain) {
      WEE_RETURN_IF_ERROR(r.Skip(16, "grain_seed"));
      bool update_grain = true;
      if (f.frame_type == kInterFrame) WEE_RETURN_IF_ERROR(r.Flag("update_grain", &update_grain));
      if (!update_grain) {
        WEE_RETURN_IF_ERROR(r.Skip(3, "film_grain_params_ref_idx"));
      } else {
        uint32_t num_y = 0, num_cb = 0, num_cr = 0;
        bool chroma_from_luma = false;
        WEE_RETURN_IF_ERROR(r.F(4, "num_y_points", &num_y));
        WEE_RETURN_IF_ERROR(r.Skip(int(16 * num_y), "point_y_value/scaling"));
        if (!s.mono_chrome) WEE_RETURN_IF_ERROR(r.Flag("chroma_scaling_from_luma", &chroma_from_luma));
        if (!(s.mono_chrome || chroma_from_luma ||
              (s.subsampling_x && s.subsampling_y && num_y == 0))) {
          WEE_RETURN_IF_ERROR(r.F(4, "num_cb_points", &num_cb));
          WEE_RETURN_IF_ERROR(r.Skip(int(16 * num_cb), "point_cb_value/scaling"));
          WEE_RETURN_IF_ERROR(r.F(4, "num_cr_points", &num_cr));
          WEE_RETURN_IF_ERROR(r.Skip(int(16 * num_cr), "point_cr_value/scaling"));
        }
        uint32_t lag = 0;
        WEE_RETURN_IF_ERROR(r.Skip(2, "grain_scaling_minus_8"));
        WEE_RETURN_IF_ERROR(r.F(2, "ar_coeff_lag", &lag));
        const uint32_t pos_luma = 2 * lag * (lag + 1);
        const uint32_t pos_chroma = num_y ? pos_luma + 1 : pos_luma;
        if (num_y) WEE_RETURN_IF_ERROR(r.Skip(int(8 * pos_luma), "ar_coeffs_y_plus_128"));
        if (chroma_from_luma || num_cb) WEE_RETURN_IF_ERROR(r.Skip(int(8 * pos_chroma), "ar_coeffs_cb_plus_128"));
        if (chroma_from_luma || num_cr) WEE_RETURN_IF_ERROR(r.Skip(int(8 * pos_chroma), "ar_coeffs_cr_plus_128"));
        WEE_RETURN_IF_ERROR(r.Skip(2, "ar_coeff_shift_minus_6"));
        WEE_RETURN_IF_ERROR(r.Skip(2, "grain_scale_shift"));
        if (num_cb) WEE_RETURN_IF_ERROR(r.Skip(8 + 8 + 9, "cb_mult/cb_luma_mult/cb_offset"));
        if (num_cr) WEE_RETURN_IF_ERROR(r.Skip(8 + 8 + 9, "cr_mult/cr_luma_mult/cr_offset"));
        WEE_RETURN_IF_ERROR(r.Skip(1, "overlap_flag"));
        WEE_RETURN_IF_ERROR(r.Skip(1, "clip_to_restricted_range"));
      }
    }
  }

  refs_ = refs;
  *header_bytes = r.BytesConsumed();
  *out = h;
  return Status::Ok();
}

// --- tile_group_obu() (5.11.1) ---------------------------------------------------------------

Status Av1Parser::ParseTileGroup(ByteSpan payload, size_t payload_offset, size_t start,
                                 std::vector<Tile>* tiles) {
  const FrameHeader& h = frame_;
  const uint32_t num_tiles = h.tile_cols * h.tile_rows;
  Reader r(payload.sub(start, payload.size - start), "tile group");
  bool start_and_end_present = false;
  uint32_t tg_start = 0, tg_end = num_tiles - 1;
  if (num_tiles > 1) WEE_RETURN_IF_ERROR(r.Flag("tile_start_and_end_present_flag", &start_and_end_present));
  if (start_and_end_present) {
    const int bits = int(h.tile_cols_log2 + h.tile_rows_log2);
    WEE_RETURN_IF_ERROR(r.F(bits, "tg_start", &tg_start));
    WEE_RETURN_IF_ERROR(r.F(bits, "tg_end", &tg_end));
  }
  WEE_RETURN_IF_ERROR(r.ByteAlignment());
  if (tg_start != next_tile_ || tg_end < tg_start || tg_end >= num_tiles) {
    return r.Bad("tiles " + std::to_string(tg_start) + ".." + std::to_string(tg_end) +
                 " do not continue the frame's " + std::to_string(num_tiles) + " tiles at " +
                 std::to_string(next_tile_));
  }
  size_t pos = start + r.BytesConsumed();
  for (uint32_t tile = tg_start; tile <= tg_end; ++tile) {
    size_t size = payload.size - pos;
    if (tile != tg_end) {
      if (size < h.tile_size_bytes) return r.Bad("tile " + std::to_string(tile) + ": truncated at tile_size_minus_1");
      uint64_t minus_1 = 0;
      for (uint32_t i = 0; i < h.tile_size_bytes; ++i) minus_1 |= uint64_t(payload[pos + i]) << (8 * i);
      pos += h.tile_size_bytes;
      if (minus_1 + 1 > payload.size - pos) {
        return r.Bad("tile " + std::to_string(tile) + ": size " + std::to_string(minus_1 + 1) +
                     " runs past the OBU's end (" + std::to_string(payload.size - pos) + " bytes left)");
      }
      size = size_t(minus_1 + 1);
    }
    if (size == 0) return r.Bad("tile " + std::to_string(tile) + " is empty");
    tiles->push_back({payload_offset + pos, size});
    pos += size;
  }
  next_tile_ = tg_end + 1;
  if (next_tile_ == num_tiles) FinishFrame();
  return Status::Ok();
}

void Av1Parser::FinishFrame() {
  for (uint32_t i = 0; i < kNumRefFrames; ++i)
    if ((frame_.refresh_frame_flags >> i) & 1) refs_[i] = frame_.state;
  seen_frame_header_ = false;
}

// --- OBUs (5.3) ------------------------------------------------------------------------------

Status Av1Parser::ParseSample(ByteSpan sample, std::vector<Tile>* tiles) {
  std::vector<Tile> found;
  for (size_t pos = 0; pos < sample.size;) {
    const std::string where = "OBU at byte " + std::to_string(pos);
    const uint8_t first = sample[pos];
    if (first & 0x80) return Malformed(where + ": obu_forbidden_bit is 1");
    const uint32_t type = (first >> 3) & 0xf;
    const bool extension = first & 4;
    const bool has_size = first & 2;
    size_t header = 1 + (extension ? 1 : 0);
    if (sample.size - pos < header) return Malformed(where + ": truncated OBU extension header");
    const uint32_t temporal_id = extension ? sample[pos + 1] >> 5 : 0;
    const uint32_t spatial_id = extension ? (sample[pos + 1] >> 3) & 3 : 0;
    uint64_t size = 0;
    if (has_size) {
      // leb128() (4.10.5): at most 8 bytes, values below 2^32.
      size_t i = 0;
      for (;; ++i) {
        if (i == 8) return Malformed(where + ": obu_size takes more than 8 bytes");
        if (pos + header + i >= sample.size) return Malformed(where + ": truncated at obu_size");
        const uint8_t byte = sample[pos + header + i];
        size |= uint64_t(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) break;
      }
      header += i + 1;
      if (size > UINT32_MAX) return Malformed(where + ": obu_size " + std::to_string(size) + " is above 2^32 - 1");
      if (size > sample.size - pos - header) {
        return Malformed(where + ": obu_size " + std::to_string(size) + " runs past the sample's end (" +
                         std::to_string(sample.size - pos - header) + " bytes left)");
      }
    } else {
      size = sample.size - pos - header;  // the last OBU of a sample may omit its size
    }
    const size_t payload_offset = pos + header;
    const ByteSpan payload = sample.sub(payload_offset, size_t(size));
    Status s = Status::Ok();
    switch (type) {
      case kObuSequenceHeader:
        s = ParseSequenceHeader(payload);
        break;
      case kObuTemporalDelimiter:
        seen_frame_header_ = false;
        break;
      case kObuFrameHeader:
      case kObuRedundantFrameHeader:
      case kObuFrame: {
        if (seen_frame_header_) {
          // frame_header_copy(): a repeat of the current frame's header.
          if (type == kObuFrame) s = Malformed("a Frame OBU while the previous frame is incomplete");
          break;
        }
        if (type == kObuRedundantFrameHeader) {
          s = Malformed("a redundant frame header without a frame");
          break;
        }
        size_t header_bytes = 0;
        FrameHeader frame;
        s = ParseFrameHeader(payload, temporal_id, spatial_id, &frame, &header_bytes);
        if (!s.ok()) break;
        frame_ = frame;
        next_tile_ = 0;
        if (frame.show_existing_frame) {
          if (type == kObuFrame) {
            s = Malformed("a Frame OBU with show_existing_frame");
            break;
          }
          FinishFrame();
          break;
        }
        seen_frame_header_ = true;
        if (type == kObuFrame) s = ParseTileGroup(payload, payload_offset, header_bytes, &found);
        break;
      }
      case kObuTileGroup:
        if (!seen_frame_header_) {
          s = Malformed("a tile group without a frame header");
          break;
        }
        s = ParseTileGroup(payload, payload_offset, 0, &found);
        break;
      case kObuTileList:
        return Unsupported(where + ": Tile List OBUs (large scale tile) are not supported");
      default:  // metadata, padding, reserved: clear
        break;
    }
    if (!s.ok()) return s.Within(where);
    pos = payload_offset + size_t(size);
  }
  tiles->insert(tiles->end(), found.begin(), found.end());
  return Status::Ok();
}

}  // namespace wee::packager
