// The dispatcher: validates a sample's layout once and has the scheme's planner turn it into
// cipher chains; one executor runs them with mbedTLS.
#include "cenc/scheme.h"

#include <cstring>
#include <string>

namespace wee::cenc {
namespace {

constexpr mp4::FourCC kCencType = mp4::MakeFourCC("cenc");
constexpr mp4::FourCC kCbcsType = mp4::MakeFourCC("cbcs");
constexpr mp4::FourCC kCensType = mp4::MakeFourCC("cens");
constexpr mp4::FourCC kCbc1Type = mp4::MakeFourCC("cbc1");

bool UsesPattern(Scheme scheme) { return scheme == Scheme::kCens || scheme == Scheme::kCbcs; }

// 'cens' (10.3) and 'cbc1' (10.2) require BytesOfProtectedData to be a multiple of 16 so that
// no subsample ends in a partial cipher block. Full-sample encryption has no such rule: a
// partial last block stays clear (whole-block full-sample encryption, 9.7).
const char* BlockAlignedRangeSection(Scheme scheme) {
  switch (scheme) {
    case Scheme::kCens: return "10.3";
    case Scheme::kCbc1: return "10.2";
    default: return nullptr;
  }
}

// Checks everything the planners rely on and expands the IV to 16 bytes.
Status Validate(Scheme scheme, const mp4::Sample& sample, size_t size, uint8_t iv[16]) {
  if (scheme != Scheme::kCenc && scheme != Scheme::kCbcs && scheme != Scheme::kCens &&
      scheme != Scheme::kCbc1)
    return InvalidArgument("scheme " + std::to_string(int(scheme)) + " is not a known scheme");

  // Section 9.1 (and 8.2 for 'tenc'): an IV is 8 or 16 bytes; an 8-byte IV is the high half of
  // the 16-byte block and the low half is zero, which is also how Chromium, Firefox and Bento4
  // extend an 8-byte IV for CBC.
  if (sample.iv.size() != 8 && sample.iv.size() != 16)
    return Malformed("IV is " + std::to_string(sample.iv.size()) + " bytes, expected 8 or 16");
  std::memset(iv, 0, kAesBlockSize);
  std::memcpy(iv, sample.iv.data(), sample.iv.size());

  // crypt_byte_block and skip_byte_block are 4-bit fields (9.1); a caller-made Pattern may hold
  // anything a uint8_t can.
  if (UsesPattern(scheme) && (sample.pattern.crypt > 15 || sample.pattern.skip > 15)) {
    return InvalidArgument("pattern " + std::to_string(sample.pattern.crypt) + ":" +
                           std::to_string(sample.pattern.skip) +
                           " is out of range: crypt_byte_block and skip_byte_block are at most 15");
  }

  if (sample.subsamples.empty()) return Status::Ok();

  // 9.5: the subsamples span the whole sample exactly.
  uint64_t covered = 0;
  for (const mp4::Subsample& subsample : sample.subsamples) {
    if (!CheckedAdd<uint64_t>(covered, subsample.clear_bytes, &covered) ||
        !CheckedAdd<uint64_t>(covered, subsample.protected_bytes, &covered))
      return Malformed("subsample sizes overflow");
  }
  if (covered != uint64_t(size)) {
    return Malformed("subsamples cover " + std::to_string(covered) + " bytes but the sample has " +
                     std::to_string(size));
  }

  if (const char* section = BlockAlignedRangeSection(scheme)) {
    for (size_t i = 0; i < sample.subsamples.size(); ++i) {
      uint32_t protected_bytes = sample.subsamples[i].protected_bytes;
      if (protected_bytes % kAesBlockSize != 0) {
        return Malformed("subsample[" + std::to_string(i) + "]: " +
                         std::to_string(protected_bytes) +
                         " protected bytes is not a multiple of 16, required by '" +
                         SchemeName(scheme) + "' (ISO/IEC 23001-7 section " + section + ")");
      }
    }
  }
  return Status::Ok();
}

Status CryptSample(Direction direction, Scheme scheme, const ContentKey& key,
                   const mp4::Sample& sample, uint8_t* data, size_t size) {
  if (!key.valid()) return InvalidArgument("content key is empty (moved from)");
  if (data == nullptr && size != 0) return InvalidArgument("sample data is null");
  CipherPlan plan;
  WEE_RETURN_IF_ERROR(PlanSample(scheme, sample, size, 0, &plan));
  // From here on nothing can fail: the sample is either fully processed or untouched.
  for (const CipherChain& chain : plan.chains) RunChain(direction, key, plan, chain, data);
  return Status::Ok();
}

}  // namespace

Result<Scheme> SchemeFromFourCC(mp4::FourCC scheme_type) {
  switch (scheme_type) {
    case kCencType: return Scheme::kCenc;
    case kCbcsType: return Scheme::kCbcs;
    case kCensType: return Scheme::kCens;
    case kCbc1Type: return Scheme::kCbc1;
    default: return Unsupported("scheme '" + mp4::FourCCString(scheme_type) + "' is not supported");
  }
}

const char* SchemeName(Scheme scheme) {
  switch (scheme) {
    case Scheme::kCenc: return "cenc";
    case Scheme::kCbcs: return "cbcs";
    case Scheme::kCens: return "cens";
    case Scheme::kCbc1: return "cbc1";
  }
  return "unknown";
}

Result<ContentKey> ContentKey::Create(ByteSpan key) {
  if (key.size != 16)
    return InvalidArgument("key is " + std::to_string(key.size) + " bytes, expected 16");
  auto encryptor = Aes::Create(key, Aes::Direction::kEncrypt);
  if (!encryptor.ok()) return encryptor.status();
  auto decryptor = Aes::Create(key, Aes::Direction::kDecrypt);
  if (!decryptor.ok()) return decryptor.status();
  ContentKey out;
  out.encryptor_ = std::move(encryptor).value();
  out.decryptor_ = std::move(decryptor).value();
  return Result<ContentKey>(std::move(out));
}

Status PlanSample(Scheme scheme, const mp4::Sample& sample, size_t size, uint64_t base,
                  CipherPlan* plan) {
  uint8_t iv[kAesBlockSize];
  WEE_RETURN_IF_ERROR(Validate(scheme, sample, size, iv));
  uint64_t end;
  if (!CheckedAdd<uint64_t>(base, size, &end) || end > UINT32_MAX)
    return LimitExceeded("a sample ends beyond 4 GiB of planned data");
  const size_t chains = plan->chains.size();
  switch (scheme) {
    case Scheme::kCenc: detail::PlanCenc(iv, sample.subsamples, size, uint32_t(base), plan); break;
    case Scheme::kCens: detail::PlanCens(iv, sample.pattern, sample.subsamples, size, uint32_t(base), plan); break;
    case Scheme::kCbcs: detail::PlanCbcs(iv, sample.pattern, sample.subsamples, size, uint32_t(base), plan); break;
    case Scheme::kCbc1: detail::PlanCbc1(iv, sample.subsamples, size, uint32_t(base), plan); break;
  }
  // A chain without runs has nothing to do; dropping it keeps the plan the pure work list.
  size_t kept = chains;
  for (size_t i = chains; i < plan->chains.size(); ++i)
    if (plan->chains[i].run_count) plan->chains[kept++] = plan->chains[i];
  plan->chains.resize(kept);
  return Status::Ok();
}

namespace {

// CBC decryption of a chain's runs, gathered: a 1:9 pattern makes one-block runs, and CBC
// decryption is parallel across blocks (P_i = D(C_i) xor C_{i-1}), so short runs are copied
// together, decrypted in one CbcDecrypt (the bitsliced backend does eight blocks per pass, as
// fast as one) and copied back. Long runs go straight through.
class GatheredCbcDecryptor {
 public:
  GatheredCbcDecryptor(const Aes& aes, const uint8_t iv[16]) : aes_(aes) {
    std::memcpy(chain_, iv, kAesBlockSize);
  }

