// AES throughput of each backend of crypto/aes.h over the same bytes: CTR (AesCtr, one call
// over the buffer and one 16-byte call per 1:9 pattern block as 'cens' makes), CBC decryption
// (one call, and per 1:9 pattern block as 'cbcs' would without gathering). Median MB/s of
// several runs. Built natively and with Emscripten (target bench_aes; not in `all`):
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
  std::printf("\nMB/s of encrypted bytes (the 1:9 columns count only the encrypted tenth).\n");
  return 0;
}
