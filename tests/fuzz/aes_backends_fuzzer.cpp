// Differential fuzzing of the AES backends (crypto/aes.h): the bitsliced backend against mbedTLS
// one block at a time, on a fuzzer-chosen key (16/24/32 bytes), IV and data. Checks: AesCtr
// over the data in fuzzer-chosen pieces equals the block-by-block mbedTLS keystream (the IV
// may sit next to a 2^64 or 2^128 carry); CbcDecrypt in pieces equals mbedTLS's, IV included;
// EncryptBlock/DecryptBlock agree. Any difference aborts.
//
// Input: byte 0 = key size (% 3) and split seed, then key, 16 IV bytes, data.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/aes.h"

using namespace wee;

namespace {

std::unique_ptr<Aes> Make(const uint8_t* key, size_t size, Aes::Direction direction,
                          Aes::Backend backend) {
  auto aes = Aes::Create(ByteSpan(key, size), direction, backend);
  if (!aes.ok()) std::abort();
  return std::move(aes).value();
}

// Piece lengths from the data itself, so that the fuzzer steers the splits.
size_t Piece(const uint8_t* data, size_t size, size_t at, uint8_t seed) {
  if (size == 0) return 0;
  return size_t(data[at % size] ^ seed) % 200;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t input_size) {
  if (!Aes::BackendAvailable(Aes::Backend::kBitsliced)) return 0;
  if (input_size < 1) return 0;
  const uint8_t control = input[0];
  const size_t key_size = 16 + 8 * (control % 3);
  if (input_size < 1 + key_size + 16) return 0;
  const uint8_t* key = input + 1;
  uint8_t iv[16];
  std::memcpy(iv, input + 1 + key_size, 16);
  if (control & 0x80) std::memset(iv + 8, 0xff, 7);  // low half near 2^64
  const uint8_t* data = input + 1 + key_size + 16;
  const size_t size = input_size - 1 - key_size - 16;

  auto ref_enc = Make(key, key_size, Aes::Direction::kEncrypt, Aes::Backend::kMbedtls);
  auto ref_dec = Make(key, key_size, Aes::Direction::kDecrypt, Aes::Backend::kMbedtls);
  auto enc = Make(key, key_size, Aes::Direction::kEncrypt, Aes::Backend::kBitsliced);
  auto dec = Make(key, key_size, Aes::Direction::kDecrypt, Aes::Backend::kBitsliced);

  // CTR: reference keystream block by block.
  std::vector<uint8_t> want(data, data + size), got(size);
  uint8_t counter[16], keystream[16];
  std::memcpy(counter, iv, 16);
  for (size_t i = 0; i < size; i += 16) {
    ref_enc->EncryptBlock(counter, keystream);
    for (int b = 15; b >= 0 && ++counter[b] == 0; --b) {
    }
    for (size_t k = 0; k < 16 && i + k < size; ++k) want[i + k] ^= keystream[k];
  }
  AesCtr ctr(*enc, iv);
  for (size_t offset = 0; offset < size;) {
    size_t piece = std::min(size - offset, Piece(data, size, offset, control));
    if (piece == 0) {  // an empty call must not disturb the stream
      ctr.Process(data + offset, got.data() + offset, 0);
      piece = std::min(size - offset, size_t(1 + control % 17));
    }
    ctr.Process(data + offset, got.data() + offset, piece);
    offset += piece;
  }
  if (want != got) std::abort();

  // CBC decryption over the whole blocks, in place, in pieces.
  const size_t whole = size / 16 * 16;
  std::vector<uint8_t> ref_cbc(data, data + whole), cbc(data, data + whole);
  uint8_t ref_iv[16], cbc_iv[16];
  std::memcpy(ref_iv, iv, 16);
  std::memcpy(cbc_iv, iv, 16);
  ref_dec->CbcDecrypt(ref_iv, ref_cbc.data(), ref_cbc.data(), whole);
  for (size_t offset = 0; offset < whole;) {
    size_t piece = std::min(whole - offset, Piece(data, size, offset + 7, control) / 16 * 16 + 16);
    dec->CbcDecrypt(cbc_iv, cbc.data() + offset, cbc.data() + offset, piece);
    offset += piece;
  }
  if (ref_cbc != cbc || std::memcmp(ref_iv, cbc_iv, 16) != 0) std::abort();

  // Single blocks.
  if (size >= 16) {
    uint8_t a[16], b[16];
    ref_enc->EncryptBlock(data, a);
    enc->EncryptBlock(data, b);
    if (std::memcmp(a, b, 16) != 0) std::abort();
    ref_dec->DecryptBlock(data, a);
    dec->DecryptBlock(data, b);
    if (std::memcmp(a, b, 16) != 0) std::abort();
  }
  return 0;
}
