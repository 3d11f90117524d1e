#include "packager/h264_slice_header.h"

#include <algorithm>
#include <string>

namespace wee::packager {
namespace {

constexpr uint32_t kMaxSpsId = 31;
constexpr uint32_t kMaxPpsId = 255;

// slice_type % 5 (14496-10 table 7-6).
enum SliceType { kP = 0, kB = 1, kI = 2, kSp = 3, kSi = 4 };

Status Bad(const char* what, const std::string& detail) {
  return Malformed(std::string(what) + ": " + detail);
}

// scaling_list() (7.3.2.1.1.1): only walked over.
bool SkipScalingList(RbspBitReader* r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      int32_t delta = 0;
      if (!r->ReadSe(&delta)) return false;
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

}  // namespace

// --- parameter sets --------------------------------------------------------------------------

Status H264SliceHeaderParser::AddConfigurationRecord(ByteSpan avcc) {
  if (avcc.size < 6) return Malformed("avcC: too short");
  size_t pos = 5;
  for (int kind = 0; kind < 2; ++kind) {  // the SPS list, then the PPS list
    if (pos >= avcc.size) return Malformed("avcC: too short for its parameter set count");
    const size_t count = kind == 0 ? (avcc[pos] & 0x1f) : avcc[pos];
    ++pos;
    for (size_t i = 0; i < count; ++i) {
      if (avcc.size - pos < 2) return Malformed("avcC: too short for a parameter set length");
      const size_t length = (size_t(avcc[pos]) << 8) | avcc[pos + 1];
      pos += 2;
      if (avcc.size - pos < length || length == 0)
        return Malformed("avcC: parameter set of " + std::to_string(length) + " bytes does not fit");
      WEE_RETURN_IF_ERROR(ProcessNal(avcc.sub(pos, length)).Within("avcC"));
      pos += length;
    }
  }
  return Status::Ok();
}

Status H264SliceHeaderParser::ProcessNal(ByteSpan nal) {
  if (nal.empty()) return Status::Ok();
  switch (nal[0] & 0x1f) {
    case 7: return ParseSps(nal);
    case 8: return ParsePps(nal);
    default: return Status::Ok();
  }
}

Status H264SliceHeaderParser::ParseSps(ByteSpan nal) {
  // 7.3.2.1.1, up to frame_mbs_only_flag: all a slice header depends on.
  RbspBitReader r(nal);
  uint32_t profile_idc = 0, id = 0, v = 0;
  Sps sps;
  if (!r.SkipBits(8)) return Bad("SPS", "empty");
  WEE_READ_BITS(r, "SPS", 8, profile_idc);
  if (!r.SkipBits(16)) return Bad("SPS", "truncated at level_idc");
  WEE_READ_UE(r, "SPS", id, kMaxSpsId);
  static constexpr uint32_t kHighProfiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  if (std::find(std::begin(kHighProfiles), std::end(kHighProfiles), profile_idc) != std::end(kHighProfiles)) {
    uint32_t chroma_format_idc = 0;
    WEE_READ_UE(r, "SPS", chroma_format_idc, 3);
    sps.chroma_array_type = chroma_format_idc;
    if (chroma_format_idc == 3) {
      WEE_READ_BITS(r, "SPS", 1, v);
      sps.separate_colour_plane = v;
      if (v) sps.chroma_array_type = 0;
    }
    uint32_t bit_depth = 0;
    WEE_READ_UE(r, "SPS", bit_depth, 6);  // bit_depth_luma_minus8
    WEE_READ_UE(r, "SPS", bit_depth, 6);  // bit_depth_chroma_minus8
    WEE_READ_BITS(r, "SPS", 1, v);        // qpprime_y_zero_transform_bypass_flag
    uint32_t scaling_matrix = 0;
    WEE_READ_BITS(r, "SPS", 1, scaling_matrix);
    if (scaling_matrix) {
      for (int i = 0; i < (chroma_format_idc != 3 ? 8 : 12); ++i) {
        WEE_READ_BITS(r, "SPS", 1, v);
        if (v && !SkipScalingList(&r, i < 6 ? 16 : 64)) return Bad("SPS", "truncated in scaling_list");
      }
    }
  }
  WEE_READ_UE(r, "SPS", v, 12);  // log2_max_frame_num_minus4
  sps.log2_max_frame_num = v + 4;
  WEE_READ_UE(r, "SPS", sps.pic_order_cnt_type, 2);
  if (sps.pic_order_cnt_type == 0) {
    WEE_READ_UE(r, "SPS", v, 12);  // log2_max_pic_order_cnt_lsb_minus4
    sps.log2_max_pic_order_cnt_lsb = v + 4;
  } else if (sps.pic_order_cnt_type == 1) {
    WEE_READ_BITS(r, "SPS", 1, v);
    sps.delta_pic_order_always_zero = v;
    int32_t offset = 0;
    WEE_READ_SE(r, "SPS", offset);  // offset_for_non_ref_pic
    WEE_READ_SE(r, "SPS", offset);  // offset_for_top_to_bottom_field
    uint32_t cycle = 0;
    WEE_READ_UE(r, "SPS", cycle, 255);
    for (uint32_t i = 0; i < cycle; ++i) WEE_READ_SE(r, "SPS", offset);
  }
  WEE_READ_UE(r, "SPS", v, 32);       // max_num_ref_frames
  WEE_READ_BITS(r, "SPS", 1, v);      // gaps_in_frame_num_value_allowed_flag
  WEE_READ_UE(r, "SPS", v, 1 << 16);  // pic_width_in_mbs_minus1
  WEE_READ_UE(r, "SPS", v, 1 << 16);  // pic_height_in_map_units_minus1
  WEE_READ_BITS(r, "SPS", 1, v);
  sps.frame_mbs_only = v;
  sps_[id] = sps;
  return Status::Ok();
}

Status H264SliceHeaderParser::ParsePps(ByteSpan nal) {
  // 7.3.2.2, up to redundant_pic_cnt_present_flag.
  RbspBitReader r(nal);
  uint32_t id = 0, v = 0;
  Pps pps;
  if (!r.SkipBits(8)) return Bad("PPS", "empty");
  WEE_READ_UE(r, "PPS", id, kMaxPpsId);
  WEE_READ_UE(r, "PPS", pps.sps_id, kMaxSpsId);
  WEE_READ_BITS(r, "PPS", 1, v);
  pps.entropy_coding_mode = v;
  WEE_READ_BITS(r, "PPS", 1, v);
  pps.bottom_field_pic_order_in_frame_present = v;
  WEE_READ_UE(r, "PPS", v, 7);  // num_slice_groups_minus1
  if (v > 0) {
    // Slice groups (FMO, Baseline only): their slice headers are not measured.
    pps.slice_groups = true;
    pps_[id] = pps;
    return Status::Ok();
  }
  WEE_READ_UE(r, "PPS", v, 31);
  pps.num_ref_idx_l0_default_active = v + 1;
  WEE_READ_UE(r, "PPS", v, 31);
  pps.num_ref_idx_l1_default_active = v + 1;
  WEE_READ_BITS(r, "PPS", 1, v);
  pps.weighted_pred = v;
  WEE_READ_BITS(r, "PPS", 2, pps.weighted_bipred_idc);
  int32_t qp = 0;
  WEE_READ_SE(r, "PPS", qp);  // pic_init_qp_minus26
  WEE_READ_SE(r, "PPS", qp);  // pic_init_qs_minus26
  WEE_READ_SE(r, "PPS", qp);  // chroma_qp_index_offset
  WEE_READ_BITS(r, "PPS", 1, v);
  pps.deblocking_filter_control_present = v;
  WEE_READ_BITS(r, "PPS", 1, v);  // constrained_intra_pred_flag
  WEE_READ_BITS(r, "PPS", 1, v);
  pps.redundant_pic_cnt_present = v;
  pps_[id] = pps;
  return Status::Ok();
}

// --- slice header ----------------------------------------------------------------------------

Result<size_t> H264SliceHeaderParser::SliceHeaderSize(ByteSpan nal) const {
  const char* what = "slice header";
  RbspBitReader r(nal);
  if (!r.SkipBits(8)) return Bad(what, "empty NAL unit");
  const uint32_t nal_ref_idc = (nal[0] >> 5) & 3;
  const bool idr = (nal[0] & 0x1f) == 5;
  uint32_t v = 0, slice_type = 0, pps_id = 0;
  WEE_READ_UE(r, what, v, UINT32_MAX - 1);  // first_mb_in_slice
  WEE_READ_UE(r, what, slice_type, 9);
  slice_type %= 5;
  WEE_READ_UE(r, what, pps_id, kMaxPpsId);
  auto pps_it = pps_.find(pps_id);
  if (pps_it == pps_.end()) return Bad(what, "PPS " + std::to_string(pps_id) + " is not defined");
  const Pps& pps = pps_it->second;
  if (pps.slice_groups) return size_t(0);
  auto sps_it = sps_.find(pps.sps_id);
  if (sps_it == sps_.end()) return Bad(what, "SPS " + std::to_string(pps.sps_id) + " is not defined");
  const Sps& sps = sps_it->second;

  if (sps.separate_colour_plane) WEE_READ_BITS(r, what, 2, v);  // colour_plane_id
  WEE_READ_BITS(r, what, int(sps.log2_max_frame_num), v);      // frame_num
  uint32_t field_pic = 0;
  if (!sps.frame_mbs_only) {
    WEE_READ_BITS(r, what, 1, field_pic);
    if (field_pic) WEE_READ_BITS(r, what, 1, v);  // bottom_field_flag
  }
  if (idr) WEE_READ_UE(r, what, v, 65535);  // idr_pic_id
  int32_t s = 0;
  if (sps.pic_order_cnt_type == 0) {
    WEE_READ_BITS(r, what, int(sps.log2_max_pic_order_cnt_lsb), v);  // pic_order_cnt_lsb
    if (pps.bottom_field_pic_order_in_frame_present && !field_pic) WEE_READ_SE(r, what, s);
  }
  if (sps.pic_order_cnt_type == 1 && !sps.delta_pic_order_always_zero) {
    WEE_READ_SE(r, what, s);  // delta_pic_order_cnt[0]
    if (pps.bottom_field_pic_order_in_frame_present && !field_pic) WEE_READ_SE(r, what, s);
  }
  if (pps.redundant_pic_cnt_present) WEE_READ_UE(r, what, v, 127);
  if (slice_type == kB) WEE_READ_BITS(r, what, 1, v);  // direct_spatial_mv_pred_flag
  uint32_t l0 = pps.num_ref_idx_l0_default_active, l1 = pps.num_ref_idx_l1_default_active;
  if (slice_type == kP || slice_type == kSp || slice_type == kB) {
    WEE_READ_BITS(r, what, 1, v);  // num_ref_idx_active_override_flag
    if (v) {
      WEE_READ_UE(r, what, l0, 31);
      ++l0;
      if (slice_type == kB) {
        WEE_READ_UE(r, what, l1, 31);
        ++l1;
      }
    }
  }
  // ref_pic_list_modification() (7.3.3.1): entries until modification_of_pic_nums_idc 3.
  for (int list = 0; list < (slice_type == kB ? 2 : slice_type == kI || slice_type == kSi ? 0 : 1); ++list) {
    uint32_t modified = 0;
    WEE_READ_BITS(r, what, 1, modified);
    for (int n = 0; modified; ++n) {
      uint32_t idc = 0;
      WEE_READ_UE(r, what, idc, 5);
      if (idc == 3) break;
      WEE_READ_UE(r, what, v, UINT32_MAX - 1);  // abs_diff_pic_num_minus1 or long_term_pic_num
      if (n == 64) return Bad(what, "ref_pic_list_modification does not end");
    }
  }
  // pred_weight_table() (7.3.3.2).
  if ((pps.weighted_pred && (slice_type == kP || slice_type == kSp)) ||
      (pps.weighted_bipred_idc == 1 && slice_type == kB)) {
    WEE_READ_UE(r, what, v, 7);  // luma_log2_weight_denom
    if (sps.chroma_array_type != 0) WEE_READ_UE(r, what, v, 7);  // chroma_log2_weight_denom
    for (int list = 0; list < (slice_type == kB ? 2 : 1); ++list) {
      for (uint32_t i = 0; i < (list == 0 ? l0 : l1); ++i) {
        WEE_READ_BITS(r, what, 1, v);  // luma_weight_lX_flag
        if (v) {
          WEE_READ_SE(r, what, s);
          WEE_READ_SE(r, what, s);
        }
        if (sps.chroma_array_type != 0) {
          WEE_READ_BITS(r, what, 1, v);  // chroma_weight_lX_flag
          if (v) for (int j = 0; j < 4; ++j) WEE_READ_SE(r, what, s);
        }
      }
    }
  }
  // dec_ref_pic_marking() (7.3.3.3).
  if (nal_ref_idc != 0) {
    if (idr) {
      if (!r.SkipBits(2)) return Bad(what, "truncated at long_term_reference_flag");
    } else {
      uint32_t adaptive = 0;
      WEE_READ_BITS(r, what, 1, adaptive);
      // Operations until 0; 1 and 3 carry difference_of_pic_nums_minus1, 2 long_term_pic_num,
      // 3 and 6 long_term_frame_idx, 4 max_long_term_frame_idx_plus1.
      for (int n = 0; adaptive; ++n) {
        uint32_t op = 0;
        WEE_READ_UE(r, what, op, 6);  // memory_management_control_operation
        if (op == 0) break;
        const int fields = op == 3 ? 2 : op == 5 ? 0 : 1;
        for (int f = 0; f < fields; ++f) WEE_READ_UE(r, what, v, UINT32_MAX - 1);
        if (n == 64) return Bad(what, "dec_ref_pic_marking does not end");
      }
    }
  }
  if (pps.entropy_coding_mode && slice_type != kI && slice_type != kSi) WEE_READ_UE(r, what, v, 2);
  WEE_READ_SE(r, what, s);  // slice_qp_delta
  if (slice_type == kSp || slice_type == kSi) {
    if (slice_type == kSp) WEE_READ_BITS(r, what, 1, v);  // sp_for_switch_flag
    WEE_READ_SE(r, what, s);                                // slice_qs_delta
  }
  if (pps.deblocking_filter_control_present) {
    WEE_READ_UE(r, what, v, 2);  // disable_deblocking_filter_idc
    if (v != 1) {
      WEE_READ_SE(r, what, s);  // slice_alpha_c0_offset_div2
      WEE_READ_SE(r, what, s);  // slice_beta_offset_div2
    }
  }
  return r.BytesConsumed() - 1;
}

#undef READ_UE
#undef READ_BITS
#undef READ_SE

}  // namespace wee::packager
