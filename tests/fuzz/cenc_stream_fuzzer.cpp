// Fuzzes the stream decryptor (what every page append goes through): the input is the stream,
// its first byte picks a piece size. It is fed three ways: one copying Push, PushInPlace in
// pieces, and PushInPlace in pieces with the AES deferred to RunChains. Oracles: no crash or
// sanitizer report; all three stop the same way and emit the same bytes; the buffer and parse
// counters stay linear in the input.
#include <cstdint>
#include <cstdlib>

#include "cenc/stream_decryptor.h"
#include "mp4/parser.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Run {
  Bytes clear;
  Code code = Code::kOk;
  bool missing = false;
};

Run Feed(const uint8_t* data, size_t size, size_t piece, int mode, const mp4::InitSegment* init) {
  cenc::StreamDecryptor::Options options;
  options.defer_crypto = mode == 2;
  options.cbc_pad_blocks = mode == 2;
  cenc::StreamDecryptor stream(options);
  if (init)  // any key will do: what is exercised is the layout, not the plaintext
    for (const mp4::Track& t : init->tracks) (void)stream.SetKey(ByteSpan(t.tenc.kid.data(), 16), Bytes(16, 0x42));
  Bytes input(data, data + size);
  Run run;
  auto take = [&](Status status, const cenc::StreamDecryptor::Output& out) {
    if (status.ok() && mode == 2) Check(stream.RunChains(0, stream.plan().chains.size()).ok());
    run.clear.insert(run.clear.end(), out.clear.begin(), out.clear.end());
    run.missing = run.missing || out.missing_key.has_value();
    if (!status.ok()) run.code = status.code();
    return status.ok() && !out.missing_key;
  };
  for (size_t at = 0; at < size; at += piece) {
    cenc::StreamDecryptor::Output out;
    const size_t n = std::min(piece, size - at);
    Status status = mode == 0 ? stream.Push(ByteSpan(input.data() + at, n), &out)
                              : stream.PushInPlace(input.data() + at, n, &out);
    if (!take(status, out)) return run;
  }
  cenc::StreamDecryptor::Output out;
  take(stream.Flush(&out), out);
  Check(stream.bytes_buffered() <= 2 * uint64_t(size) + 16);
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t piece = data[0] < 128 ? size_t(data[0]) * 64 + 1 : size;
  ++data;
  --size;
  mp4::InitSegment init;
  const bool has_init = mp4::ParseInit(ByteSpan(data, size), &init).ok();
  Run whole = Feed(data, size, size ? size : 1, 0, has_init ? &init : nullptr);
  Run pieces = Feed(data, size, piece, 1, has_init ? &init : nullptr);
  Run deferred = Feed(data, size, piece, 2, has_init ? &init : nullptr);
  // Pieces may stop earlier (an error surfaces at the piece that completes the bad box), but
  // what they emit is a prefix of the same bytes, and deferred AES changes nothing.
  Check(deferred.clear == pieces.clear && deferred.code == pieces.code && deferred.missing == pieces.missing);
  const size_t n = std::min(whole.clear.size(), pieces.clear.size());
  Check(std::equal(whole.clear.begin(), whole.clear.begin() + n, pieces.clear.begin()));
  if (whole.code == Code::kOk && pieces.code == Code::kOk && !whole.missing && !pieces.missing)
    Check(whole.clear == pieces.clear && whole.clear.size() == size);
  return 0;
}
