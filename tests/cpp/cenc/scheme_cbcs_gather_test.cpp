// CBC decryption gathers the encrypted blocks of a chain (for 'cbcs', one protected range) and
// decrypts them in one CbcDecrypt call (RunChain, scheme.cpp). Checked against an independent reference: the chain of
// every range walked block by block with mbedTLS's single-block DecryptBlock, on random
// layouts whose ranges hold more blocks than one gather (32), runs long enough to go straight
// through (8 blocks and more) next to one-block runs, and partial blocks.
#include "cenc/scheme.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "test_util.h"

using namespace wee;
using namespace wee::cenc;

namespace {

// ISO/IEC 23001-7 10.4 done the slow way: per range, the chain restarts at the IV and links
// the pattern's encrypted blocks only.
void ReferenceCbcsDecrypt(const Bytes& key, const mp4::Sample& sample, uint8_t* data,
                          size_t size) {
  auto aes = Aes::Create(key, Aes::Direction::kDecrypt, Aes::Backend::kMbedtls);
  REQUIRE(aes.ok());
  uint8_t iv[16] = {};
  std::memcpy(iv, sample.iv.data(), sample.iv.size());
  detail::ForEachProtectedRange(sample.subsamples, size, [&](size_t range, size_t length) {
    uint8_t chain[16];
    std::memcpy(chain, iv, 16);
    detail::ForEachEncryptedRun(sample.pattern, length, [&](size_t offset, size_t n) {
      uint8_t* run = data + range + offset;
      for (size_t i = 0; i < n; i += 16) {
        uint8_t cipher[16], plain[16];
        std::memcpy(cipher, run + i, 16);
        (*aes)->DecryptBlock(cipher, plain);
        for (int k = 0; k < 16; ++k) run[i + k] = plain[k] ^ chain[k];
        std::memcpy(chain, cipher, 16);
      }
    });
  });
}

}  // namespace

TEST_CASE("cbcs gathered decryption equals the block-by-block chain") {
  std::mt19937_64 rng(1009);
  const mp4::Pattern patterns[] = {{1, 9}, {2, 3}, {5, 5}, {0, 0}, {1, 0}, {9, 1}, {15, 1}, {0, 3}};
  for (int trial = 0; trial < 200; ++trial) {
    Bytes key(16);
    for (uint8_t& b : key) b = uint8_t(rng());
    auto content_key = ContentKey::Create(key);
    REQUIRE(content_key.ok());
    mp4::Sample sample;
    sample.is_protected = true;
    sample.iv.resize(trial % 2 ? 16 : 8);
    for (uint8_t& b : sample.iv) b = uint8_t(rng());
    sample.pattern = patterns[trial % 8];
    size_t size = 0;
    const int subsamples = int(rng() % 4);  // 0: full sample
    for (int i = 0; i < subsamples; ++i) {
      mp4::Subsample s;
      s.clear_bytes = uint32_t(rng() % 50);
      s.protected_bytes = uint32_t(rng() % 3 == 0 ? rng() % 20000 : rng() % 2000);
      size += s.clear_bytes + s.protected_bytes;
      sample.subsamples.push_back(s);
    }
    if (subsamples == 0) size = size_t(rng() % 12000);
    Bytes data(size);
    for (uint8_t& b : data) b = uint8_t(rng());
    Bytes want = data;
    ReferenceCbcsDecrypt(key, sample, want.data(), want.size());
    INFO("trial " << trial << " size " << size << " pattern " << int(sample.pattern.crypt) << ":"
                  << int(sample.pattern.skip));
    REQUIRE(DecryptSample(Scheme::kCbcs, *content_key, sample, data.data(), data.size()).ok());
    REQUIRE(test::ToHex(data) == test::ToHex(want));
    // And the encryption (serial, unchanged) takes it back.
    REQUIRE(EncryptSample(Scheme::kCbcs, *content_key, sample, data.data(), data.size()).ok());
    Bytes again = data;
    ReferenceCbcsDecrypt(key, sample, again.data(), again.size());
    REQUIRE(test::ToHex(again) == test::ToHex(want));
  }
}
