#include "packager/h265_slice_header.h"

#include <algorithm>
#include <string>

namespace wee::packager {
namespace {

constexpr uint32_t kMaxSpsId = 15;
constexpr uint32_t kMaxPpsId = 63;

// slice_type (7.4.7.1 table 7-7).
enum SliceType { kB = 0, kP = 1, kI = 2 };

Status Bad(const char* what, const std::string& detail) {
  return Malformed(std::string(what) + ": " + detail);
}

// Ceil(Log2(x)) of the specification (0 for x <= 1).
int CeilLog2(uint32_t x) {
  int n = 0;
  while (n < 32 && (uint64_t(1) << n) < x) ++n;
  return n;
}

// profile_tier_level(1, max_sub_layers_minus1) (7.3.3): only walked over.
bool SkipProfileTierLevel(RbspBitReader* r, uint32_t max_sub_layers_minus1) {
  if (!r->SkipBits(96)) return false;  // general profile (88 bits) and general_level_idc
  uint32_t profile_present[8] = {}, level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (!r->ReadBit(&profile_present[i]) || !r->ReadBit(&level_present[i])) return false;
  }
  if (max_sub_layers_minus1 > 0 && !r->SkipBits(2 * int(8 - max_sub_layers_minus1))) return false;
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i] && !r->SkipBits(88)) return false;
    if (level_present[i] && !r->SkipBits(8)) return false;
  }
  return true;
}

// scaling_list_data() (7.3.4): only walked over.
bool SkipScalingListData(RbspBitReader* r) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      uint32_t pred_mode = 0, delta = 0;
      if (!r->ReadBit(&pred_mode)) return false;
      if (!pred_mode) {
        if (!r->ReadUe(&delta)) return false;  // scaling_list_pred_matrix_id_delta
        continue;
      }
      int32_t coef = 0;
      const int count = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1 && !r->ReadSe(&coef)) return false;  // scaling_list_dc_coef_minus8
      for (int i = 0; i < count; ++i)
        if (!r->ReadSe(&coef)) return false;  // scaling_list_delta_coef
    }
  }
  return true;
}

}  // namespace

uint32_t H265SliceHeaderParser::ShortTermRps::NumUsed() const {
  uint32_t n = 0;
  for (bool u : used_s0) n += u;
  for (bool u : used_s1) n += u;
  return n;
}

