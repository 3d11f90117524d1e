#include "crypto/aes.h"

#include <algorithm>
#include <cstring>

#include "crypto/aes_bitsliced.h"
#include "mbedtls/aes.h"

namespace wee {

struct Aes::Context {
  mbedtls_aes_context aes;  // both backends: CbcEncrypt always runs here
#if WEE_AES_BITSLICED
  bitsliced::KeySchedule bitsliced;  // kBitsliced only
#endif
  Context() { mbedtls_aes_init(&aes); }
  ~Context() {
    mbedtls_aes_free(&aes);  // zeroises the key schedule
#if WEE_AES_BITSLICED
    bitsliced::Wipe(&bitsliced);
#endif
  }
};

namespace {

Aes::Backend Resolve(Aes::Backend backend) {
  if (backend != Aes::Backend::kDefault) return backend;
#if WEE_AES_BITSLICED && defined(__wasm_simd128__)
  return Aes::Backend::kBitsliced;
#else
  return Aes::Backend::kMbedtls;
#endif
}

// 128-bit big-endian increment.
void Increment(uint8_t counter[16]) {
  for (int b = 15; b >= 0 && ++counter[b] == 0; --b) {
  }
}

}  // namespace

Aes::Aes(std::unique_ptr<Context> ctx, Direction direction, Backend backend)
    : ctx_(std::move(ctx)), direction_(direction), backend_(backend) {}
Aes::~Aes() = default;

bool Aes::BackendAvailable(Backend backend) {
  return backend != Backend::kBitsliced || WEE_AES_BITSLICED;
}

Result<std::unique_ptr<Aes>> Aes::Create(ByteSpan key, Direction direction, Backend backend) {
  if (key.size != 16 && key.size != 24 && key.size != 32)
    return InvalidArgument("AES key is " + std::to_string(key.size) + " bytes, expected 16, 24 or 32");
  backend = Resolve(backend);
  if (!BackendAvailable(backend))
    return Unsupported("the bitsliced AES backend is not in this build (WebAssembly without SIMD)");
  auto ctx = std::make_unique<Context>();
  unsigned bits = unsigned(key.size * 8);
  int rc = direction == Direction::kEncrypt ? mbedtls_aes_setkey_enc(&ctx->aes, key.data, bits)
                                            : mbedtls_aes_setkey_dec(&ctx->aes, key.data, bits);
  if (rc != 0) return Status(Code::kCryptoError, "mbedtls_aes_setkey failed: " + std::to_string(rc));
#if WEE_AES_BITSLICED
  if (backend == Backend::kBitsliced && !bitsliced::ExpandKey(key.data, key.size, &ctx->bitsliced))
    return Status(Code::kCryptoError, "bitsliced AES key expansion failed");
#endif
  return std::unique_ptr<Aes>(new Aes(std::move(ctx), direction, backend));
}

void Aes::EncryptBlock(const uint8_t in[16], uint8_t out[16]) const {
#if WEE_AES_BITSLICED
  if (backend_ == Backend::kBitsliced) return bitsliced::EncryptBlocks(ctx_->bitsliced, in, out, 1);
#endif
  // Cannot fail for a valid context; the return code only reports bad parameters.
  (void)mbedtls_aes_crypt_ecb(&ctx_->aes, MBEDTLS_AES_ENCRYPT, in, out);
}

void Aes::DecryptBlock(const uint8_t in[16], uint8_t out[16]) const {
#if WEE_AES_BITSLICED
  if (backend_ == Backend::kBitsliced) return bitsliced::DecryptBlocks(ctx_->bitsliced, in, out, 1);
#endif
  (void)mbedtls_aes_crypt_ecb(&ctx_->aes, MBEDTLS_AES_DECRYPT, in, out);
}

void Aes::CbcEncrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const {
  // Each block needs the previous cipher block: nothing to batch, mbedTLS for both backends.
  if (size) (void)mbedtls_aes_crypt_cbc(&ctx_->aes, MBEDTLS_AES_ENCRYPT, size, iv, in, out);
}

void Aes::CbcDecrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const {
#if WEE_AES_BITSLICED
  if (backend_ == Backend::kBitsliced) {
    return bitsliced::CbcDecrypt(ctx_->bitsliced, iv, in, out, size / kAesBlockSize);
  }
#endif
  if (size) (void)mbedtls_aes_crypt_cbc(&ctx_->aes, MBEDTLS_AES_DECRYPT, size, iv, in, out);
}

size_t Aes::CtrBatchBlocks() const {
#if WEE_AES_BITSLICED
  if (backend_ == Backend::kBitsliced) return bitsliced::kBatchBlocks;
#endif
  return 1;
}

void Aes::CtrXor(uint8_t counter[16], const uint8_t* in, uint8_t* out, size_t blocks) const {
#if WEE_AES_BITSLICED
  if (backend_ == Backend::kBitsliced) return bitsliced::CtrXor(ctx_->bitsliced, counter, in, out, blocks);
#endif
  uint8_t keystream[kAesBlockSize];
  for (size_t i = 0; i < blocks; ++i, out += kAesBlockSize) {
    (void)mbedtls_aes_crypt_ecb(&ctx_->aes, MBEDTLS_AES_ENCRYPT, counter, keystream);
    Increment(counter);
    if (in) {
      for (size_t k = 0; k < kAesBlockSize; ++k) out[k] = in[k] ^ keystream[k];
      in += kAesBlockSize;
    } else {
      std::memcpy(out, keystream, kAesBlockSize);
    }
  }
  SecureZero(keystream, sizeof(keystream));
}

AesCtr::AesCtr(const Aes& aes, const uint8_t iv[16]) : aes_(aes) {
  std::memcpy(counter_, iv, 16);
}

AesCtr::~AesCtr() {
  SecureZero(keystream_, sizeof(keystream_));
}

void AesCtr::Process(const uint8_t* in, uint8_t* out, size_t size) {
  const size_t batch = std::min(aes_.CtrBatchBlocks(), kMaxBufferBlocks) * kAesBlockSize;
  size_t i = 0;
  while (i < size) {
    if (used_ < buffered_) {  // the rest of the keystream of an earlier call
      const size_t n = std::min(size - i, buffered_ - used_);
      for (size_t k = 0; k < n; ++k) out[i + k] = in[i + k] ^ keystream_[used_ + k];
      used_ += n;
      i += n;
      continue;
    }
    // Whole batches straight through: the common case, no copy.
    const size_t whole = (size - i) / batch * batch;
    if (whole) {
      aes_.CtrXor(counter_, in + i, out + i, whole / kAesBlockSize);
      i += whole;
      continue;
    }
    // A tail shorter than a batch: one batch of keystream into the buffer.
    aes_.CtrXor(counter_, nullptr, keystream_, batch / kAesBlockSize);
    buffered_ = batch;
    used_ = 0;
  }
}

}  // namespace wee