  void Run(uint8_t* run, size_t run_length) {
    if (run_length >= kDirectBlocks * kAesBlockSize) {
      Flush();
      aes_.CbcDecrypt(chain_, run, run, run_length);
      return;
    }
    for (size_t offset = 0; offset < run_length; offset += kAesBlockSize) {
      if (count_ == kGatherBlocks) Flush();
      places_[count_] = run + offset;
      std::memcpy(buffer_ + count_ * kAesBlockSize, run + offset, kAesBlockSize);
      ++count_;
    }
  }

  void Flush() {
    if (count_ == 0) return;
    aes_.CbcDecrypt(chain_, buffer_, buffer_, count_ * kAesBlockSize);
    for (size_t i = 0; i < count_; ++i) std::memcpy(places_[i], buffer_ + i * kAesBlockSize, kAesBlockSize);
    count_ = 0;
  }

 private:
  static constexpr size_t kGatherBlocks = 32;
  static constexpr size_t kDirectBlocks = 8;

  const Aes& aes_;
  uint8_t chain_[kAesBlockSize];
  uint8_t buffer_[kGatherBlocks * kAesBlockSize];
  uint8_t* places_[kGatherBlocks];
  size_t count_ = 0;
};

}  // namespace

void RunChain(Direction direction, const ContentKey& key, const CipherPlan& plan,
              const CipherChain& chain, uint8_t* data) {
  const CipherRun* run = plan.runs.data() + chain.first_run;
  const CipherRun* end = run + chain.run_count;
  if (chain.mode == ChainMode::kCtr) {
    AesCtr ctr(key.encryptor(), chain.iv);
    for (; run != end; ++run) ctr.Process(data + run->offset, data + run->offset, run->size);
    return;
  }
  if (direction == Direction::kDecrypt) {
    GatheredCbcDecryptor decryptor(key.decryptor(), chain.iv);
    for (; run != end; ++run) decryptor.Run(data + run->offset, run->size);
    decryptor.Flush();
    return;
  }
  uint8_t iv[kAesBlockSize];
  std::memcpy(iv, chain.iv, kAesBlockSize);
  for (; run != end; ++run) key.encryptor().CbcEncrypt(iv, data + run->offset, data + run->offset, run->size);
}

Status DecryptSample(Scheme scheme, const ContentKey& key, const mp4::Sample& sample,
                     uint8_t* data, size_t size) {
  return CryptSample(Direction::kDecrypt, scheme, key, sample, data, size);
}

Status EncryptSample(Scheme scheme, const ContentKey& key, const mp4::Sample& sample,
                     uint8_t* data, size_t size) {
  return CryptSample(Direction::kEncrypt, scheme, key, sample, data, size);
}

}  // namespace wee::cenc
