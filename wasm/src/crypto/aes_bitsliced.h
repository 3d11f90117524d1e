// Constant-time bitsliced AES over 128-bit vectors, eight blocks per batch (crypto/ only; the
// rest of the code reaches it through wee::Aes and wee::AesCtr in crypto/aes.h).
//
// The interface is plain bytes: the vector types stay inside aes_bitsliced.cpp. The same source
// compiles natively (GCC/clang vector extensions: SSE2 on x86-64, NEON on arm64), which is how
// the sanitizer tests exercise it, and to WebAssembly SIMD128 with -msimd128, where it replaces
// mbedTLS's table code. Without -msimd128 a WebAssembly build would scalarise every vector
// operation and be slower than mbedTLS, so there WEE_AES_BITSLICED is 0 and none of this exists.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__wasm__) && !defined(__wasm_simd128__)
#define WEE_AES_BITSLICED 0
#elif defined(__GNUC__) || defined(__clang__)
#define WEE_AES_BITSLICED 1
#else
#define WEE_AES_BITSLICED 0
#endif

#if WEE_AES_BITSLICED
namespace wee::bitsliced {

// Blocks processed by one pass of the cipher; fewer cost the same time.
constexpr size_t kBatchBlocks = 8;

// The expanded key in bitsliced form, one schedule for both directions. planes[r][b] is round
// key r as a bit plane: byte p is 0xff when bit b of byte p of the round key is set, else 0
// (every block of a batch uses the same key). Rounds 1..rounds also hold the S-box's affine
// constant 0x63 (see aes_bitsliced.cpp), so they are not the FIPS-197 round keys themselves.
struct KeySchedule {
  alignas(16) uint8_t planes[15][8][16];
  int rounds = 0;  // 10, 12 or 14; 0 when empty
};

// key: 16, 24 or 32 bytes (false otherwise, schedule untouched). Constant time: the S-box of the
// key expansion is the same circuit as the cipher's.
[[nodiscard]] bool ExpandKey(const uint8_t* key, size_t size, KeySchedule* schedule);
void Wipe(KeySchedule* schedule);

// ECB over `blocks` whole blocks; in == out allowed.
void EncryptBlocks(const KeySchedule& schedule, const uint8_t* in, uint8_t* out, size_t blocks);
void DecryptBlocks(const KeySchedule& schedule, const uint8_t* in, uint8_t* out, size_t blocks);

// CTR over `blocks` whole blocks: out = in xor E(counter), E(counter + 1), ..., the counter a
// 128-bit big-endian integer (wrapping at 2^128), advanced by `blocks`. in == nullptr writes
// the keystream itself. in == out allowed.
void CtrXor(const KeySchedule& schedule, uint8_t counter[16], const uint8_t* in, uint8_t* out,
            size_t blocks);

// CBC decryption of `blocks` whole blocks; `iv` becomes the last ciphertext block. in == out
// allowed.
void CbcDecrypt(const KeySchedule& schedule, uint8_t iv[16], const uint8_t* in, uint8_t* out,
                size_t blocks);

}  // namespace wee::bitsliced
#endif
