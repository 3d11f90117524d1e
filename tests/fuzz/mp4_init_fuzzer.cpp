// Fuzzes ParseInit with arbitrary bytes. Oracles: no crash or sanitizer report, and on success
// every offset the result reports points at what it names inside the input.
#include <cstdint>
#include <cstdlib>

#include "base/byte_reader.h"
#include "mp4/parser.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool ValidParams(const mp4::EncryptionParams& p) {
  const uint8_t iv = p.per_sample_iv_size;
  if (iv != 0 && iv != 8 && iv != 16) return false;
  if (p.is_protected && iv == 0) return p.constant_iv.size() == 8 || p.constant_iv.size() == 16;
  return p.constant_iv.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  mp4::InitSegment init;
  Status s = mp4::ParseInit(input, &init);
  Check(s.ok() || !s.message().empty());
  if (!s.ok()) {
    Check(init.tracks.empty());  // nothing is committed on failure
    return 0;
  }
  Check(!init.tracks.empty());
  for (const mp4::Track& t : init.tracks) {
    Check(t.sample_entry_type_offset + 4 <= size);
    Check(LoadBE32(data + t.sample_entry_type_offset) == t.sample_entry_type);
    Check(!t.entry_is_protected.empty());
    Check(t.seig_default_group_index <= t.seig_entries.size());
    Check(ValidParams(t.tenc));
    for (const mp4::EncryptionParams& p : t.seig_entries) Check(ValidParams(p));
  }
  for (const mp4::BoxRange& r : init.to_neutralise) {
    Check(r.offset + r.size <= size && r.size >= 8);
    Check(LoadBE32(data + r.offset + 4) == r.type);
  }
  for (const mp4::Pssh& p : init.pssh) {
    Check(p.box.size() == p.range.size);
    Check(ByteSpan(p.box) == input.sub(size_t(p.range.offset), size_t(p.range.size)));
  }
  return 0;
}
