// The AES backends of crypto/aes.h against the published vectors and against each other: the
// bitsliced multi-block paths (AesCtr, CbcDecrypt, EncryptBlock/DecryptBlock) must give the same
// bytes as mbedTLS one block at a time, for every key size, length, split and counter value.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "crypto/aes.h"
#include "test_util.h"

using namespace wee;
using test::Hex;
using test::ToHex;
using Backend = Aes::Backend;

namespace {

std::vector<Backend> AvailableBackends() {
  std::vector<Backend> out = {Backend::kMbedtls};
  if (Aes::BackendAvailable(Backend::kBitsliced)) out.push_back(Backend::kBitsliced);
  return out;
}

const char* Name(Backend backend) {
  switch (backend) {
    case Backend::kDefault: return "default";
    case Backend::kMbedtls: return "mbedtls";
    case Backend::kBitsliced: return "bitsliced";
  }
  return "?";
}

std::unique_ptr<Aes> Make(const Bytes& key, Aes::Direction direction, Backend backend) {
  auto aes = Aes::Create(key, direction, backend);
  REQUIRE(aes.ok());
  REQUIRE(aes.value()->backend() == backend);
  return std::move(aes).value();
}

Bytes Random(std::mt19937_64& rng, size_t size) {
  Bytes out(size);
  for (uint8_t& b : out) b = uint8_t(rng());
  return out;
}

void Increment(uint8_t counter[16]) {
  for (int b = 15; b >= 0 && ++counter[b] == 0; --b) {
  }
}

// The reference: mbedTLS, one EncryptBlock per counter value.
Bytes ReferenceCtr(const Bytes& key, const Bytes& iv, const Bytes& data) {
  auto aes = Make(key, Aes::Direction::kEncrypt, Backend::kMbedtls);
  uint8_t counter[16], keystream[16];
  std::memcpy(counter, iv.data(), 16);
  Bytes out = data;
  for (size_t i = 0; i < out.size(); i += 16) {
    aes->EncryptBlock(counter, keystream);
    Increment(counter);
    for (size_t k = 0; k < 16 && i + k < out.size(); ++k) out[i + k] ^= keystream[k];
  }
  return out;
}

Bytes ReferenceCbcDecrypt(const Bytes& key, Bytes iv, const Bytes& data, Bytes* iv_after) {
  auto aes = Make(key, Aes::Direction::kDecrypt, Backend::kMbedtls);
  Bytes out(data.size());
  aes->CbcDecrypt(iv.data(), data.data(), out.data(), data.size());
  *iv_after = iv;
  return out;
}

const char* kFipsPlain = "00112233445566778899aabbccddeeff";
const char* kSp800Plain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

struct Sp800Vector {
  const char* key;
  const char* ctr;  // F.5.1 / F.5.3 / F.5.5, counter f0f1..ff
  const char* cbc;  // F.2.1 / F.2.3 / F.2.5, IV 0001..0f
};

// NIST SP 800-38A appendix F.
const Sp800Vector kSp800[] = {
    {"2b7e151628aed2a6abf7158809cf4f3c",
     "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
     "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
     "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
    {"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
     "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
     "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
     "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
    {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
     "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
     "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
     "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
};

}  // namespace

TEST_CASE("AES default backend: bitsliced only in WebAssembly SIMD builds") {
  auto aes = Aes::Create(Hex("000102030405060708090a0b0c0d0e0f"), Aes::Direction::kEncrypt);
  REQUIRE(aes.ok());
#if defined(__wasm__) && defined(__wasm_simd128__)
  CHECK((*aes)->backend() == Backend::kBitsliced);
#else
  CHECK((*aes)->backend() == Backend::kMbedtls);
#endif
#if defined(__wasm__) && !defined(__wasm_simd128__)
  CHECK_FALSE(Aes::BackendAvailable(Backend::kBitsliced));
  auto bitsliced = Aes::Create(Hex("000102030405060708090a0b0c0d0e0f"), Aes::Direction::kEncrypt,
                               Backend::kBitsliced);
  CHECK(bitsliced.status().code() == Code::kUnsupported);
#else
  CHECK(Aes::BackendAvailable(Backend::kBitsliced));
#endif
}

// FIPS-197 appendix C.1, C.2, C.3.
TEST_CASE("AES backends: FIPS-197 appendix C, all key sizes") {
  const struct {
    const char* key;
    const char* cipher;
  } vectors[] = {
      {"000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"},
      {"000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"},
      {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
       "8ea2b7ca516745bfeafc49904b496089"},
  };
  for (Backend backend : AvailableBackends()) {
    for (const auto& v : vectors) {
      INFO(Name(backend) << " key " << v.key);
      auto enc = Make(Hex(v.key), Aes::Direction::kEncrypt, backend);
      auto dec = Make(Hex(v.key), Aes::Direction::kDecrypt, backend);
      Bytes block = Hex(kFipsPlain);
      enc->EncryptBlock(block.data(), block.data());
      CHECK(ToHex(block) == v.cipher);
      dec->DecryptBlock(block.data(), block.data());
      CHECK(ToHex(block) == kFipsPlain);
    }
  }
}

TEST_CASE("AES backends: SP 800-38A CTR (F.5) and CBC (F.2), all key sizes") {
  for (Backend backend : AvailableBackends()) {
    for (const Sp800Vector& v : kSp800) {
      INFO(Name(backend) << " key " << v.key);
      auto enc = Make(Hex(v.key), Aes::Direction::kEncrypt, backend);
      auto dec = Make(Hex(v.key), Aes::Direction::kDecrypt, backend);

      // CTR both ways (it is its own inverse), out of place.
      Bytes plain = Hex(kSp800Plain), cipher(plain.size());
      AesCtr ctr(*enc, Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").data());
      ctr.Process(plain.data(), cipher.data(), plain.size());
      CHECK(ToHex(cipher) == v.ctr);
      AesCtr back(*enc, Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").data());
      back.Process(cipher.data(), cipher.data(), cipher.size());
      CHECK(ToHex(cipher) == kSp800Plain);

      // CBC: encrypt (mbedTLS in both backends), then decrypt in place; the IV follows.
      Bytes data = Hex(kSp800Plain), iv = Hex("000102030405060708090a0b0c0d0e0f");
      enc->CbcEncrypt(iv.data(), data.data(), data.data(), data.size());
      CHECK(ToHex(data) == v.cbc);
      CHECK(ToHex(iv) == std::string(v.cbc).substr(96));
      iv = Hex("000102030405060708090a0b0c0d0e0f");
      dec->CbcDecrypt(iv.data(), data.data(), data.data(), data.size());
      CHECK(ToHex(data) == kSp800Plain);
      CHECK(ToHex(iv) == std::string(v.cbc).substr(96));
    }
  }
}

TEST_CASE("AES backends: ECB blocks match mbedTLS on random keys") {
  if (!Aes::BackendAvailable(Backend::kBitsliced)) return;
  std::mt19937_64 rng(11);
  for (size_t key_size : {16, 24, 32}) {
    for (int trial = 0; trial < 20; ++trial) {
      Bytes key = Random(rng, key_size);
      auto ref_enc = Make(key, Aes::Direction::kEncrypt, Backend::kMbedtls);
      auto ref_dec = Make(key, Aes::Direction::kDecrypt, Backend::kMbedtls);
      auto enc = Make(key, Aes::Direction::kEncrypt, Backend::kBitsliced);
      auto dec = Make(key, Aes::Direction::kDecrypt, Backend::kBitsliced);
      for (int block = 0; block < 16; ++block) {
        Bytes in = Random(rng, 16), want(16), got(16);
        ref_enc->EncryptBlock(in.data(), want.data());
        enc->EncryptBlock(in.data(), got.data());
        REQUIRE(ToHex(got) == ToHex(want));
        ref_dec->DecryptBlock(in.data(), want.data());
        dec->DecryptBlock(in.data(), got.data());
        REQUIRE(ToHex(got) == ToHex(want));
      }
    }
  }
}

// Every S-box input at every byte position, both directions: byte p of block i is i + 17 p, so
// over 256 blocks each position takes all 256 values.
TEST_CASE("AES backends: every byte value at every position (CBC decrypt of 256 blocks)") {
  if (!Aes::BackendAvailable(Backend::kBitsliced)) return;
  for (size_t key_size : {16, 24, 32}) {
    Bytes key(key_size);
    for (size_t i = 0; i < key_size; ++i) key[i] = uint8_t(0xa5 ^ (i * 37));
    Bytes data(256 * 16);
    for (size_t block = 0; block < 256; ++block)
      for (size_t p = 0; p < 16; ++p) data[16 * block + p] = uint8_t(block + 17 * p);
    Bytes iv(16, 0x3c), want_iv;
    Bytes want = ReferenceCbcDecrypt(key, iv, data, &want_iv);
    auto dec = Make(key, Aes::Direction::kDecrypt, Backend::kBitsliced);
    Bytes got(data.size());
    dec->CbcDecrypt(iv.data(), data.data(), got.data(), data.size());
    CHECK(ToHex(got) == ToHex(want));
    CHECK(ToHex(iv) == ToHex(want_iv));
    // And forwards: CTR keystream over counters whose low byte takes every value.
    Bytes zeros(256 * 16, 0), ks(zeros.size());
    Bytes counter = Hex("000102030405060708090a0b0c0d0e00");
    auto enc = Make(key, Aes::Direction::kEncrypt, Backend::kBitsliced);
    AesCtr ctr(*enc, counter.data());
    ctr.Process(zeros.data(), ks.data(), zeros.size());
    CHECK(ToHex(ks) == ToHex(ReferenceCtr(key, counter, zeros)));
  }
}

TEST_CASE("AES backends: CTR matches mbedTLS block by block, random keys/IVs/lengths") {
  std::mt19937_64 rng(2026);
  for (Backend backend : AvailableBackends()) {
    for (int trial = 0; trial < 150; ++trial) {
      const size_t key_size = size_t(16 + 8 * (trial % 3));
      Bytes key = Random(rng, key_size), iv = Random(rng, 16);
      const size_t size = trial < 40 ? size_t(trial + 1) : size_t(1 + rng() % 4096);
      Bytes data = Random(rng, size);
      Bytes want = ReferenceCtr(key, iv, data);
      auto enc = Make(key, Aes::Direction::kEncrypt, backend);
      INFO(Name(backend) << " trial " << trial << " key " << key_size << " size " << size);

      Bytes out(size);  // out of place
      AesCtr(*enc, iv.data()).Process(data.data(), out.data(), size);
      REQUIRE(ToHex(out) == ToHex(want));

      Bytes in_place = data;  // in place, in random pieces (some empty)
      AesCtr ctr(*enc, iv.data());
      for (size_t offset = 0; offset < size;) {
        size_t piece = std::min<size_t>(size - offset, rng() % 3 == 0 ? rng() % 300 : rng() % 40);
        ctr.Process(in_place.data() + offset, in_place.data() + offset, piece);
        offset += piece;
      }
      REQUIRE(ToHex(in_place) == ToHex(want));
    }
  }
}

TEST_CASE("AES backends: CTR resumed at every split point") {
  std::mt19937_64 rng(7);
  for (Backend backend : AvailableBackends()) {
    Bytes key = Random(rng, 16), iv = Random(rng, 16);
    Bytes data = Random(rng, 16 * 8 * 3 + 37);  // three batches and a tail
    Bytes want = ReferenceCtr(key, iv, data);
    auto enc = Make(key, Aes::Direction::kEncrypt, backend);
    for (size_t split = 0; split <= data.size(); ++split) {
      INFO(Name(backend) << " split " << split);
      Bytes out = data;
      AesCtr ctr(*enc, iv.data());
      ctr.Process(out.data(), out.data(), split);
      ctr.Process(out.data() + split, out.data() + split, data.size() - split);
      REQUIRE(ToHex(out) == ToHex(want));
    }
    // Two splits: every pair within the first 160 bytes.
    for (size_t a = 0; a <= 160; a += 3) {
      for (size_t b = a; b <= 160; b += 5) {
        Bytes out = data;
        AesCtr ctr(*enc, iv.data());
        ctr.Process(out.data(), out.data(), a);
        ctr.Process(out.data() + a, out.data() + a, b - a);
        ctr.Process(out.data() + b, out.data() + b, data.size() - b);
        INFO(Name(backend) << " splits " << a << ", " << b);
        REQUIRE(ToHex(out) == ToHex(want));
      }
    }
  }
}

TEST_CASE("AES backends: CTR counter carries across 2^64 and wraps at 2^128") {
  std::mt19937_64 rng(64);
  const char* ivs[] = {
      "0123456789abcdeffffffffffffffff0",  // low half wraps inside a batch
      "0123456789abcdeffffffffffffffffa",
      "0123456789abcdefffffffffffffffff",  // at the first block
      "0123456789abcdf0fffffffffffffff9",
      "fffffffffffffffffffffffffffffff3",  // the whole counter wraps to zero
      "ffffffffffffffffffffffffffffffff",
      "fffffffffffffffefffffffffffffffc",
      "00000000000000ffffffffffffffffff",
  };
  for (Backend backend : AvailableBackends()) {
    for (const char* iv_hex : ivs) {
      for (size_t size : {size_t(16), size_t(100), size_t(128), size_t(300), size_t(16 * 40)}) {
        Bytes key = Random(rng, 16), iv = Hex(iv_hex), data = Random(rng, size);
        Bytes want = ReferenceCtr(key, iv, data);
        auto enc = Make(key, Aes::Direction::kEncrypt, backend);
        INFO(Name(backend) << " iv " << iv_hex << " size " << size);
        Bytes out(size);
        AesCtr(*enc, iv.data()).Process(data.data(), out.data(), size);
        REQUIRE(ToHex(out) == ToHex(want));
        // One block per call, as a 1:9 'cens' pattern does.
        Bytes blocks = data;
        AesCtr ctr(*enc, iv.data());
        for (size_t i = 0; i < size; i += 16)
          ctr.Process(blocks.data() + i, blocks.data() + i, std::min<size_t>(16, size - i));
        REQUIRE(ToHex(blocks) == ToHex(want));
      }
    }
  }
}

TEST_CASE("AES backends: CBC decrypt matches mbedTLS, random keys/IVs/block counts") {
  std::mt19937_64 rng(38);
  for (Backend backend : AvailableBackends()) {
    for (int trial = 0; trial < 150; ++trial) {
      const size_t key_size = size_t(16 + 8 * (trial % 3));
      const size_t blocks = trial < 40 ? size_t(trial) : size_t(1 + rng() % 256);
      Bytes key = Random(rng, key_size), iv = Random(rng, 16), data = Random(rng, 16 * blocks);
      Bytes want_iv;
      Bytes want = ReferenceCbcDecrypt(key, iv, data, &want_iv);
      auto dec = Make(key, Aes::Direction::kDecrypt, backend);
      INFO(Name(backend) << " trial " << trial << " key " << key_size << " blocks " << blocks);

      Bytes out(data.size()), iv1 = iv;  // out of place
      dec->CbcDecrypt(iv1.data(), data.data(), out.data(), data.size());
      REQUIRE(ToHex(out) == ToHex(want));
      REQUIRE(ToHex(iv1) == ToHex(want_iv));

      Bytes in_place = data, iv2 = iv;  // in place, in pieces of whole blocks: the chain follows
      for (size_t offset = 0; offset < data.size();) {
        size_t piece = std::min<size_t>(data.size() - offset, 16 * (rng() % 20));
        dec->CbcDecrypt(iv2.data(), in_place.data() + offset, in_place.data() + offset, piece);
        offset += piece;
      }
      REQUIRE(ToHex(in_place) == ToHex(want));
      REQUIRE(ToHex(iv2) == ToHex(want_iv));

      // And back: CBC encryption (mbedTLS in both backends) restores the ciphertext.
      auto enc = Make(key, Aes::Direction::kEncrypt, backend);
      Bytes iv3 = iv;
      enc->CbcEncrypt(iv3.data(), out.data(), out.data(), out.size());
      REQUIRE(ToHex(out) == ToHex(data));
    }
  }
}
