// Measures H.264 slice headers (ISO/IEC 14496-10 7.3.3), so that the packager can leave them
// clear: 23001-7 10.4.2 has cbcs protection start with the slice data, and decoders that parse
// headers of protected streams (hardware, Chromium's H.264 parser) need them in the clear.
//
// A slice header's length depends on the SPS and PPS it refers to, which come from the avcC
// record and, for 'avc3', from the samples themselves (ProcessNal keeps both tables current).
#pragma once

#include <cstdint>
#include <map>

#include "base/bytes.h"
#include "base/status.h"
#include "packager/rbsp_bit_reader.h"

namespace wee::packager {

class H264SliceHeaderParser {
 public:
  // The SPS and PPS NAL units of an AVCDecoderConfigurationRecord (14496-15 5.3.3.1).
  [[nodiscard]] Status AddConfigurationRecord(ByteSpan avcc);
  // Any NAL unit of a sample (starting with its header byte): SPS and PPS update the tables.
  [[nodiscard]] Status ProcessNal(ByteSpan nal);
  // Bytes after the 1-byte NAL unit header up to the end of the slice header of a coded slice
  // NAL unit (types 1 and 5), a partly used last byte included. 0 when the header cannot be
  // measured because the PPS uses slice groups (FMO), which the packager then leaves to the
  // NAL-header-only rule. kMalformed for a header that runs past the NAL unit or refers to an
  // undefined parameter set.
  Result<size_t> SliceHeaderSize(ByteSpan nal) const;

  struct Sps {
    uint32_t chroma_array_type = 1;
    bool separate_colour_plane = false;
    uint32_t log2_max_frame_num = 4;
    uint32_t pic_order_cnt_type = 0;
    uint32_t log2_max_pic_order_cnt_lsb = 4;
    bool delta_pic_order_always_zero = false;
    bool frame_mbs_only = true;
  };
  struct Pps {
    uint32_t sps_id = 0;
    bool entropy_coding_mode = false;
    bool bottom_field_pic_order_in_frame_present = false;
    bool slice_groups = false;
    uint32_t num_ref_idx_l0_default_active = 1;
    uint32_t num_ref_idx_l1_default_active = 1;
    bool weighted_pred = false;
    uint32_t weighted_bipred_idc = 0;
    bool deblocking_filter_control_present = false;
    bool redundant_pic_cnt_present = false;
  };

 private:
  Status ParseSps(ByteSpan nal);
  Status ParsePps(ByteSpan nal);
  std::map<uint32_t, Sps> sps_;
  std::map<uint32_t, Pps> pps_;
};

}  // namespace wee::packager