Status ParseShortTermRps(RbspBitReader* r, uint32_t idx, uint32_t num_sets,
                         const std::vector<H265SliceHeaderParser::ShortTermRps>& sets,
                         H265SliceHeaderParser::ShortTermRps* out) {
  const char* what = "st_ref_pic_set";
  using Rps = H265SliceHeaderParser::ShortTermRps;
  Rps rps;
  uint32_t inter = 0;
  if (idx != 0) WEE_READ_BITS(*r, what, 1, inter);  // inter_ref_pic_set_prediction_flag
  if (inter) {
    // Predicted from an earlier set (7.4.8, equations 7-61 and 7-62).
    uint32_t delta_idx_minus1 = 0, sign = 0, abs_delta_minus1 = 0;
    if (idx == num_sets) WEE_READ_UE(*r, what, delta_idx_minus1, idx - 1);
    WEE_READ_BITS(*r, what, 1, sign);
    WEE_READ_UE(*r, what, abs_delta_minus1, 32767);
    const Rps& ref = sets[idx - (delta_idx_minus1 + 1)];
    const int32_t delta_rps = (sign ? -1 : 1) * int32_t(abs_delta_minus1 + 1);
    const uint32_t n = ref.NumDeltaPocs();
    std::vector<bool> used(n + 1), use_delta(n + 1, true);
    for (uint32_t j = 0; j <= n; ++j) {
      uint32_t u = 0, d = 1;
      WEE_READ_BITS(*r, what, 1, u);  // used_by_curr_pic_flag
      if (!u) WEE_READ_BITS(*r, what, 1, d);  // use_delta_flag
      used[j] = u;
      use_delta[j] = d;
    }
    const size_t neg = ref.delta_poc_s0.size(), pos = ref.delta_poc_s1.size();
    auto add = [](std::vector<int32_t>* pocs, std::vector<bool>* flags, int32_t poc, bool u) {
      pocs->push_back(poc);
      flags->push_back(u);
    };
    for (size_t j = pos; j-- > 0;) {
      const int32_t d = ref.delta_poc_s1[j] + delta_rps;
      if (d < 0 && use_delta[neg + j]) add(&rps.delta_poc_s0, &rps.used_s0, d, used[neg + j]);
    }
    if (delta_rps < 0 && use_delta[n]) add(&rps.delta_poc_s0, &rps.used_s0, delta_rps, used[n]);
    for (size_t j = 0; j < neg; ++j) {
      const int32_t d = ref.delta_poc_s0[j] + delta_rps;
      if (d < 0 && use_delta[j]) add(&rps.delta_poc_s0, &rps.used_s0, d, used[j]);
    }
    for (size_t j = neg; j-- > 0;) {
      const int32_t d = ref.delta_poc_s0[j] + delta_rps;
      if (d > 0 && use_delta[j]) add(&rps.delta_poc_s1, &rps.used_s1, d, used[j]);
    }
    if (delta_rps > 0 && use_delta[n]) add(&rps.delta_poc_s1, &rps.used_s1, delta_rps, used[n]);
    for (size_t j = 0; j < pos; ++j) {
      const int32_t d = ref.delta_poc_s1[j] + delta_rps;
      if (d > 0 && use_delta[neg + j]) add(&rps.delta_poc_s1, &rps.used_s1, d, used[neg + j]);
    }
  } else {
    uint32_t num_negative = 0, num_positive = 0, delta = 0, used = 0;
    WEE_READ_UE(*r, what, num_negative, 16);
    WEE_READ_UE(*r, what, num_positive, 16 - num_negative);
    int32_t poc = 0;
    for (uint32_t i = 0; i < num_negative; ++i) {
      WEE_READ_UE(*r, what, delta, 32767);  // delta_poc_s0_minus1
      WEE_READ_BITS(*r, what, 1, used);
      poc -= int32_t(delta + 1);
      rps.delta_poc_s0.push_back(poc);
      rps.used_s0.push_back(used);
    }
    poc = 0;
    for (uint32_t i = 0; i < num_positive; ++i) {
      WEE_READ_UE(*r, what, delta, 32767);  // delta_poc_s1_minus1
      WEE_READ_BITS(*r, what, 1, used);
      poc += int32_t(delta + 1);
      rps.delta_poc_s1.push_back(poc);
      rps.used_s1.push_back(used);
    }
  }
  if (rps.NumDeltaPocs() > 16) return Bad(what, "more than 16 pictures");
  *out = std::move(rps);
  return Status::Ok();
}

// --- parameter sets --------------------------------------------------------------------------

Status H265SliceHeaderParser::AddConfigurationRecord(ByteSpan hvcc) {
  if (hvcc.size < 23) return Malformed("hvcC: too short");
  size_t pos = 22;
  const size_t arrays = hvcc[pos++];
  for (size_t a = 0; a < arrays; ++a) {
    if (hvcc.size - pos < 3) return Malformed("hvcC: too short for its NAL unit arrays");
    const size_t count = (size_t(hvcc[pos + 1]) << 8) | hvcc[pos + 2];
    pos += 3;
    for (size_t i = 0; i < count; ++i) {
      if (hvcc.size - pos < 2) return Malformed("hvcC: too short for a NAL unit length");
      const size_t length = (size_t(hvcc[pos]) << 8) | hvcc[pos + 1];
      pos += 2;
      if (hvcc.size - pos < length)
        return Malformed("hvcC: NAL unit of " + std::to_string(length) + " bytes does not fit");
      WEE_RETURN_IF_ERROR(ProcessNal(hvcc.sub(pos, length)).Within("hvcC"));
      pos += length;
    }
  }
  return Status::Ok();
}

