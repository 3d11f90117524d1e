#!/usr/bin/env bash
# npm test: every test of the project, from a fresh machine.
#   native unit tests under ASan+UBSan, the same tests compiled to wasm (scalar and SIMD) and run in Node,
#   libFuzzer smoke runs, Node tests of the JS layer and CLI, browser tests in headless Chromium,
#   then the files ported to the other engines (WebKitGTK, Firefox ESR; scripts/test-engines.sh).
# WEE_FUZZ_SECONDS (default 10) sets the smoke time per fuzzer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc)
step() { printf '\n=== %s ===\n' "$*"; }

step "build"
bash scripts/build.sh

step "test content (ffmpeg's synthetic sources; also seeds the AV1 fuzzer)"
bash scripts/make-content.sh

step "native unit tests (ASan + UBSan)"
if [ ! -f build/asan/CMakeCache.txt ]; then
  cmake -S . -B build/asan -DWEE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build build/asan -j"$jobs"
ctest --test-dir build/asan --output-on-failure

step "unit tests compiled to wasm, in Node"
cmake --build build/wasm -j"$jobs"
ctest --test-dir build/wasm --output-on-failure

step "unit tests compiled to wasm with SIMD128 (the browser module's SIMD variant), in Node"
cmake --build build/wasm-simd -j"$jobs"
ctest --test-dir build/wasm-simd --output-on-failure

step "fuzzer smoke runs (libFuzzer)"
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build/fuzz -DWEE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build/fuzz -j"$jobs"
bash scripts/fuzz.sh "${WEE_FUZZ_SECONDS:-10}"

step "JS and CLI tests (node:test)"
node --test tests/js/

step "browser tests (headless Chromium)"
if compgen -G "tests/browser/*.test.js" >/dev/null; then
  node --test --test-concurrency=1 tests/browser/
fi

step "browser tests in WebKitGTK and Firefox ESR"
bash scripts/test-engines.sh
