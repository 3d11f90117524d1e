// AES over mbedTLS. The key schedule lives in the object and is wiped on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/status.h"

namespace wee {

constexpr size_t kAesBlockSize = 16;

class Aes {
 public:
  enum class Direction { kEncrypt, kDecrypt };
  // key: 16, 24 or 32 bytes.
  static Result<std::unique_ptr<Aes>> Create(ByteSpan key, Direction direction);
  ~Aes();
  Aes(const Aes&) = delete;
  Aes& operator=(const Aes&) = delete;

  Direction direction() const { return direction_; }
  // One block, in place allowed.
  void EncryptBlock(const uint8_t in[16], uint8_t out[16]) const;
  void DecryptBlock(const uint8_t in[16], uint8_t out[16]) const;
  // CBC without padding over whole blocks; `iv` is updated to the last ciphertext block.
  // size must be a multiple of 16. In place allowed.
  void CbcEncrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const;
  void CbcDecrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const;

 private:
  struct Context;
  Aes(std::unique_ptr<Context> ctx, Direction direction);
  std::unique_ptr<Context> ctx_;
  Direction direction_;
};

// AES-CTR keystream with a 128-bit big-endian counter that may stop mid-block and resume:
// CENC makes the protected ranges of all subsamples of one sample one continuous stream.
class AesCtr {
 public:
  // `aes` must be an encrypt-direction key and outlive this object.
  AesCtr(const Aes& aes, const uint8_t iv[16]);
  ~AesCtr();
  void Process(const uint8_t* in, uint8_t* out, size_t size);

 private:
  const Aes& aes_;
  uint8_t counter_[16];
  uint8_t keystream_[16];
  size_t used_ = 16;  // bytes of keystream_ already consumed
};

}  // namespace wee