Status H265SliceHeaderParser::ProcessNal(ByteSpan nal) {
  if (nal.size < 2) return Status::Ok();
  switch ((nal[0] >> 1) & 0x3f) {
    case 33: return ParseSps(nal);
    case 34: return ParsePps(nal);
    default: return Status::Ok();
  }
}

Status H265SliceHeaderParser::ParseSps(ByteSpan nal) {
  // 7.3.2.2.1, up to strong_intra_smoothing_enabled_flag.
  const char* what = "SPS";
  RbspBitReader r(nal);
  uint32_t v = 0, max_sub_layers_minus1 = 0, id = 0;
  Sps sps;
  if (!r.SkipBits(16 + 4)) return Bad(what, "truncated at sps_video_parameter_set_id");
  WEE_READ_BITS(r, what, 3, max_sub_layers_minus1);
  if (max_sub_layers_minus1 > 6) return Bad(what, "sps_max_sub_layers_minus1 is out of range");
  if (!r.SkipBits(1) || !SkipProfileTierLevel(&r, max_sub_layers_minus1))
    return Bad(what, "truncated in profile_tier_level");
  WEE_READ_UE(r, what, id, kMaxSpsId);
  uint32_t chroma_format_idc = 0;
  WEE_READ_UE(r, what, chroma_format_idc, 3);
  sps.chroma_array_type = chroma_format_idc;
  if (chroma_format_idc == 3) {
    WEE_READ_BITS(r, what, 1, v);
    sps.separate_colour_plane = v;
    if (v) sps.chroma_array_type = 0;
  }
  uint32_t width = 0, height = 0;
  WEE_READ_UE(r, what, width, 1 << 16);
  WEE_READ_UE(r, what, height, 1 << 16);
  WEE_READ_BITS(r, what, 1, v);  // conformance_window_flag
  for (int i = 0; v && i < 4; ++i) {
    uint32_t offset = 0;
    WEE_READ_UE(r, what, offset, 1 << 16);
  }
  WEE_READ_UE(r, what, v, 8);  // bit_depth_luma_minus8
  WEE_READ_UE(r, what, v, 8);  // bit_depth_chroma_minus8
  WEE_READ_UE(r, what, v, 12);  // log2_max_pic_order_cnt_lsb_minus4
  sps.log2_max_poc_lsb = v + 4;
  uint32_t ordering_info = 0;
  WEE_READ_BITS(r, what, 1, ordering_info);
  for (uint32_t i = ordering_info ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    for (int k = 0; k < 3; ++k) WEE_READ_UE(r, what, v, UINT32_MAX - 1);
  }
  uint32_t log2_min_cb_minus3 = 0, log2_diff_cb = 0;
  WEE_READ_UE(r, what, log2_min_cb_minus3, 3);
  WEE_READ_UE(r, what, log2_diff_cb, 3);
  const uint32_t ctb_log2 = log2_min_cb_minus3 + 3 + log2_diff_cb;
  if (ctb_log2 > 6) return Bad(what, "CtbLog2SizeY " + std::to_string(ctb_log2) + " is out of range");
  const uint32_t ctb = 1u << ctb_log2;
  sps.pic_size_in_ctbs = ((width + ctb - 1) / ctb) * ((height + ctb - 1) / ctb);
  for (int k = 0; k < 4; ++k) WEE_READ_UE(r, what, v, 32);  // transform sizes and depths
  WEE_READ_BITS(r, what, 1, v);  // scaling_list_enabled_flag
  if (v) {
    WEE_READ_BITS(r, what, 1, v);  // sps_scaling_list_data_present_flag
    if (v && !SkipScalingListData(&r)) return Bad(what, "truncated in scaling_list_data");
  }
  WEE_READ_BITS(r, what, 1, v);  // amp_enabled_flag
  WEE_READ_BITS(r, what, 1, v);
  sps.sao = v;
  WEE_READ_BITS(r, what, 1, v);  // pcm_enabled_flag
  if (v) {
    if (!r.SkipBits(8)) return Bad(what, "truncated at pcm_sample_bit_depth");
    WEE_READ_UE(r, what, v, 32);
    WEE_READ_UE(r, what, v, 32);
    WEE_READ_BITS(r, what, 1, v);
  }
  uint32_t num_sets = 0;
  WEE_READ_UE(r, what, num_sets, 64);
  for (uint32_t i = 0; i < num_sets; ++i) {
    ShortTermRps rps;
    WEE_RETURN_IF_ERROR(ParseShortTermRps(&r, i, num_sets, sps.st_rps, &rps).Within(what));
    sps.st_rps.push_back(std::move(rps));
  }
  WEE_READ_BITS(r, what, 1, v);
  sps.long_term_ref_pics_present = v;
  if (v) {
    uint32_t count = 0;
    WEE_READ_UE(r, what, count, 32);
    for (uint32_t i = 0; i < count; ++i) {
      WEE_READ_BITS(r, what, int(sps.log2_max_poc_lsb), v);  // lt_ref_pic_poc_lsb_sps
      WEE_READ_BITS(r, what, 1, v);
      sps.lt_used_by_curr.push_back(v);
    }
  }
  WEE_READ_BITS(r, what, 1, v);
  sps.temporal_mvp = v;
  sps_[id] = std::move(sps);
  return Status::Ok();
}

