#include "crypto/aes.h"

#include <cstring>

#include "mbedtls/aes.h"

namespace wee {

struct Aes::Context {
  mbedtls_aes_context aes;
  Context() { mbedtls_aes_init(&aes); }
  ~Context() { mbedtls_aes_free(&aes); }  // zeroises the key schedule
};

Aes::Aes(std::unique_ptr<Context> ctx, Direction direction)
    : ctx_(std::move(ctx)), direction_(direction) {}
Aes::~Aes() = default;

Result<std::unique_ptr<Aes>> Aes::Create(ByteSpan key, Direction direction) {
  if (key.size != 16 && key.size != 24 && key.size != 32)
    return InvalidArgument("AES key is " + std::to_string(key.size) + " bytes, expected 16, 24 or 32");
  auto ctx = std::make_unique<Context>();
  unsigned bits = unsigned(key.size * 8);
  int rc = direction == Direction::kEncrypt ? mbedtls_aes_setkey_enc(&ctx->aes, key.data, bits)
                                            : mbedtls_aes_setkey_dec(&ctx->aes, key.data, bits);
  if (rc != 0) return Status(Code::kCryptoError, "mbedtls_aes_setkey failed: " + std::to_string(rc));
  return std::unique_ptr<Aes>(new Aes(std::move(ctx), direction));
}

void Aes::EncryptBlock(const uint8_t in[16], uint8_t out[16]) const {
  // Cannot fail for a valid context; the return code only reports bad parameters.
  (void)mbedtls_aes_crypt_ecb(&ctx_->aes, MBEDTLS_AES_ENCRYPT, in, out);
}

void Aes::DecryptBlock(const uint8_t in[16], uint8_t out[16]) const {
  (void)mbedtls_aes_crypt_ecb(&ctx_->aes, MBEDTLS_AES_DECRYPT, in, out);
}

void Aes::CbcEncrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const {
  if (size) (void)mbedtls_aes_crypt_cbc(&ctx_->aes, MBEDTLS_AES_ENCRYPT, size, iv, in, out);
}

void Aes::CbcDecrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const {
  if (size) (void)mbedtls_aes_crypt_cbc(&ctx_->aes, MBEDTLS_AES_DECRYPT, size, iv, in, out);
}

AesCtr::AesCtr(const Aes& aes, const uint8_t iv[16]) : aes_(aes) {
  std::memcpy(counter_, iv, 16);
}

AesCtr::~AesCtr() {
  SecureZero(keystream_, sizeof(keystream_));
}

void AesCtr::Process(const uint8_t* in, uint8_t* out, size_t size) {
  size_t i = 0;
  while (i < size) {
    if (used_ == 16) {
      aes_.EncryptBlock(counter_, keystream_);
      for (int b = 15; b >= 0 && ++counter_[b] == 0; --b) {
      }
      used_ = 0;
      // Whole blocks straight through: the common case, kept tight.
      while (size - i >= 16) {
        for (int k = 0; k < 16; ++k) out[i + k] = in[i + k] ^ keystream_[k];
        i += 16;
        aes_.EncryptBlock(counter_, keystream_);
        for (int b = 15; b >= 0 && ++counter_[b] == 0; --b) {
        }
      }
    }
    size_t n = std::min(size - i, size_t(16) - used_);
    for (size_t k = 0; k < n; ++k) out[i + k] = in[i + k] ^ keystream_[used_ + k];
    used_ += n;
    i += n;
  }
}

}  // namespace wee
