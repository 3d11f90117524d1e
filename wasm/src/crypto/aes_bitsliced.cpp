// Bitsliced AES (FIPS-197) on 128-bit vectors, eight blocks at a time, with no table and no
// secret-dependent branch or address. The approach is Käsper and Schwabe's ("Faster and
// Timing-Attack Resistant AES-GCM", CHES 2009); the S-box is Boyar and Peralta's depth-16
// circuit ("A depth-16 circuit for the AES S-box", 2012). Written from those papers.
//
// Layout. Eight blocks are transposed into eight vectors x[0..7], the bit planes: byte p of
// x[b] holds bit b of byte p of all eight blocks, block k in bit k.
//
//   memory: block k = bytes s[0..15] (s[4c + r] = row r, column c, FIPS-197 3.4)
//   x[b]  : | byte 0: bit b of s[0] of blocks 7..0 | byte 1: ... of s[1] | ... | byte 15 |
//
// so every byte-wise operation of AES is one operation per plane:
//   SubBytes      the S-box circuit, one vector gate per gate, on x[7] (msb) .. x[0] (lsb)
//   ShiftRows     the same byte shuffle of each plane
//   MixColumns    rotations of the bytes inside each 32-bit lane (one column) and XORs, with
//                 the multiplication by 2 a renaming of the planes plus three XORs
//   AddRoundKey   XOR with the round key's planes (each byte 0x00 or 0xff)
// Going in and out of this form costs two 8x8 bit-matrix transposes (SWAPMOVE), little next
// to the rounds.
//
// The S-box's affine constant. The circuit's four XNOR gates add 0x63; without them it computes
// F(x) = S(x) xor 0x63. A state that is 0x63 in every byte passes through ShiftRows,
// MixColumns (2 + 3 + 1 + 1 = 1) and InvMixColumns (e + b + d + 9 = 1) unchanged, so the
// constant is added to the round keys 1..Nr instead of to the state after each SubBytes.
// Decryption uses the same keys: with L the linear part of the affine map, F = L o inv and
// S^-1(y) = L^-1(F(L^-1(y xor 0x63))), and the 0x63 of the key added before each InvSubBytes
// is exactly the "xor 0x63" there.
#include "crypto/aes_bitsliced.h"

#if WEE_AES_BITSLICED

#include <algorithm>
#include <cstring>

#include "base/bytes.h"

