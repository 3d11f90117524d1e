// Measures H.265 slice segment headers (ITU-T H.265 7.3.6.1), so that the packager can leave
// them clear like the H.264 ones (see h264_slice_header.h). The header length depends on the
// SPS (short-term reference picture sets, long-term pictures, SAO, temporal MVP, picture size)
// and the PPS (extra header bits, tiles / WPP entry points, weighted prediction, deblocking
// overrides, ...), taken from the hvcC record and from in-band parameter sets ('hev1').
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "packager/rbsp_bit_reader.h"

namespace wee::packager {

class H265SliceHeaderParser {
 public:
  // The parameter set arrays of an HEVCDecoderConfigurationRecord (14496-15 8.3.3.1).
  [[nodiscard]] Status AddConfigurationRecord(ByteSpan hvcc);
  // Any NAL unit of a sample (starting with its 2-byte header): SPS and PPS update the tables.
  [[nodiscard]] Status ProcessNal(ByteSpan nal);
  // Bytes after the 2-byte NAL unit header up to the end of the slice segment header (its
  // byte_alignment() included) of a VCL NAL unit. 0 for the few features not handled (screen
  // content coding extensions): only the NAL unit header then stays clear. kMalformed for a
  // header that runs past the NAL unit or refers to an undefined parameter set.
  Result<size_t> SliceHeaderSize(ByteSpan nal) const;

  // A short-term reference picture set (7.4.8): the POC deltas and which the picture uses.
  struct ShortTermRps {
    std::vector<int32_t> delta_poc_s0, delta_poc_s1;
    std::vector<bool> used_s0, used_s1;
    uint32_t NumDeltaPocs() const { return uint32_t(delta_poc_s0.size() + delta_poc_s1.size()); }
    uint32_t NumUsed() const;
  };
  struct Sps {
    uint32_t chroma_array_type = 1;
    bool separate_colour_plane = false;
    uint32_t log2_max_poc_lsb = 4;
    uint32_t pic_size_in_ctbs = 1;
    std::vector<ShortTermRps> st_rps;
    bool long_term_ref_pics_present = false;
    std::vector<bool> lt_used_by_curr;  // per lt_ref_pic_poc_lsb_sps entry
    bool temporal_mvp = false;
    bool sao = false;
    bool unsupported = false;  // an extension that changes the slice header syntax
  };
  struct Pps {
    uint32_t sps_id = 0;
    bool dependent_slice_segments = false;
    bool output_flag_present = false;
    uint32_t num_extra_slice_header_bits = 0;
    bool cabac_init_present = false;
    uint32_t num_ref_idx_l0_default_active = 1;
    uint32_t num_ref_idx_l1_default_active = 1;
    bool slice_chroma_qp_offsets_present = false;
    bool weighted_pred = false;
    bool weighted_bipred = false;
    bool tiles_or_wpp = false;  // entry points in the slice header
    bool loop_filter_across_slices = false;
    bool deblocking_override_enabled = false;
    bool deblocking_disabled = false;
    bool lists_modification_present = false;
    bool slice_header_extension_present = false;
    bool chroma_qp_offset_list = false;
    bool unsupported = false;
  };

 private:
  Status ParseSps(ByteSpan nal);
  Status ParsePps(ByteSpan nal);
  std::map<uint32_t, Sps> sps_;
  std::map<uint32_t, Pps> pps_;
};

// Parses st_ref_pic_set(idx) (7.3.7) given the sets before it; num_sets is
// num_short_term_ref_pic_sets (idx == num_sets: the slice header's own set).
[[nodiscard]] Status ParseShortTermRps(RbspBitReader* r, uint32_t idx, uint32_t num_sets,
                                       const std::vector<H265SliceHeaderParser::ShortTermRps>& sets,
                                       H265SliceHeaderParser::ShortTermRps* out);

}  // namespace wee::packager
