// Turns an encrypted fragmented-MP4 byte stream (what a page appends to one SourceBuffer, or
// a file) into a clear one, incrementally: bytes go in as they arrive, complete top-level
// boxes come out. Init segments are rewritten to clear ones; fragments are decrypted in place.
//
//   in:  ftyp moov(encv..sinf..pssh) | styp sidx moof(senc saiz saio ..) mdat | moof mdat ...
//   out: ftyp moov(avc1..free..free) | styp sidx moof(free free free ..) mdat | moof mdat ...
//
// Sizes and offsets never change: neutralised boxes keep their size and become 'free'.
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
    Bytes clear;
    std::vector<InitInfo> inits;        // init segments seen by this call
    // The pssh boxes of each moof that carries some (key rotation), concatenated, in stream
    // order; a moof is reported once even when it waits for a key and is parsed again.
    std::vector<Bytes> moof_pssh;
    std::optional<mp4::Kid> missing_key;  // stopped before a fragment that needs this key
  };

  // Bounds the bytes held while waiting for the rest of a box (MSE appends can stop anywhere).
  static constexpr size_t kMaxBufferedBytes = size_t(256) << 20;

  [[nodiscard]] Status SetKey(ByteSpan kid, ByteSpan key);
  void RemoveKey(ByteSpan kid);

  // Appends bytes and processes every complete unit. On error the stream is unusable until
  // Reset(); nothing of the failing unit is emitted.
  [[nodiscard]] Status Push(ByteSpan bytes, Output* out);
  // End of stream: boxes of size 0 ("to the end") are now complete; leftover bytes are an error.
  [[nodiscard]] Status Flush(Output* out);
  // SourceBuffer.abort(): forget buffered partial data, keep the init segment and keys.
  void Reset();

  const mp4::InitSegment* init() const { return init_ ? &*init_ : nullptr; }

 private:
  Status Process(bool at_end, Output* out);
  // The moov starts at buffer_[0].
  Status ProcessInit(size_t moov_size, Output* out);
  // The moof starts at buffer_[0]. kNeedMoreData until its samples have arrived; sets *missing
  // (and consumes nothing) when a key is missing.
  Status ProcessFragment(bool at_end, size_t* consumed, Output* out);
  void Emit(size_t end, Output* out);

  std::map<mp4::Kid, ContentKey> keys_;
  std::optional<mp4::InitSegment> init_;
  Bytes buffer_;         // bytes not emitted yet; always starts at a top-level box
  uint64_t emitted_ = 0;  // stream position of buffer_[0], for error messages
  std::optional<uint64_t> pssh_reported_at_;  // stream position of the last moof reported
  bool failed_ = false;
};

// Rewrites a parsed init segment to clear, in place in `data` (the bytes it was parsed from).
void RewriteInitToClear(const mp4::InitSegment& init, uint8_t* data, size_t size);

}  // namespace wee::cenc