namespace wee::bitsliced {
namespace {

// GCC and clang vector extensions: SSE2 / NEON natively, SIMD128 in WebAssembly.
typedef uint64_t V __attribute__((vector_size(16)));
typedef uint32_t V32 __attribute__((vector_size(16)));
typedef uint8_t V8 __attribute__((vector_size(16)));

#define WEE_SHUFFLE_BYTES(v, ...) ((V)__builtin_shufflevector((V8)(v), (V8)(v), __VA_ARGS__))

inline V Load(const uint8_t* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void Store(uint8_t* p, V v) { std::memcpy(p, &v, sizeof(v)); }

inline V Splat(uint8_t byte) {
  const uint64_t x = 0x0101010101010101ull * byte;
  return V{x, x};
}

// Exchanges the bits of `a` selected by mask << n with the bits of `b` selected by mask.
template <int n>
inline void SwapMove(V& a, V& b, V mask) {
  const V t = ((a >> n) ^ b) & mask;
  b ^= t;
  a ^= t << n;
}

// Transposes the 8x8 bit matrix at each byte position: bit j of byte p of x[k] and bit k of
// byte p of x[j] trade places. Its own inverse: blocks in, planes out, and back.
inline void Transpose(V* x) {
  const V m1 = Splat(0x55), m2 = Splat(0x33), m4 = Splat(0x0f);
  SwapMove<1>(x[0], x[1], m1);
  SwapMove<1>(x[2], x[3], m1);
  SwapMove<1>(x[4], x[5], m1);
  SwapMove<1>(x[6], x[7], m1);
  SwapMove<2>(x[0], x[2], m2);
  SwapMove<2>(x[1], x[3], m2);
  SwapMove<2>(x[4], x[6], m2);
  SwapMove<2>(x[5], x[7], m2);
  SwapMove<4>(x[0], x[4], m4);
  SwapMove<4>(x[1], x[5], m4);
  SwapMove<4>(x[2], x[6], m4);
  SwapMove<4>(x[3], x[7], m4);
}

// F(x) = S(x) xor 0x63 on every byte: Boyar-Peralta's 128-gate circuit (34 AND, 94 XOR; its
// four XNORs are XORs here, see the top of the file). U0 and S0 are the most significant bits.
inline void SubBytesNoConstant(V* x) {
  const V U0 = x[7], U1 = x[6], U2 = x[5], U3 = x[4], U4 = x[3], U5 = x[2], U6 = x[1], U7 = x[0];
  // Top linear layer.
  const V T1 = U0 ^ U3, T2 = U0 ^ U5, T3 = U0 ^ U6, T4 = U3 ^ U5, T5 = U4 ^ U6;
  const V T6 = T1 ^ T5, T7 = U1 ^ U2, T8 = U7 ^ T6, T9 = U7 ^ T7, T10 = T6 ^ T7;
  const V T11 = U1 ^ U5, T12 = U2 ^ U5, T13 = T3 ^ T4, T14 = T6 ^ T11, T15 = T5 ^ T11;
  const V T16 = T5 ^ T12, T17 = T9 ^ T16, T18 = U3 ^ U7, T19 = T7 ^ T18, T20 = T1 ^ T19;
  const V T21 = U6 ^ U7, T22 = T7 ^ T21, T23 = T2 ^ T22, T24 = T2 ^ T10, T25 = T20 ^ T17;
  const V T26 = T3 ^ T16, T27 = T1 ^ T12;
  // Middle non-linear layer: inversion in GF(2^4)^2.
  const V M1 = T13 & T6, M2 = T23 & T8, M3 = T14 ^ M1, M4 = T19 & U7, M5 = M4 ^ M1;
  const V M6 = T3 & T16, M7 = T22 & T9, M8 = T26 ^ M6, M9 = T20 & T17, M10 = M9 ^ M6;
  const V M11 = T1 & T15, M12 = T4 & T27, M13 = M12 ^ M11, M14 = T2 & T10, M15 = M14 ^ M11;
  const V M16 = M3 ^ M2, M17 = M5 ^ T24, M18 = M8 ^ M7, M19 = M10 ^ M15, M20 = M16 ^ M13;
  const V M21 = M17 ^ M15, M22 = M18 ^ M13, M23 = M19 ^ T25, M24 = M22 ^ M23, M25 = M22 & M20;
  const V M26 = M21 ^ M25, M27 = M20 ^ M21, M28 = M23 ^ M25, M29 = M28 & M27, M30 = M26 & M24;
  const V M31 = M20 & M23, M32 = M27 & M31, M33 = M27 ^ M25, M34 = M21 & M22, M35 = M24 & M34;
  const V M36 = M24 ^ M25, M37 = M21 ^ M29, M38 = M32 ^ M33, M39 = M23 ^ M30, M40 = M35 ^ M36;
  const V M41 = M38 ^ M40, M42 = M37 ^ M39, M43 = M37 ^ M38, M44 = M39 ^ M40, M45 = M42 ^ M41;
  const V M46 = M44 & T6, M47 = M40 & T8, M48 = M39 & U7, M49 = M43 & T16, M50 = M38 & T9;
  const V M51 = M37 & T17, M52 = M42 & T15, M53 = M45 & T27, M54 = M41 & T10, M55 = M44 & T13;
  const V M56 = M40 & T23, M57 = M39 & T19, M58 = M43 & T3, M59 = M38 & T22, M60 = M37 & T20;
  const V M61 = M42 & T1, M62 = M45 & T4, M63 = M41 & T2;
  // Bottom linear layer.
  const V L0 = M61 ^ M62, L1 = M50 ^ M56, L2 = M46 ^ M48, L3 = M47 ^ M55, L4 = M54 ^ M58;
  const V L5 = M49 ^ M61, L6 = M62 ^ L5, L7 = M46 ^ L3, L8 = M51 ^ M59, L9 = M52 ^ M53;
  const V L10 = M53 ^ L4, L11 = M60 ^ L2, L12 = M48 ^ M51, L13 = M50 ^ L0, L14 = M52 ^ M61;
  const V L15 = M55 ^ L1, L16 = M56 ^ L0, L17 = M57 ^ L1, L18 = M58 ^ L8, L19 = M63 ^ L4;
  const V L20 = L0 ^ L1, L21 = L1 ^ L7, L22 = L3 ^ L12, L23 = L18 ^ L2, L24 = L15 ^ L9;
  const V L25 = L6 ^ L10, L26 = L7 ^ L9, L27 = L8 ^ L10, L28 = L11 ^ L14, L29 = L11 ^ L17;
  x[7] = L6 ^ L24;   // S0
  x[6] = L16 ^ L26;  // S1 (XNOR in the circuit)
  x[5] = L19 ^ L28;  // S2 (XNOR)
  x[4] = L6 ^ L21;   // S3
  x[3] = L20 ^ L22;  // S4
  x[2] = L25 ^ L29;  // S5
  x[1] = L13 ^ L27;  // S6 (XNOR)
  x[0] = L6 ^ L23;   // S7 (XNOR)
}

// The linear part of the inverse affine map of FIPS-197 5.3.2: y_i = x_{i+2} + x_{i+5} + x_{i+7}
// (indices mod 8; its constant 0x05 is L^-1(0x63), carried by the round keys).
inline void InverseLinear(V* x) {
  V y[8];
  for (int i = 0; i < 8; ++i) y[i] = x[(i + 2) & 7] ^ x[(i + 5) & 7] ^ x[(i + 7) & 7];
  for (int i = 0; i < 8; ++i) x[i] = y[i];
}

// S^-1 on a state that carries the extra 0x63 (see the top of the file).
inline void InvSubBytes(V* x) {
  InverseLinear(x);
  SubBytesNoConstant(x);
  InverseLinear(x);
}

// Byte shuffles: one instruction in WebAssembly (i8x16.shuffle), SSSE3 (pshufb) and NEON (tbl).
// Plain SSE2 has no byte shuffle; there the compiler would build one byte by byte, so the
// rotations below use 32-bit lane shuffles (pshufd) and shifts instead.
#if defined(__wasm_simd128__) || defined(__SSSE3__) || defined(__ARM_NEON)
#define WEE_BYTE_SHUFFLE 1
#else
#define WEE_BYTE_SHUFFLE 0
#endif

#if !WEE_BYTE_SHUFFLE
#define WEE_SHUFFLE_LANES(v, ...) ((V)__builtin_shufflevector((V32)(v), (V32)(v), __VA_ARGS__))
// Row r of the state (bytes 4c + r) in every 32-bit lane.
inline V Row(V v, int r) { return v & (V)(V32{0xffu, 0xffu, 0xffu, 0xffu} << (8 * r)); }
#endif

// s'[r, c] = s[r, c + r]: byte 4c + r takes byte 4((c + r) mod 4) + r.
inline void ShiftRows(V* x) {
  for (int b = 0; b < 8; ++b) {
#if WEE_BYTE_SHUFFLE
    x[b] = WEE_SHUFFLE_BYTES(x[b], 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
#else  // row r takes the lanes (columns) rotated by r
    const V v = x[b];
    x[b] = Row(v, 0) | Row(WEE_SHUFFLE_LANES(v, 1, 2, 3, 0), 1) |
           Row(WEE_SHUFFLE_LANES(v, 2, 3, 0, 1), 2) | Row(WEE_SHUFFLE_LANES(v, 3, 0, 1, 2), 3);
#endif
  }
}

// s'[r, c] = s[r, c - r].
inline void InvShiftRows(V* x) {
  for (int b = 0; b < 8; ++b) {
#if WEE_BYTE_SHUFFLE
    x[b] = WEE_SHUFFLE_BYTES(x[b], 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
#else
    const V v = x[b];
    x[b] = Row(v, 0) | Row(WEE_SHUFFLE_LANES(v, 3, 0, 1, 2), 1) |
           Row(WEE_SHUFFLE_LANES(v, 2, 3, 0, 1), 2) | Row(WEE_SHUFFLE_LANES(v, 1, 2, 3, 0), 3);
#endif
  }
}

// Row r of each column takes row r + 1 (RotRows1) or r + 2 (RotRows2): a byte rotation inside
// each 32-bit lane. RotRows1 by shifts everywhere: V8 builds the mask of a general byte shuffle
// from immediates every time (four instructions before the pshufb), and the shifts measured
// ~15% faster in Node. RotRows2 is a 16-bit shuffle, which V8 turns into pshuflw + pshufhw.
inline V RotRows1(V v) {
  const V32 w = (V32)v;
  return (V)((w >> 8) | (w << 24));
}

inline V RotRows2(V v) {
#if WEE_BYTE_SHUFFLE
  return WEE_SHUFFLE_BYTES(v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
#else
  const V32 w = (V32)v;
  return (V)((w >> 16) | (w << 16));
#endif
}

// FIPS-197 5.1.3: s'[r] = 2 s[r] + 3 s[r+1] + s[r+2] + s[r+3]
//                      = 2 t[r] + s[r+1] + t[r+2]   with t[r] = s[r] + s[r+1].
// Multiplying by 2 shifts the planes up one and folds plane 7 back into planes 0, 1, 3 and 4
// (x^8 = x^4 + x^3 + x + 1).
inline void MixColumns(V* x) {
  V r1[8], t[8];
  for (int b = 0; b < 8; ++b) {
    r1[b] = RotRows1(x[b]);
    t[b] = x[b] ^ r1[b];
  }
  x[0] = t[7] ^ r1[0] ^ RotRows2(t[0]);
  x[1] = t[0] ^ t[7] ^ r1[1] ^ RotRows2(t[1]);
  x[2] = t[1] ^ r1[2] ^ RotRows2(t[2]);
  x[3] = t[2] ^ t[7] ^ r1[3] ^ RotRows2(t[3]);
  x[4] = t[3] ^ t[7] ^ r1[4] ^ RotRows2(t[4]);
  x[5] = t[4] ^ r1[5] ^ RotRows2(t[5]);
  x[6] = t[5] ^ r1[6] ^ RotRows2(t[6]);
  x[7] = t[6] ^ r1[7] ^ RotRows2(t[7]);
}

// FIPS-197 5.3.3. The matrix (e b d 9) is (2 3 1 1) times (5 0 4 0), so InvMixColumns is
// MixColumns after s'[r] = 5 s[r] + 4 s[r+2] = s[r] + 4 (s[r] + s[r+2]).
inline void InvMixColumns(V* x) {
  V w[8];
  for (int b = 0; b < 8; ++b) w[b] = x[b] ^ RotRows2(x[b]);
  // Times 4: two doublings, planes renamed and plane 7 and 6 folded back.
  x[0] ^= w[6];
  x[1] ^= w[7] ^ w[6];
  x[2] ^= w[0] ^ w[7];
  x[3] ^= w[1] ^ w[6];
  x[4] ^= w[2] ^ w[7] ^ w[6];
  x[5] ^= w[3] ^ w[7];
  x[6] ^= w[4];
  x[7] ^= w[5];
  MixColumns(x);
}

inline void AddRoundKey(V* x, const KeySchedule& schedule, int round) {
  for (int b = 0; b < 8; ++b) x[b] ^= Load(schedule.planes[round][b]);
}

// FIPS-197 5.1 on eight blocks in bit planes (SubBytes without its constant, see above). The
// state is a local array so that it lives in registers: the compiler cannot keep `planes` there
// across the byte loads of the round keys, which might alias it.
void EncryptPlanes(const KeySchedule& schedule, V* planes) {
  V x[8];
  for (int b = 0; b < 8; ++b) x[b] = planes[b];
  AddRoundKey(x, schedule, 0);
  for (int round = 1; round < schedule.rounds; ++round) {
    SubBytesNoConstant(x);
    ShiftRows(x);
    MixColumns(x);
    AddRoundKey(x, schedule, round);
  }
  SubBytesNoConstant(x);
  ShiftRows(x);
  AddRoundKey(x, schedule, schedule.rounds);
  for (int b = 0; b < 8; ++b) planes[b] = x[b];
}

// FIPS-197 5.3 (the inverse cipher with the encryption key schedule).
void DecryptPlanes(const KeySchedule& schedule, V* planes) {
  V x[8];
  for (int b = 0; b < 8; ++b) x[b] = planes[b];
  AddRoundKey(x, schedule, schedule.rounds);
  for (int round = schedule.rounds - 1; round > 0; --round) {
    InvShiftRows(x);
    InvSubBytes(x);
    AddRoundKey(x, schedule, round);
    InvMixColumns(x);
  }
  InvShiftRows(x);
  InvSubBytes(x);
  AddRoundKey(x, schedule, 0);
  for (int b = 0; b < 8; ++b) planes[b] = x[b];
}

// The first n <= 8 blocks of `in` into x (the rest zero), not yet transposed.
inline void LoadBlocks(const uint8_t* in, size_t n, V* x) {
  for (size_t k = 0; k < kBatchBlocks; ++k) x[k] = k < n ? Load(in + 16 * k) : V{0, 0};
}

inline uint64_t LoadBigEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

inline void StoreBigEndian64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = uint8_t(v);
}

// The 16-byte big-endian block of the counter (hi, lo).
inline V CounterBlock(uint64_t hi, uint64_t lo) {
  alignas(16) uint8_t block[16];
  StoreBigEndian64(block, hi);
  StoreBigEndian64(block + 8, lo);
  return Load(block);
}

// SubWord of the key expansion (FIPS-197 5.2) through the cipher's own S-box: no table.
void SubWord(uint8_t word[4]) {
  uint8_t block[16] = {};
  std::memcpy(block, word, 4);
  V x[8];
  LoadBlocks(block, 1, x);
  Transpose(x);
  SubBytesNoConstant(x);
  Transpose(x);
  Store(block, x[0]);
  for (int i = 0; i < 4; ++i) word[i] = block[i] ^ 0x63;
  SecureZero(block, sizeof(block));
}

}  // namespace

bool ExpandKey(const uint8_t* key, size_t size, KeySchedule* schedule) {
  if (size != 16 && size != 24 && size != 32) return false;
  const int nk = int(size / 4), rounds = nk + 6, words = 4 * (rounds + 1);
  uint8_t w[60][4];
  std::memcpy(w, key, size);
  uint8_t rcon = 0x01;
  for (int i = nk; i < words; ++i) {
    uint8_t t[4] = {w[i - 1][0], w[i - 1][1], w[i - 1][2], w[i - 1][3]};
    if (i % nk == 0) {
      const uint8_t first = t[0];  // RotWord
      t[0] = t[1];
      t[1] = t[2];
      t[2] = t[3];
      t[3] = first;
      SubWord(t);
      t[0] ^= rcon;
      rcon = uint8_t((rcon << 1) ^ ((rcon >> 7) * 0x1b));  // public: no secret in the branch
    } else if (nk > 6 && i % nk == 4) {
      SubWord(t);
    }
    for (int j = 0; j < 4; ++j) w[i][j] = w[i - nk][j] ^ t[j];
    SecureZero(t, sizeof(t));
  }
  for (int round = 0; round <= rounds; ++round) {
    V x[8];
    for (size_t k = 0; k < kBatchBlocks; ++k) x[k] = Load(w[4 * round]);
    Transpose(x);
    if (round > 0) {  // + 0x63 = bits 0, 1, 5 and 6
      x[0] = ~x[0];
      x[1] = ~x[1];
      x[5] = ~x[5];
      x[6] = ~x[6];
    }
    for (int b = 0; b < 8; ++b) Store(schedule->planes[round][b], x[b]);
  }
  schedule->rounds = rounds;
  SecureZero(w, sizeof(w));
  return true;
}

void Wipe(KeySchedule* schedule) {
  SecureZero(schedule->planes, sizeof(schedule->planes));
  schedule->rounds = 0;
}

// Whole batches through one plane function (EncryptPlanes or DecryptPlanes).
template <void (*Planes)(const KeySchedule&, V*)>
void CryptBlocks(const KeySchedule& schedule, const uint8_t* in, uint8_t* out, size_t blocks) {
  while (blocks) {
    const size_t n = std::min(blocks, kBatchBlocks);
    V x[8];
    LoadBlocks(in, n, x);
    Transpose(x);
    Planes(schedule, x);
    Transpose(x);
    for (size_t k = 0; k < n; ++k) Store(out + 16 * k, x[k]);
    in += 16 * n;
    out += 16 * n;
    blocks -= n;
  }
}

void EncryptBlocks(const KeySchedule& schedule, const uint8_t* in, uint8_t* out, size_t blocks) {
  CryptBlocks<EncryptPlanes>(schedule, in, out, blocks);
}

void DecryptBlocks(const KeySchedule& schedule, const uint8_t* in, uint8_t* out, size_t blocks) {
  CryptBlocks<DecryptPlanes>(schedule, in, out, blocks);
}

void CtrXor(const KeySchedule& schedule, uint8_t counter[16], const uint8_t* in, uint8_t* out,
            size_t blocks) {
  uint64_t hi = LoadBigEndian64(counter), lo = LoadBigEndian64(counter + 8);
  while (blocks) {
    const size_t n = std::min(blocks, kBatchBlocks);
    V x[8];
    if ((lo & 0xff) <= 0xff - (kBatchBlocks - 1)) {
      // The usual case: the eight counters differ only in their last byte.
      const V base = CounterBlock(hi, lo);
      for (size_t k = 0; k < kBatchBlocks; ++k)
        x[k] = (V)((V8)base + V8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(k)});
    } else {
      uint64_t h = hi, l = lo;
      for (size_t k = 0; k < kBatchBlocks; ++k) {
        x[k] = CounterBlock(h, l);
        h += ++l == 0;
      }
    }
    Transpose(x);
    EncryptPlanes(schedule, x);
    Transpose(x);
    for (size_t k = 0; k < n; ++k) Store(out + 16 * k, in ? x[k] ^ Load(in + 16 * k) : x[k]);
    // The counter moves by the blocks used, carrying from the low 64 bits into the high ones.
    lo += n;
    hi += lo < n;
    if (in) in += 16 * n;
    out += 16 * n;
    blocks -= n;
  }
  StoreBigEndian64(counter, hi);
  StoreBigEndian64(counter + 8, lo);
}

void CbcDecrypt(const KeySchedule& schedule, uint8_t iv[16], const uint8_t* in, uint8_t* out,
                size_t blocks) {
  V previous = Load(iv);
  while (blocks) {
    const size_t n = std::min(blocks, kBatchBlocks);
    V cipher[8], x[8];
    LoadBlocks(in, n, cipher);  // kept: in place, `in` is overwritten below
    for (size_t k = 0; k < kBatchBlocks; ++k) x[k] = cipher[k];
    Transpose(x);
    DecryptPlanes(schedule, x);
    Transpose(x);
    // P_i = D(C_i) xor C_{i-1}, C_{-1} = IV.
    Store(out, x[0] ^ previous);
    for (size_t k = 1; k < n; ++k) Store(out + 16 * k, x[k] ^ cipher[k - 1]);
    previous = cipher[n - 1];
    in += 16 * n;
    out += 16 * n;
    blocks -= n;
  }
  Store(iv, previous);
}

}  // namespace wee::bitsliced

#endif  // WEE_AES_BITSLICED
