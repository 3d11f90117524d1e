// 'cens': AES-128-CTR subsample pattern encryption (ISO/IEC 23001-7 section 10.3).
#include "cenc/scheme.h"

namespace wee::cenc::detail {

// Like 'cenc', one keystream runs through the whole sample, but it only covers the encrypted
// blocks of the pattern (9.6): skipped blocks consume no counter values. The validator has made
// every subsample's protected range a multiple of 16 bytes (10.3), so the keystream stays block
// aligned; without subsamples the sample is one range whose partial last block stays clear
// (whole-block full-sample encryption, 9.7).
//
//   pattern 1:2   | clear | E s s E s s E | clear | E s s E | clear |
//   keystream             |K0     K1    K2|       |K3     K4|
//
void PlanCens(const uint8_t iv[16], mp4::Pattern pattern,
              const std::vector<mp4::Subsample>& subsamples, size_t size, uint32_t base,
              CipherPlan* plan) {
  BeginChain(ChainMode::kCtr, iv, plan);
  ForEachProtectedRange(subsamples, size, [&](size_t range, size_t length) {
    ForEachEncryptedRun(pattern, length, [&](size_t run, size_t run_length) {
      AddRun(uint32_t(base + range + run), run_length, plan);
    });
  });
}

}  // namespace wee::cenc::detail
