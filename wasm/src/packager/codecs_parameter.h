// The RFC 6381 'codecs' parameter of a sample entry, from its decoder configuration box: what
// an MPD's @codecs and an HLS CODECS attribute carry, and what players test before they load.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"

namespace wee::packager {

// avc1/avc3 with its avcC (ISO/IEC 14496-15 5.3.3.1): "avc1.PPCCLL" (profile_idc, constraint
// flags, level_idc), lowercase like FFmpeg writes it.
Result<std::string> AvcCodecs(mp4::FourCC entry, ByteSpan avcc);

// hvc1/hev1 with its hvcC (14496-15 8.3.3.1, Annex E.3): "hvc1.<space><profile_idc>.<reversed
// compatibility flags>.<L|H><level_idc>[.<constraint bytes, trailing zeros omitted>]".
Result<std::string> HevcCodecs(mp4::FourCC entry, ByteSpan hvcc);

// av01 with its av1C (AV1 ISOBMFF binding, Codecs Parameter String): "av01.<seq_profile>.
// <seq_level_idx_0, 2 digits><M|H tier>.<bit depth, 2 digits>", then ".<mono_chrome>.
// <subsampling_x><subsampling_y><chroma_sample_position>.<colour primaries>.<transfer>.<matrix>.
// <full range>" unless those are the defaults (".0.110.01.01.01.0"), which the binding says to
// leave out. Colour from `colr` (an 'nclx' colr box payload, may be empty), else from the
// sequence header in the av1C's configOBUs, else the defaults with the header's color_range.
Result<std::string> Av1Codecs(ByteSpan av1c, ByteSpan colr = {});

// mp4a with its esds (14496-1 7.2.6.5-7, RFC 6381 3.3): "mp4a.40.<audioObjectType>" for MPEG-4
// audio (object type indication 0x40), else "mp4a.<OTI in hex>". For MPEG-4 audio with a
// channelConfiguration of 1 to 7 (14496-3 1.6.3.4), *channels gets its channel count (writers
// such as FFmpeg put 2 in the sample entry of mono AAC); otherwise it is left as it is.
Result<std::string> Mp4aCodecs(ByteSpan esds, uint32_t* channels);

}  // namespace wee::packager
