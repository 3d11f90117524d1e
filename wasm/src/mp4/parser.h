// Parsing of fragmented ISO-BMFF (ISO/IEC 14496-12) and its Common Encryption boxes
// (ISO/IEC 23001-7) into the model of model.h. All input is untrusted: every size and count is
// checked against the bytes that hold it, allocations are bounded, errors name the box path
// ("moov/trak[1]/mdia/minf/stbl/stsd/encv/sinf/schi/tenc: ...").
//
// Incremental use (MSE appends may stop mid-box): ReadBoxHeader tells whether a whole top-level
// box is in the buffer; ParseInit / ParseFragment return kNeedMoreData only when a box they must
// read is not complete yet, never a guess.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"

namespace wee::mp4 {

struct BoxHeader {
  FourCC type = 0;
  uint64_t offset = 0;                 // absolute, of the size field
  uint64_t header_size = 0;            // 8, 16 with largesize, +16 for 'uuid'
  uint64_t size = 0;                   // the whole box, header included
  std::array<uint8_t, 16> usertype{};  // 'uuid' boxes only
};

// Boxes larger than this are treated as corrupt (2^53: offsets must also survive a trip
// through a JS number).
constexpr uint64_t kMaxBoxSize = uint64_t(1) << 53;
// Bound on the samples of one moof (all trafs and truns together): kLimitExceeded beyond it.
// A trun without per-sample fields costs no bytes per sample, so its count alone cannot be
// checked against the box size; this caps the memory such a box can make us allocate.
// 2^17 samples (about 14 MB of Sample records) is over an hour of 30 fps video in one fragment.
constexpr uint64_t kMaxSamplesPerFragment = uint64_t(1) << 17;

// PIFF 1.1 SampleEncryptionBox: uuid a2394f52-5a9b-4f14-a244-6c427c648df4.
constexpr std::array<uint8_t, 16> kPiffSencUuid = {0xa2, 0x39, 0x4f, 0x52, 0x5a, 0x9b, 0x4f, 0x14,
                                                   0xa2, 0x44, 0x6c, 0x42, 0x7c, 0x64, 0x8d, 0xf4};

// Reads the box header at `offset` of `data`. kNeedMoreData if the header itself is incomplete
// OR the box's full extent is not in `data` yet; size-0 boxes ("to the end") extend to data.size
// if at_end is true and need more data otherwise. 64-bit largesize supported; sizes smaller than
// the header or above kMaxBoxSize are kMalformed naming the box.
[[nodiscard]] Status ReadBoxHeader(ByteSpan data, uint64_t offset, bool at_end, BoxHeader* out);

// Parses an init segment (everything before the first moof; must contain a complete 'moov').
// Top-level boxes other than 'moov' (ftyp, free, sidx, ...) are skipped; parsing stops after
// 'moov'. kNeedMoreData while 'moov' is not complete (a top-level box of size 0 before or as
// the moov can never be known complete here); kMalformed if a 'moof' comes first.
// Offsets in *out (to_neutralise, sample_entry_type_offset, pssh ranges) are absolute in `data`.
// Track::entry_is_protected[i] is for sample description index i + 1; the child boxes of a
// sample entry are found from its layout (encv/'vide': VisualSampleEntry, enca/'soun':
// AudioSampleEntry incl. QuickTime v1/v2), for other handlers by scanning for its 'sinf'.
// A sinf needs frma, schm and schi/tenc (or, without tenc, the PIFF 1.1 tenc uuid
// 8974dbce-7be7-4c51-84f9-7148f9882554). *out is written only on success.
[[nodiscard]] Status ParseInit(ByteSpan data, InitSegment* out);

// Parses the complete 'moof' box that starts at moof_offset in `data`, using the init segment's
// track info. Sample offsets are absolute positions in `data` (base-data-offset /
// default-base-is-moof / first-traf-moof-start rules of 14496-12 8.8.7.1); sample bytes may be
// beyond data.size (the mdat may not have arrived yet): Fragment::data_end says how far they go.
// A tfhd base_data_offset is a position in the file, and data[0] is at file position
// `data_position` (a streaming caller holds only the bytes from the moof on): the data base is
// base_data_offset - data_position, kMalformed when that is before data[0]. No data_position:
// the bytes are an MSE byte stream, which has no file positions, and base-data-offset-present is
// kMalformed (MSE ISO BMFF byte stream format, movie-fragment relative addressing; Chromium
// refuses it too). saio offsets count from the same base as the trun data_offset (8.7.9.3;
// ffmpeg and Chromium do the same).
// Exception: sample auxiliary information reached through saiz/saio (no senc) must be read to
// know the IVs; if it lies beyond the moof and beyond data.size, the result is kNeedMoreData.
//
// Behaviours worth knowing:
// - A traf holding both 'senc' and the PIFF uuid senc (mp4ff/2xSencNoMdat.mp4): the standard
//   'senc' is used, like mp4ff does; both are listed in to_neutralise. Two boxes of the same kind
//   in one traf are kMalformed.
// - With 'senc' present, saiz/saio are not read (they point into the senc); without senc, the
//   saiz/saio pair whose aux_info_type is absent, 'cenc' or the track's scheme type is used.
// - Per-sample encryption parameters: a 'seig' group entry (sbgp index > 0x10000: traf sgpd;
//   1..0x10000: the track's stbl sgpd; 0: no group) else the track's 'tenc'; a sample whose
//   sample description is a clear entry is clear. senc flag 0x1 (PIFF override) replaces the
//   IV size and KID (AlgorithmID 0 makes the samples clear).
// - Subsample sizes must add up to the sample size; senc/saiz sample counts must equal the
//   traf's sample count; a senc with bytes left after its samples is kMalformed (it means the
//   IV size from tenc/seig does not fit the file).
// - Clear samples (isProtected 0, or a clear sample entry) have empty iv and subsamples;
//   protected samples with IV size 0 get the constant IV in Sample::iv.
// - A trex default_sample_description_index of 0 is read as 1; an explicit tfhd index must be
//   in 1..entries.
// *out is written only on success.
[[nodiscard]] Status ParseFragment(ByteSpan data, uint64_t moof_offset, const InitSegment& init,
                                   Fragment* out,
                                   std::optional<uint64_t> data_position = uint64_t(0));

}  // namespace wee::mp4
