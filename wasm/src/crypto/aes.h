// AES with two backends behind one interface: mbedTLS (its portable tables, or AES-NI natively)
// and a constant-time bitsliced implementation on 128-bit vectors (crypto/aes_bitsliced.h), the
// default in WebAssembly SIMD128 builds. The key schedules live in the object and are wiped on
// destruction.
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
  // kDefault: kBitsliced where it is fast (WebAssembly built with -msimd128), else kMbedtls
  // (native builds have AES-NI through it; WebAssembly without SIMD has only scalar code).
  // kBitsliced runs EncryptBlock, DecryptBlock, CbcDecrypt and AesCtr eight blocks at a time;
  // CbcEncrypt is serial and stays on mbedTLS in both.
  enum class Backend { kDefault, kMbedtls, kBitsliced };
  // key: 16, 24 or 32 bytes. kUnsupported for kBitsliced in a build without it.
  static Result<std::unique_ptr<Aes>> Create(ByteSpan key, Direction direction,
                                             Backend backend = Backend::kDefault);
  static bool BackendAvailable(Backend backend);
  ~Aes();
  Aes(const Aes&) = delete;
  Aes& operator=(const Aes&) = delete;

  Direction direction() const { return direction_; }
  Backend backend() const { return backend_; }  // never kDefault
  // One block, in place allowed.
  void EncryptBlock(const uint8_t in[16], uint8_t out[16]) const;
  void DecryptBlock(const uint8_t in[16], uint8_t out[16]) const;
  // CBC without padding over whole blocks; `iv` is updated to the last ciphertext block.
  // size must be a multiple of 16. In place allowed.
  void CbcEncrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const;
  void CbcDecrypt(uint8_t iv[16], const uint8_t* in, uint8_t* out, size_t size) const;

 private:
  friend class AesCtr;
  struct Context;
  Aes(std::unique_ptr<Context> ctx, Direction direction, Backend backend);
  // Blocks AesCtr generates at a time: one pass of the backend's cipher.
  size_t CtrBatchBlocks() const;
  // out = in xor E(counter), E(counter + 1), ... over whole blocks (in == nullptr: the keystream
  // itself); the 128-bit big-endian counter advances by `blocks`.
  void CtrXor(uint8_t counter[16], const uint8_t* in, uint8_t* out, size_t blocks) const;

  std::unique_ptr<Context> ctx_;
  Direction direction_;
  Backend backend_;
};

// AES-CTR keystream with a 128-bit big-endian counter that may stop mid-block and resume:
// CENC makes the protected ranges of all subsamples of one sample one continuous stream.
// Whole batches of blocks go straight through; a shorter tail takes one batch of keystream
// (up to 8 blocks with the bitsliced backend) into a buffer that the next calls use first, so
// many small calls (a 1:9 'cens' pattern) still run the cipher a batch at a time.
class AesCtr {
 public:
  // `aes` must be an encrypt-direction key and outlive this object.
  AesCtr(const Aes& aes, const uint8_t iv[16]);
  ~AesCtr();
  void Process(const uint8_t* in, uint8_t* out, size_t size);

 private:
  static constexpr size_t kMaxBufferBlocks = 8;

  const Aes& aes_;
  uint8_t counter_[16];  // the next block to generate
  uint8_t keystream_[kMaxBufferBlocks * kAesBlockSize];
  size_t buffered_ = 0;  // bytes of keystream_ generated
  size_t used_ = 0;      // of which already consumed
};

}  // namespace wee
