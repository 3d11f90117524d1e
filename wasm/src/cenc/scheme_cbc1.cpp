// 'cbc1': AES-128-CBC full-sample and subsample encryption (ISO/IEC 23001-7 section 10.2).
#include "cenc/scheme.h"


namespace wee::cenc::detail {

// One CBC chain runs through the whole sample: the last cipher block of a protected range is
// the IV of the next range's first block (as in Bento4, which resets the IV per subsample only
// for 'cbcs'). The validator has made every subsample's protected range a multiple of 16 bytes
// (10.2); without subsamples the sample is one range whose partial last block stays clear
// (whole-block full-sample encryption, 9.7). No pattern: every whole block is encrypted.
//
//   sample  | clear | B1 B2 | clear | B3 B4 B5 | clear |        full sample:  | B1 B2 B3 p |
//   chain           IV->B1->B2 ------> B3->B4->B5                             IV->B1->B2->B3
void PlanCbc1(const uint8_t iv[16], const std::vector<mp4::Subsample>& subsamples, size_t size,
              uint32_t base, CipherPlan* plan) {
  BeginChain(ChainMode::kCbc, iv, plan);
  ForEachProtectedRange(subsamples, size, [&](size_t range, size_t length) {
    AddRun(uint32_t(base + range), length - length % kAesBlockSize, plan);
  });
}

}  // namespace wee::cenc::detail
