// Fuzzes DecryptSample/EncryptSample with scheme, key, IV, pattern and subsample layout taken from
// the input. Oracles: a rejected sample is left untouched and rejected the same way in both
// directions; an accepted one comes back byte for byte after decrypt then encrypt.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>

#include "cenc/scheme.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Mostly 4-bit pattern values, sometimes anything a uint8_t holds (an API-made Pattern).
uint8_t PatternField(FuzzedDataProvider& in) {
  uint8_t b = in.ConsumeIntegral<uint8_t>();
  return (b & 0x80) ? uint8_t(b << 1) : uint8_t(b & 15);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto scheme = cenc::Scheme(in.ConsumeIntegralInRange<int>(0, 3));
  const bool fit = in.ConsumeBool();  // make the layout match the sample size (reach the ciphers)

  mp4::Sample sample;
  uint8_t iv_choice = in.ConsumeIntegral<uint8_t>();
  sample.iv = in.ConsumeBytes<uint8_t>(iv_choice < 240 ? (iv_choice & 1 ? 16 : 8) : iv_choice & 15);
  sample.pattern.crypt = PatternField(in);
  sample.pattern.skip = PatternField(in);
  Bytes key_bytes = in.ConsumeBytes<uint8_t>(16);
  key_bytes.resize(16);
  auto key = cenc::ContentKey::Create(key_bytes);
  Check(key.ok());

  const bool aligned = scheme == cenc::Scheme::kCens || scheme == cenc::Scheme::kCbc1;
  size_t count = in.ConsumeIntegralInRange<size_t>(0, 8);
  for (size_t i = 0; i < count; ++i) {
    mp4::Subsample subsample;
    subsample.clear_bytes = in.ConsumeBool() ? in.ConsumeIntegral<uint32_t>()
                                             : in.ConsumeIntegralInRange<uint32_t>(0, 300);
    subsample.protected_bytes = in.ConsumeBool() ? in.ConsumeIntegral<uint32_t>()
                                                 : in.ConsumeIntegralInRange<uint32_t>(0, 600);
    sample.subsamples.push_back(subsample);
  }
  const Bytes original = in.ConsumeRemainingBytes<uint8_t>();

  if (fit && !sample.subsamples.empty()) {
    // Clamp each subsample into what is left of the sample, then give the rest to the last one.
    size_t left = original.size();
    for (mp4::Subsample& subsample : sample.subsamples) {
      subsample.clear_bytes = uint32_t(std::min<size_t>(subsample.clear_bytes, left));
      left -= subsample.clear_bytes;
      size_t protected_bytes = std::min<size_t>(subsample.protected_bytes, left);
      if (aligned) protected_bytes -= protected_bytes % 16;
      subsample.protected_bytes = uint32_t(protected_bytes);
      left -= protected_bytes;
    }
    sample.subsamples.back().clear_bytes += uint32_t(left);
  }

  Bytes work = original;
  Status decrypted = cenc::DecryptSample(scheme, *key, sample, work.data(), work.size());
  if (!decrypted.ok()) {
    Check(work == original);
    Status encrypted = cenc::EncryptSample(scheme, *key, sample, work.data(), work.size());
    Check(encrypted.code() == decrypted.code() && encrypted.message() == decrypted.message());
    Check(work == original);
    return 0;
  }
  Check(cenc::EncryptSample(scheme, *key, sample, work.data(), work.size()).ok());
  Check(work == original);
  return 0;
}