Status H265SliceHeaderParser::ParsePps(ByteSpan nal) {
  // 7.3.2.3.1 and the range extension (7.3.2.3.2).
  const char* what = "PPS";
  RbspBitReader r(nal);
  uint32_t id = 0, v = 0;
  int32_t s = 0;
  Pps pps;
  if (!r.SkipBits(16)) return Bad(what, "empty");
  WEE_READ_UE(r, what, id, kMaxPpsId);
  WEE_READ_UE(r, what, pps.sps_id, kMaxSpsId);
  WEE_READ_BITS(r, what, 1, v);
  pps.dependent_slice_segments = v;
  WEE_READ_BITS(r, what, 1, v);
  pps.output_flag_present = v;
  WEE_READ_BITS(r, what, 3, pps.num_extra_slice_header_bits);
  WEE_READ_BITS(r, what, 1, v);  // sign_data_hiding_enabled_flag
  WEE_READ_BITS(r, what, 1, v);
  pps.cabac_init_present = v;
  WEE_READ_UE(r, what, v, 14);
  pps.num_ref_idx_l0_default_active = v + 1;
  WEE_READ_UE(r, what, v, 14);
  pps.num_ref_idx_l1_default_active = v + 1;
  WEE_READ_SE(r, what, s);       // init_qp_minus26
  WEE_READ_BITS(r, what, 1, v);  // constrained_intra_pred_flag
  uint32_t transform_skip = 0;
  WEE_READ_BITS(r, what, 1, transform_skip);
  WEE_READ_BITS(r, what, 1, v);  // cu_qp_delta_enabled_flag
  if (v) WEE_READ_UE(r, what, v, 6);  // diff_cu_qp_delta_depth
  WEE_READ_SE(r, what, s);  // pps_cb_qp_offset
  WEE_READ_SE(r, what, s);  // pps_cr_qp_offset
  WEE_READ_BITS(r, what, 1, v);
  pps.slice_chroma_qp_offsets_present = v;
  WEE_READ_BITS(r, what, 1, v);
  pps.weighted_pred = v;
  WEE_READ_BITS(r, what, 1, v);
  pps.weighted_bipred = v;
  WEE_READ_BITS(r, what, 1, v);  // transquant_bypass_enabled_flag
  uint32_t tiles = 0, wpp = 0;
  WEE_READ_BITS(r, what, 1, tiles);
  WEE_READ_BITS(r, what, 1, wpp);
  pps.tiles_or_wpp = tiles || wpp;
  if (tiles) {
    uint32_t columns = 0, rows = 0, uniform = 0;
    WEE_READ_UE(r, what, columns, 1023);
    WEE_READ_UE(r, what, rows, 1023);
    WEE_READ_BITS(r, what, 1, uniform);
    if (!uniform) {
      for (uint32_t i = 0; i < columns + rows; ++i) WEE_READ_UE(r, what, v, UINT32_MAX - 1);
    }
    WEE_READ_BITS(r, what, 1, v);  // loop_filter_across_tiles_enabled_flag
  }
  WEE_READ_BITS(r, what, 1, v);
  pps.loop_filter_across_slices = v;
  WEE_READ_BITS(r, what, 1, v);  // deblocking_filter_control_present_flag
  if (v) {
    WEE_READ_BITS(r, what, 1, v);
    pps.deblocking_override_enabled = v;
    WEE_READ_BITS(r, what, 1, v);
    pps.deblocking_disabled = v;
    if (!pps.deblocking_disabled) {
      WEE_READ_SE(r, what, s);  // pps_beta_offset_div2
      WEE_READ_SE(r, what, s);  // pps_tc_offset_div2
    }
  }
  WEE_READ_BITS(r, what, 1, v);  // pps_scaling_list_data_present_flag
  if (v && !SkipScalingListData(&r)) return Bad(what, "truncated in scaling_list_data");
  WEE_READ_BITS(r, what, 1, v);
  pps.lists_modification_present = v;
  WEE_READ_UE(r, what, v, 32);  // log2_parallel_merge_level_minus2
  WEE_READ_BITS(r, what, 1, v);
  pps.slice_header_extension_present = v;
  uint32_t extensions = 0;
  WEE_READ_BITS(r, what, 1, extensions);  // pps_extension_present_flag
  if (extensions) {
    uint32_t range = 0, rest = 0;
    WEE_READ_BITS(r, what, 1, range);
    WEE_READ_BITS(r, what, 7, rest);  // multilayer, 3d, scc, 4 bits
    // Multilayer, 3D and SCC extensions add syntax the packager does not parse.
    if (rest & 0x70) pps.unsupported = true;
    if (range && !pps.unsupported) {
      if (transform_skip) WEE_READ_UE(r, what, v, 32);  // log2_max_transform_skip_block_size
      WEE_READ_BITS(r, what, 1, v);  // cross_component_prediction_enabled_flag
      WEE_READ_BITS(r, what, 1, v);
      pps.chroma_qp_offset_list = v;
    }
  }
  pps_[id] = pps;
  return Status::Ok();
}

