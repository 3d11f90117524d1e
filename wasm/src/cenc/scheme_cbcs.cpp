// 'cbcs': AES-128-CBC subsample pattern encryption (ISO/IEC 23001-7 section 10.4).
#include "cenc/scheme.h"


namespace wee::cenc::detail {

// Every protected range starts a new CBC chain at the sample's IV (usually the constant IV of
// 'tenc'). Within a range the pattern (9.6) picks the encrypted blocks; the chain links only
// those, passing over the skipped ones. A partial block at the end of a range stays clear
// (10.4.2), so a range of any length is valid. 0:0 (audio, or no pattern) encrypts every whole
// block, the same as Chromium's cbcs_decryptor.
//
//   pattern 1:9   | clear | E1 s s s s s s s s s E2 s s s s s s s s s E3 s s p | clear | E1' s ..
//   chain                 IV->E1 -------------> E2 -------------------> E3        IV->E1' ..
//                                                               p: partial block, clear
void PlanCbcs(const uint8_t iv[16], mp4::Pattern pattern,
              const std::vector<mp4::Subsample>& subsamples, size_t size, uint32_t base,
              CipherPlan* plan) {
  ForEachProtectedRange(subsamples, size, [&](size_t range, size_t length) {
    if (length < kAesBlockSize) return;  // no whole block: nothing to chain
    BeginChain(ChainMode::kCbc, iv, plan);  // the chain restarts in every range
    ForEachEncryptedRun(pattern, length, [&](size_t run, size_t run_length) {
      AddRun(uint32_t(base + range + run), run_length, plan);
    });
  });
}

}  // namespace wee::cenc::detail
