// 'cenc': AES-128-CTR full-sample and subsample encryption (ISO/IEC 23001-7 section 10.1).
#include "cenc/scheme.h"

namespace wee::cenc::detail {

// The counter block is the 16-byte IV (an 8-byte IV with 8 zero bytes appended), incremented
// as a 128-bit big-endian integer. The protected ranges of all subsamples of a sample are one
// continuous keystream, byte-exact: a range that stops mid-block leaves the rest of that
// keystream block for the first bytes of the next range (Chromium's cenc_decryptor concatenates
// the ranges, decrypts them in one go and scatters them back).
//
//   sample     | clear | protected: 20 bytes | clear | protected: 30 bytes        | clear |
//   keystream          |K0 ..... K0|K1 .. K1|        |K1 ...... K1|K2 ... K2|K3 .K3|
//                       16 bytes    4 bytes           12 bytes     16 bytes  2 bytes
//
// CTR is its own inverse, so the plan serves both directions. Partial blocks are processed too:
// CTR needs no whole blocks (unlike the pattern schemes).
void PlanCenc(const uint8_t iv[16], const std::vector<mp4::Subsample>& subsamples, size_t size,
              uint32_t base, CipherPlan* plan) {
  BeginChain(ChainMode::kCtr, iv, plan);
  ForEachProtectedRange(subsamples, size,
                        [&](size_t range, size_t length) { AddRun(uint32_t(base + range), length, plan); });
}

}  // namespace wee::cenc::detail
