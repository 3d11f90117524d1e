// Which bytes of a sample the packager encrypts: the subsample layout (ISO/IEC 23001-7 9.5).
//
// Video is NAL-aware (H.264 / H.265 as stored in MP4: each NAL unit behind a 1-4 byte length):
//
//   | len | hdr | slice header | slice data ......................... | len | SEI ... |
//   |<------------ clear ----------->|<------- protected, n*16 ------->|<--- clear ---->|
//                                 ^ the remainder of slice data mod 16 moves to the clear part
//
// - The length field and the NAL unit header stay clear (23001-7 10.2 / 10.4.2; Chromium's MP4
//   parser checks it when it rewrites lengths into Annex B start codes).
// - The slice header stays clear too, when it can be measured (see NalVisitor).
// - Non-VCL NAL units (SPS, PPS, SEI, AUD, ...) are entirely clear.
// - With `align`, the protected part of every VCL NAL unit is a whole number of 16-byte blocks:
//   required for cbc1/cens (10.2, 10.3) and by CMAF for cenc. cbcs instead starts protection
//   at the slice data (10.4.2) and its pattern leaves a trailing partial block clear.
// - BytesOfClearData is 16 bits: longer clear runs are split into (65535, 0) subsamples.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"
#include "packager/av1_parser.h"

namespace wee::packager {

enum class NalCodec { kH264, kH265 };

// Called for every NAL unit of a sample, in order, with the whole NAL unit (header included):
// returns the size of the slice header after the NAL unit header for coded slices (0: unknown,
// only the NAL unit header stays clear); may take in-band SPS/PPS for later slices.
using NalVisitor = std::function<Result<size_t>(ByteSpan nal, bool vcl)>;

// Builds the subsamples of one length-prefixed H.264/H.265 sample. kMalformed naming the byte
// position if the NAL unit lengths do not exactly fill the sample.
[[nodiscard]] Status NalSubsamples(ByteSpan sample, NalCodec codec, uint8_t length_size,
                                   const NalVisitor& visit, bool align,
                                   std::vector<mp4::Subsample>* out);

// Builds the subsamples of one AV1 sample from its tiles (AV1-ISOBMFF, "Common Encryption"):
// with `align` (cenc, cens, cbc1) the whole blocks of each tile up to its end are protected and
// a tile under 16 bytes stays clear; without (cbcs) each tile's decode_tile() bytes are
// protected whole, in a subsample of their own even when shorter than a block. Everything else
// is clear. Advances the parser's reference state: samples must come in decode order.
[[nodiscard]] Status Av1Subsamples(ByteSpan sample, Av1Parser* parser, bool align,
                                   std::vector<mp4::Subsample>* out);

// One subsample for a sample protected from its start (audio in cens and cbc1, whose protected
// ranges must be whole blocks): the size mod 16 leading bytes clear, the rest protected.
std::vector<mp4::Subsample> BlockAlignedSubsamples(size_t sample_size);

// Accumulates (clear, protected) runs into subsamples: merges clear runs, moves a protected
// run's partial block into the clear part when aligning, splits clear runs above 65535.
class SubsampleBuilder {
 public:
  SubsampleBuilder(bool align, std::vector<mp4::Subsample>* out) : align_(align), out_(out) {}
  void Add(uint64_t clear_bytes, uint64_t protected_bytes);
  // A protected run taken as it is, however short (AV1 cbcs tiles).
  void AddExact(uint64_t clear_bytes, uint64_t protected_bytes);
  // Flushes trailing clear bytes. Call once at the end.
  void Finish();

 private:
  void Push(uint64_t clear_bytes, uint64_t protected_bytes);
  bool align_;
  std::vector<mp4::Subsample>* out_;
  uint64_t pending_clear_ = 0;
};

}  // namespace wee::packager
