// Internal to wasm/src/packager: what encryptor.cpp (the stream, its layout and indexes),
// init_rewriter.cpp (the 'moov') and fragment_planner.cpp (each 'moof') share.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "cenc/scheme.h"
#include "mp4/model.h"
#include "packager/av1_parser.h"
#include "packager/box_tree.h"
#include "packager/boxes.h"
#include "packager/encryptor.h"
#include "packager/h264_slice_header.h"
#include "packager/h265_slice_header.h"

namespace wee::packager {
namespace internal {

constexpr FourCC kMoov = MakeFourCC("moov");
constexpr FourCC kMoof = MakeFourCC("moof");
constexpr FourCC kMdat = MakeFourCC("mdat");
constexpr FourCC kSidx = MakeFourCC("sidx");
constexpr FourCC kMfra = MakeFourCC("mfra");
constexpr FourCC kTraf = MakeFourCC("traf");
constexpr FourCC kTrun = MakeFourCC("trun");

// How to make a fragmented MP4, for the error that refuses a progressive one.
extern const char kFragmentHint[];

// What the packager does with a track's samples.
enum class Codec { kH264, kH265, kAv1, kAudio, kNone };

std::string Hex(const mp4::Kid& kid);
std::string At(const char* box, uint64_t offset);  // "moof at 1234"
FourCC SchemeFourCC(cenc::Scheme scheme);
bool HasPattern(cenc::Scheme scheme);  // cens and cbcs
// Size of the fixed fields before a sample entry's child boxes (14496-12 12.1.3, 12.2.3;
// QuickTime sound sample description versions 1 and 2 add 16 and 36 bytes).
Result<size_t> SampleEntryFieldsSize(TrackKind kind, ByteSpan payload, const std::string& where);
// Big-endian addition of n to an IV of any length (wrapping).
Bytes AddToIv(Bytes iv, uint64_t n);
// The first `size` bytes of SHA-256(label, seed, track_id, kid[, counter]): IVs that depend on
// nothing but the IV seed, the track and the key (deterministic output).
Bytes Derive(const char* label, ByteSpan seed, uint32_t track_id, const mp4::Kid& kid,
             size_t size, const uint64_t* counter = nullptr);

}  // namespace internal

struct Encryptor::Key {
  mp4::Kid kid{};
  SecretBytes key;
  cenc::ContentKey content;
  explicit Key(cenc::ContentKey k) : content(std::move(k)) {}
};

struct Encryptor::TrackState {
  TrackInfo info;
  internal::Codec codec = internal::Codec::kNone;
  uint8_t nal_length_size = 0;
  // Parameter sets of an H.264 or H.265 track, to keep slice headers clear.
  H264SliceHeaderParser h264;
  H265SliceHeaderParser h265;
  // Sequence header and reference state of an AV1 track, to find its tiles.
  Av1Parser av1;
  uint32_t trex_sample_duration = 0;
  uint32_t trex_sample_size = 0;
  uint32_t trex_sample_flags = 0;
  std::vector<size_t> keys;  // indices into keys_, in rotation order
  uint64_t samples_done = 0;
  uint64_t fragments_done = 0;
  uint64_t next_decode_time = 0;
};

// What one Process() call will write, built before anything is committed.
struct Encryptor::Plan {
  struct SampleJob {
    uint64_t in_offset = 0;
    uint32_t size = 0;
    size_t key = 0;
    mp4::Sample sample;  // iv, pattern, subsamples
  };
  struct TrunSlot {
    size_t traf_child = 0;  // index of the traf among the moof's children
    size_t trun_child = 0;  // index of the trun among the traf's children
    Bytes trun_payload;  // the input trun's, rewritten with the final data_offset
    std::string where;   // the traf, for errors
    bool has_samples = false;
    uint64_t first_in_offset = 0;
  };
  struct Moof {
    Box box;
    std::vector<TrunSlot> truns;
  };
  std::vector<Moof> moofs;
  std::vector<SampleJob> jobs;
  std::vector<FragmentInfo> fragments;
  std::vector<size_t> fragment_moof;  // index into moofs of each fragment
};

}  // namespace wee::packager
