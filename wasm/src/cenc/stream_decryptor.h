// Turns an encrypted fragmented-MP4 byte stream (what a page appends to one SourceBuffer, or
// a file) into a clear one, incrementally: bytes go in as they arrive, complete top-level
// boxes come out. Init segments are rewritten to clear ones; fragments are decrypted in place.
//
//   in:  ftyp moov(encv..sinf..pssh) | styp sidx moof(senc saiz saio ..) mdat | moof mdat ...
//   out: ftyp moov(avc1..free..free) | styp sidx moof(free free free ..) mdat | moof mdat ...
//
// Sizes and offsets never change: neutralised boxes keep their size and become 'free'.
//
// Cost is linear in the input: bytes are decrypted where they lie (the caller's buffer when
// nothing is held back, else one internal buffer consumed from the front by an offset), and
// output is a view, not a copy. With deferred crypto the AES work is returned as a plan for a
// backend outside the module (WebCrypto, Node's crypto), or run here chain by chain later.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cenc/scheme.h"
#include "mp4/model.h"

namespace wee::cenc {

class StreamDecryptor {
 public:
  struct InitInfo {
    Bytes pssh;  // every pssh box of the init segment, concatenated ('cenc' init data)
    std::vector<mp4::Kid> default_kids;  // of the protected tracks, from 'tenc'
  };
  struct Output {
    // The clear bytes of this call: a view into the caller's buffer (PushInPlace) or this
    // object's, valid until the next call that changes the stream. With deferred crypto, the
    // chains of plan() (offsets into `clear`) still have to run over it before it is clear.
    ByteSpan clear;
    std::vector<InitInfo> inits;        // init segments seen by this call
    // The pssh boxes of each moof that carries some (key rotation), concatenated, in stream
    // order; a moof is reported once even when it waits for a key and is parsed again.
    std::vector<Bytes> moof_pssh;
    std::optional<mp4::Kid> missing_key;  // stopped before a fragment that needs this key
  };

  // Bounds the bytes held while waiting for the rest of a box (MSE appends can stop anywhere).
  static constexpr size_t kMaxBufferedBytes = size_t(256) << 20;

  struct Options {
    bool defer_crypto = false;  // plan the AES work instead of running it (Output::plan)
    // For WebCrypto's AES-CBC, which insists on PKCS#7 padding: one extra ciphertext block per
    // CBC chain (CbcPadBlocks) that decrypts to a whole block of padding after the chain.
    bool cbc_pad_blocks = false;
    // The stream is a file (CLI, Node): a tfhd base_data_offset is a position counted from the
    // stream's first byte. Otherwise it is an MSE byte stream, where base-data-offset-present
    // is an error (the ISO BMFF byte stream format forbids it; Chromium refuses such segments).
    bool file_positions = false;
  };

  StreamDecryptor() = default;
  explicit StreamDecryptor(Options options) : options_(options) {}

  [[nodiscard]] Status SetKey(ByteSpan kid, ByteSpan key);
  void RemoveKey(ByteSpan kid);

  // Appends bytes and processes every complete unit. On error the stream is unusable until
  // Reset(); nothing of the failing unit is emitted.
  [[nodiscard]] Status Push(ByteSpan bytes, Output* out);
  // The same, but works in `data` itself when nothing is held back from earlier calls (the
  // usual case: whole segments appended), so Output::clear may point into `data`; only an
  // unfinished tail is copied.
  [[nodiscard]] Status PushInPlace(uint8_t* data, size_t size, Output* out);
  // End of stream: boxes of size 0 ("to the end") are now complete; leftover bytes are an error.
  [[nodiscard]] Status Flush(Output* out);
  // SourceBuffer.abort(): forget buffered partial data, keep the init segment and keys.
  void Reset();

  // Deferred crypto, for the last output only (until the next Push/Flush/Reset): the AES work
  // still to do on Output::clear, the KID of each CipherChain::key_index, the padding blocks
  // of Options::cbc_pad_blocks (16 bytes per chain, in chain order; zeros for CTR chains), and
  // running chains [first, first + count) here instead of outside.
  const CipherPlan& plan() const { return plan_; }
  const std::vector<mp4::Kid>& plan_kids() const { return plan_kids_; }
  const Bytes& cbc_pad_blocks() const { return pad_blocks_; }
  [[nodiscard]] Status RunChains(size_t first, size_t count);

  // Bytes copied into or moved within the internal buffer, and bytes of moov and moof boxes
  // parsed, so far: both stay proportional to the input however it is split (tests check
  // that the decryptor stays linear without timing it).
  uint64_t bytes_buffered() const { return bytes_buffered_; }
  uint64_t bytes_parsed() const { return bytes_parsed_; }

  const mp4::InitSegment* init() const { return init_ ? &*init_ : nullptr; }

 private:
  // Processes the complete units at the front of data[0, size); *consumed = bytes emitted.
  Status Process(uint8_t* data, size_t size, bool at_end, size_t* consumed, Output* out);
  // The moov starts at data[0].
  Status ProcessInit(uint8_t* data, size_t moov_size, Output* out);
  // The moof starts at data[0], which is `out_offset` bytes into this call's output.
  // kNeedMoreData until its samples have arrived; sets out->missing_key (and consumes nothing)
  // when a key is missing.
  Status ProcessFragment(uint8_t* data, size_t size, size_t out_offset, bool at_end,
                         size_t* consumed, Output* out);
  Status Begin(Output* out);
  void Finish(uint8_t* data, size_t consumed, Output* out);

  Options options_;
  std::map<mp4::Kid, ContentKey> keys_;
  std::optional<mp4::InitSegment> init_;
  // Bytes not emitted yet are buffer_[begin_, end): they always start at a top-level box.
  Bytes buffer_;
  size_t begin_ = 0;
  // Nothing can progress until this many bytes are held (a moof waiting for its mdat), so
  // small appends into a large fragment do not parse its moof again each time.
  size_t wanted_ = 0;
  uint64_t emitted_ = 0;  // stream position of the first byte not emitted, for error messages
  std::optional<uint64_t> pssh_reported_at_;  // stream position of the last moof reported
  bool failed_ = false;
  uint64_t bytes_buffered_ = 0;
  uint64_t bytes_parsed_ = 0;
  // The last output's deferred work (plan_data_: its first byte).
  CipherPlan plan_;
  std::vector<mp4::Kid> plan_kids_;
  Bytes pad_blocks_;
  uint8_t* plan_data_ = nullptr;
};

// Rewrites a parsed init segment to clear, in place in `data` (the bytes it was parsed from).
void RewriteInitToClear(const mp4::InitSegment& init, uint8_t* data, size_t size);

}  // namespace wee::cenc
