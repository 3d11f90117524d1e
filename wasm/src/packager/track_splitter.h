// Splits a clear fragmented MP4 into one stream per track, what a DASH representation or an
// HLS media playlist holds (as Shaka Packager does with a multiplexed input):
//
//   in:  ftyp moov(mvhd trak1 trak2 mvex(trex1 trex2)) | styp? moof(mfhd traf1 traf2) mdat | ...
//   out, per track N: init   = ftyp moov(mvhd trakN mvex(trexN))
//                     one media segment per moof holding a traf of N:
//                            = styp? moof(mfhd trafN) mdat(the samples of trafN only)
//
// In each media segment tfhd is default-base-is-moof and every trun has a data_offset into the
// new mdat. What names other tracks is dropped (iods, tref, leva, other trex/trep); everything
// else in the moov and the trafs is kept. Top-level boxes other than ftyp, moov, styp, moof and
// mdat (sidx, mfra, free, emsg, prft) are not carried over. Segments are described as byte runs
// of the input and only assembled on demand (WriteSegment), so the input is not held twice.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "packager/encryptor.h"

namespace wee::packager {

struct SplitSegment {
  Bytes head;  // styp (if the input had one before this moof), moof, the mdat's header
  // The mdat's payload: (offset, size) runs of the input, in order.
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  uint64_t Size() const;
};

struct TrackStream {
  uint32_t track_id = 0;
  TrackKind kind = TrackKind::kOther;
  std::string codec;   // the first sample entry's fourcc
  std::string codecs;  // RFC 6381 (codecs_parameter.h); empty for codecs it does not describe
  uint32_t timescale = 0;
  uint32_t width = 0, height = 0;          // video: the sample entry's
  uint32_t sample_rate = 0, channels = 0;  // audio: the sample entry's
  Bytes init;
  std::vector<SplitSegment> segments;  // one per moof holding a traf of this track
};

// Hostile input is expected: sizes are checked, errors name the box and its offset, and every
// sample must lie inside an 'mdat' of the input. *out is written only on success.
[[nodiscard]] Status SplitTracks(ByteSpan file, std::vector<TrackStream>* out);

// The bytes of a segment of `file` (the input SplitTracks described it from).
Bytes WriteSegment(ByteSpan file, const SplitSegment& segment);

}  // namespace wee::packager
