// The packager's core: clear fragmented MP4 in, Common Encryption (ISO/IEC 23001-7) out.
//
//   in:  ftyp moov(avc1 mp4a)            | styp sidx moof(traf: tfhd tfdt trun) mdat | ...
//   out: ftyp moov(encv(..sinf) enca(..sinf) pssh) | styp sidx' moof(pssh? traf: tfhd' tfdt
//        trun' sbgp? sgpd? saiz saio senc) mdat(encrypted in place) | ...
//
// The stream is handed over in pieces of whole top-level boxes: one whole file, or an init
// segment then media segments (a DASH set). Whatever depends on the growing boxes is fixed up
// within the piece: trun data offsets (tfhd is switched to default-base-is-moof), saio offsets
// to the senc, sidx referenced sizes, tfra moof offsets.
//
// Output is deterministic: IVs are derived from the IV seed, the track and the KID, and count
// up per sample (8-byte IVs) or are hashed per sample (16-byte IVs).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cenc/scheme.h"
#include "mp4/model.h"

namespace wee::packager {

struct Box;  // box_tree.h

// SystemIDs of the 'pssh' boxes written (ISO/IEC 23001-7 / W3C "cenc" init data, DASH-IF).
extern const mp4::Kid kCommonSystemId;    // 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b
extern const mp4::Kid kClearKeySystemId;  // e2719d58-a985-b3c9-781a-b030af78d30e

struct EncryptOptions {
  cenc::Scheme scheme = cenc::Scheme::kCenc;
  Bytes iv_seed;                 // at least 8 bytes
  uint32_t rotation_period = 0;  // fragments per key (0: one key per track throughout)
  bool clear_key_pssh = false;   // also write the DASH-IF Clear Key SystemID 'pssh'
  bool cbcs_per_sample_iv = false;  // cbcs: 16-byte per-sample IVs instead of a constant IV
  // A piece holding the 'moov' and fragments but no 'sidx' (a whole file) gets one after the
  // 'moov', indexing every fragment: the file can then be a DASH on-demand representation
  // (SegmentBase), and FFmpeg's demuxer needs it to decrypt (5.1 mismatches the encryption
  // info of fragments it did not find through a sidx).
  bool write_sidx = true;
};

enum class TrackKind { kVideo, kAudio, kOther };
const char* TrackKindName(TrackKind kind);  // "video", "audio", "other"

class Encryptor {
 public:
  struct TrackInfo {
    uint32_t track_id = 0;
    TrackKind kind = TrackKind::kOther;
    std::string codec;          // the original sample entry fourcc: "avc1", "mp4a", ...
    uint32_t timescale = 0;
    bool encrypted = false;     // tracks other than audio and video stay clear
    mp4::Pattern pattern;
    uint8_t per_sample_iv_size = 0;
    std::vector<mp4::Kid> kids;  // in rotation order; kids[0] is tenc's default_KID
  };
  struct FragmentInfo {
    uint32_t track_id = 0;
    uint32_t sequence_number = 0;
    uint64_t base_media_decode_time = 0;
    uint64_t duration = 0;  // sum of the sample durations, in the track's timescale
    uint32_t sample_count = 0;
    int64_t earliest_presentation_time = 0;  // min(decode time + composition offset)
    bool starts_with_sap = false;  // the first sample is a sync sample
    bool encrypted = false;
    mp4::Kid kid{};
  };

  explicit Encryptor(EncryptOptions options);
  ~Encryptor();
  Encryptor(const Encryptor&) = delete;
  Encryptor& operator=(const Encryptor&) = delete;

  // Adds a key for the tracks of one kind ("video", "audio") or for every track without a
  // key of its own kind (""). Several keys for one kind are the rotation periods' keys, in
  // order, and need rotation_period > 0. Only before the init segment is processed.
  // kInvalidArgument: a KID or key that is not 16 bytes, a KID given before with another key.
  [[nodiscard]] Status AddKey(const std::string& kind, ByteSpan kid, ByteSpan key);

  // Encrypts the next piece of the stream (whole top-level boxes; the first piece holds the
  // 'moov'). On error *out and the encryptor's state are unchanged, so a caller may report it
  // and stop; the piece is never modified.
  [[nodiscard]] Status Process(ByteSpan piece, Bytes* out);

  const std::vector<TrackInfo>& tracks() const { return tracks_info_; }
  // The fragments of the last successful Process() call, in stream order.
  const std::vector<FragmentInfo>& last_fragments() const { return last_fragments_; }

  struct TrackState;

 private:
  struct Key;
  struct Plan;
  Status RewriteMoov(ByteSpan piece, uint64_t offset, std::vector<TrackState>* tracks,
                     Bytes* out);
  Status ProtectSampleEntry(Box* entry, const mp4::EncryptionParams& params, bool first,
                            const std::string& where, TrackState* t);
  Status PlanMoof(ByteSpan piece, uint64_t offset, std::vector<TrackState>* tracks, Plan* plan);

  EncryptOptions options_;
  std::vector<std::unique_ptr<Key>> keys_;
  std::map<std::string, std::vector<size_t>> key_lists_;  // kind -> indices into keys_
  bool have_init_ = false;
  std::vector<TrackState> tracks_;
  std::vector<TrackInfo> tracks_info_;
  std::vector<FragmentInfo> last_fragments_;
};

}  // namespace wee::packager
