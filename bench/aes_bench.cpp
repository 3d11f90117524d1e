// AES throughput of each backend of crypto/aes.h over the same bytes: CTR (AesCtr, one call
// over the buffer and one 16-byte call per 1:9 pattern block as 'cens' makes), CBC decryption
// (one call, and per 1:9 pattern block as 'cbcs' would without gathering). Median MB/s of
// several runs; then whole samples through cenc::DecryptSample with the build's default backend
// (video-like: 64 KB samples, one subsample of 100 clear bytes each). Built natively and with Emscripten (target bench_aes; not in `all`):
//   build/native/bench_aes
//   node build/wasm-simd/bench_aes.cjs      (-msimd128: mbedTLS and bitsliced)
//   node build/wasm/bench_aes.cjs           (scalar: mbedTLS only)
// Prints a markdown table; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cenc/scheme.h"
#include "crypto/aes.h"

using namespace wee;
using Clock = std::chrono::steady_clock;

namespace {

double MedianMBps(size_t bytes, int runs, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    int reps = 0;
    const auto start = Clock::now();
    double seconds = 0;
    do {  // each run at least 0.2 s
      fn();
      ++reps;
      seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } while (seconds < 0.2);
    rates.push_back(double(bytes) * reps / seconds / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

const char* Name(Aes::Backend backend) {
  return backend == Aes::Backend::kBitsliced ? "bitsliced" : "mbedtls";
}

}  // namespace

int main(int argc, char** argv) {
  const size_t size = argc > 1 ? size_t(std::atol(argv[1])) : size_t(4) << 20;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  std::vector<uint8_t> data(size);
  for (size_t i = 0; i < size; ++i) data[i] = uint8_t(i * 131 + 7);
  const uint8_t key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                           0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const uint8_t iv[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                          0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
#if defined(__EMSCRIPTEN__)
#if defined(__wasm_simd128__)
  const char* build = "wasm simd128";
#else
  const char* build = "wasm scalar";
#endif
#else
  const char* build = "native";
#endif
  std::printf("AES-128, %zu bytes, median of %d runs, %s build\n\n", size, runs, build);
  std::printf("| build | backend | CTR | CTR 1:9 (16 B calls) | CBC decrypt | CBC decrypt 1:9 |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (Aes::Backend backend : {Aes::Backend::kMbedtls, Aes::Backend::kBitsliced}) {
    if (!Aes::BackendAvailable(backend)) continue;
    auto enc = Aes::Create(ByteSpan(key, 16), Aes::Direction::kEncrypt, backend);
    auto dec = Aes::Create(ByteSpan(key, 16), Aes::Direction::kDecrypt, backend);
    if (!enc.ok() || !dec.ok()) return 1;
    const Aes& e = **enc;
    const Aes& d = **dec;
    const size_t pattern_bytes = size / 160 * 16;  // the encrypted tenth of a 1:9 pattern
    double ctr = MedianMBps(size, runs, [&] {
      AesCtr c(e, iv);
      c.Process(data.data(), data.data(), size);
    });
    double ctr_pattern = MedianMBps(pattern_bytes, runs, [&] {
      AesCtr c(e, iv);
      for (size_t i = 0; i + 16 <= size; i += 160) c.Process(data.data() + i, data.data() + i, 16);
    });
    double cbc = MedianMBps(size, runs, [&] {
      uint8_t chain[16];
      std::memcpy(chain, iv, 16);
      d.CbcDecrypt(chain, data.data(), data.data(), size / 16 * 16);
    });
    double cbc_pattern = MedianMBps(pattern_bytes, runs, [&] {
      uint8_t chain[16];
      std::memcpy(chain, iv, 16);
      for (size_t i = 0; i + 16 <= size; i += 160) d.CbcDecrypt(chain, data.data() + i, data.data() + i, 16);
    });
    std::printf("| %s | %s | %.1f | %.1f | %.1f | %.1f |\n", build, Name(backend), ctr, ctr_pattern,
                cbc, cbc_pattern);
  }
  std::printf("\nMB/s of encrypted bytes (the 1:9 columns count only the encrypted tenth).\n\n");

  // Whole samples, default backend: MB/s of sample bytes.
  auto content_key = cenc::ContentKey::Create(ByteSpan(key, 16));
  if (!content_key.ok()) return 1;
  const size_t sample_size = 64 * 1024;
  mp4::Sample sample;
  sample.iv.assign(iv, iv + 16);
  sample.subsamples.push_back({100, uint32_t(sample_size - 100)});
  std::printf("| build | default backend | cenc sample | cbcs 1:9 sample | cens 1:9 sample |\n");
  std::printf("|---|---|---:|---:|---:|\n");
  double rates[3];
  const cenc::Scheme schemes[3] = {cenc::Scheme::kCenc, cenc::Scheme::kCbcs, cenc::Scheme::kCens};
  for (int s = 0; s < 3; ++s) {
    sample.pattern = schemes[s] == cenc::Scheme::kCenc ? mp4::Pattern{} : mp4::Pattern{1, 9};
    if (schemes[s] == cenc::Scheme::kCens)  // cens needs whole blocks per range
      sample.subsamples[0] = {96, uint32_t((sample_size - 96) / 16 * 16)};
    const size_t used = sample.subsamples[0].clear_bytes + sample.subsamples[0].protected_bytes;
    rates[s] = MedianMBps(size / used * used, runs, [&] {
      for (size_t i = 0; i + used <= size; i += used) {
        if (!cenc::DecryptSample(schemes[s], *content_key, sample, data.data() + i, used).ok()) std::abort();
      }
    });
  }
  std::printf("| %s | %s | %.1f | %.1f | %.1f |\n", build,
              Name(content_key->decryptor().backend()), rates[0], rates[1], rates[2]);
  return 0;
}