// --- slice segment header --------------------------------------------------------------------

Result<size_t> H265SliceHeaderParser::SliceHeaderSize(ByteSpan nal) const {
  const char* what = "slice header";
  RbspBitReader r(nal);
  if (nal.size < 2 || !r.SkipBits(16)) return Bad(what, "empty NAL unit");
  const uint32_t nal_type = (nal[0] >> 1) & 0x3f;
  uint32_t v = 0, first_in_pic = 0, pps_id = 0;
  int32_t s = 0;
  WEE_READ_BITS(r, what, 1, first_in_pic);
  if (nal_type >= 16 && nal_type <= 23) WEE_READ_BITS(r, what, 1, v);  // no_output_of_prior_pics
  WEE_READ_UE(r, what, pps_id, kMaxPpsId);
  auto pps_it = pps_.find(pps_id);
  if (pps_it == pps_.end()) return Bad(what, "PPS " + std::to_string(pps_id) + " is not defined");
  const Pps& pps = pps_it->second;
  auto sps_it = sps_.find(pps.sps_id);
  if (sps_it == sps_.end()) return Bad(what, "SPS " + std::to_string(pps.sps_id) + " is not defined");
  const Sps& sps = sps_it->second;
  if (pps.unsupported || sps.unsupported) return size_t(0);

  uint32_t dependent = 0;
  if (!first_in_pic) {
    if (pps.dependent_slice_segments) WEE_READ_BITS(r, what, 1, dependent);
    WEE_READ_BITS(r, what, CeilLog2(sps.pic_size_in_ctbs), v);  // slice_segment_address
  }
  if (!dependent) {
    if (!r.SkipBits(int(pps.num_extra_slice_header_bits))) return Bad(what, "truncated at slice_reserved_flag");
    uint32_t slice_type = 0;
    WEE_READ_UE(r, what, slice_type, 2);
    if (pps.output_flag_present) WEE_READ_BITS(r, what, 1, v);  // pic_output_flag
    if (sps.separate_colour_plane) WEE_READ_BITS(r, what, 2, v);  // colour_plane_id
    uint32_t num_pic_total_curr = 0, temporal_mvp = 0;
    if (nal_type != 19 && nal_type != 20) {  // not IDR
      WEE_READ_BITS(r, what, int(sps.log2_max_poc_lsb), v);  // slice_pic_order_cnt_lsb
      uint32_t from_sps = 0;
      WEE_READ_BITS(r, what, 1, from_sps);  // short_term_ref_pic_set_sps_flag
      const uint32_t num_sets = uint32_t(sps.st_rps.size());
      if (!from_sps) {
        ShortTermRps rps;
        WEE_RETURN_IF_ERROR(ParseShortTermRps(&r, num_sets, num_sets, sps.st_rps, &rps).Within(what));
        num_pic_total_curr = rps.NumUsed();
      } else {
        if (num_sets == 0) return Bad(what, "short_term_ref_pic_set_sps_flag without SPS sets");
        uint32_t idx = 0;
        if (num_sets > 1) WEE_READ_BITS(r, what, CeilLog2(num_sets), idx);
        if (idx >= num_sets) return Bad(what, "short_term_ref_pic_set_idx is out of range");
        num_pic_total_curr = sps.st_rps[idx].NumUsed();
      }
      if (sps.long_term_ref_pics_present) {
        uint32_t num_lt_sps = 0, num_lt_pics = 0;
        const uint32_t sps_lt = uint32_t(sps.lt_used_by_curr.size());
        if (sps_lt > 0) WEE_READ_UE(r, what, num_lt_sps, sps_lt);
        WEE_READ_UE(r, what, num_lt_pics, 32);
        for (uint32_t i = 0; i < num_lt_sps + num_lt_pics; ++i) {
          if (i < num_lt_sps) {
            uint32_t lt_idx = 0;
            if (sps_lt > 1) WEE_READ_BITS(r, what, CeilLog2(sps_lt), lt_idx);
            if (lt_idx >= sps_lt) return Bad(what, "lt_idx_sps is out of range");
            num_pic_total_curr += sps.lt_used_by_curr[lt_idx];
          } else {
            WEE_READ_BITS(r, what, int(sps.log2_max_poc_lsb), v);  // poc_lsb_lt
            WEE_READ_BITS(r, what, 1, v);  // used_by_curr_pic_lt_flag
            num_pic_total_curr += v;
          }
          WEE_READ_BITS(r, what, 1, v);  // delta_poc_msb_present_flag
          if (v) WEE_READ_UE(r, what, v, UINT32_MAX - 1);
        }
      }
      if (sps.temporal_mvp) WEE_READ_BITS(r, what, 1, temporal_mvp);
    }
    uint32_t sao_luma = 0, sao_chroma = 0;
    if (sps.sao) {
      WEE_READ_BITS(r, what, 1, sao_luma);
      if (sps.chroma_array_type != 0) WEE_READ_BITS(r, what, 1, sao_chroma);
    }
    if (slice_type == kP || slice_type == kB) {
      uint32_t l0 = pps.num_ref_idx_l0_default_active, l1 = pps.num_ref_idx_l1_default_active;
      WEE_READ_BITS(r, what, 1, v);  // num_ref_idx_active_override_flag
      if (v) {
        WEE_READ_UE(r, what, l0, 14);
        ++l0;
        if (slice_type == kB) {
          WEE_READ_UE(r, what, l1, 14);
          ++l1;
        }
      }
      if (pps.lists_modification_present && num_pic_total_curr > 1) {
        // ref_pic_lists_modification() (7.3.6.2).
        const int bits = CeilLog2(num_pic_total_curr);
        for (int list = 0; list < (slice_type == kB ? 2 : 1); ++list) {
          WEE_READ_BITS(r, what, 1, v);
          if (v && !r.SkipBits(bits * int(list == 0 ? l0 : l1))) return Bad(what, "truncated at list_entry");
        }
      }
      if (slice_type == kB) WEE_READ_BITS(r, what, 1, v);  // mvd_l1_zero_flag
      if (pps.cabac_init_present) WEE_READ_BITS(r, what, 1, v);  // cabac_init_flag
      if (temporal_mvp) {
        uint32_t from_l0 = 1;
        if (slice_type == kB) WEE_READ_BITS(r, what, 1, from_l0);  // collocated_from_l0_flag
        if ((from_l0 && l0 > 1) || (!from_l0 && l1 > 1)) WEE_READ_UE(r, what, v, 14);
      }
      if ((pps.weighted_pred && slice_type == kP) || (pps.weighted_bipred && slice_type == kB)) {
        // pred_weight_table() (7.3.6.3). Every reference picture has a POC other than the
        // current one outside screen content coding, so every flag is present.
        WEE_READ_UE(r, what, v, 7);  // luma_log2_weight_denom
        if (sps.chroma_array_type != 0) WEE_READ_SE(r, what, s);  // delta_chroma_log2_weight_denom
        for (int list = 0; list < (slice_type == kB ? 2 : 1); ++list) {
          const uint32_t count = list == 0 ? l0 : l1;
          std::vector<uint32_t> luma(count), chroma(count);
          for (uint32_t i = 0; i < count; ++i) WEE_READ_BITS(r, what, 1, luma[i]);
          if (sps.chroma_array_type != 0)
            for (uint32_t i = 0; i < count; ++i) WEE_READ_BITS(r, what, 1, chroma[i]);
          for (uint32_t i = 0; i < count; ++i) {
            for (int k = 0; luma[i] && k < 2; ++k) WEE_READ_SE(r, what, s);
            for (int k = 0; chroma[i] && k < 4; ++k) WEE_READ_SE(r, what, s);
          }
        }
      }
      WEE_READ_UE(r, what, v, 4);  // five_minus_max_num_merge_cand
    }
    WEE_READ_SE(r, what, s);  // slice_qp_delta
    if (pps.slice_chroma_qp_offsets_present) {
      WEE_READ_SE(r, what, s);
      WEE_READ_SE(r, what, s);
    }
    if (pps.chroma_qp_offset_list) WEE_READ_BITS(r, what, 1, v);  // cu_chroma_qp_offset_enabled
    uint32_t override = 0, deblocking_disabled = pps.deblocking_disabled;
    if (pps.deblocking_override_enabled) WEE_READ_BITS(r, what, 1, override);
    if (override) {
      WEE_READ_BITS(r, what, 1, deblocking_disabled);
      if (!deblocking_disabled) {
        WEE_READ_SE(r, what, s);  // slice_beta_offset_div2
        WEE_READ_SE(r, what, s);  // slice_tc_offset_div2
      }
    }
    if (pps.loop_filter_across_slices && (sao_luma || sao_chroma || !deblocking_disabled))
      WEE_READ_BITS(r, what, 1, v);  // slice_loop_filter_across_slices_enabled_flag
  }
  if (pps.tiles_or_wpp) {
    uint32_t entry_points = 0, offset_len_minus1 = 0;
    WEE_READ_UE(r, what, entry_points, 1u << 20);
    if (entry_points > 0) {
      WEE_READ_UE(r, what, offset_len_minus1, 31);
      if (!r.SkipBits(int(offset_len_minus1 + 1) * int(entry_points)))
        return Bad(what, "truncated at entry_point_offset_minus1");
    }
  }
  if (pps.slice_header_extension_present) {
    uint32_t length = 0;
    WEE_READ_UE(r, what, length, 256);
    if (!r.SkipBits(8 * int(length))) return Bad(what, "truncated in slice_segment_header_extension");
  }
  // byte_alignment(): a 1 bit, then 0 bits up to the byte boundary.
  WEE_READ_BITS(r, what, 1, v);
  if (v != 1) return Bad(what, "alignment_bit_equal_to_one is 0");
  return r.BytesConsumed() - 2;
}

}  // namespace wee::packager
