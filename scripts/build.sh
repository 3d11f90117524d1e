#!/usr/bin/env bash
# Builds the wasm modules into dist/ (after the idempotent set-up): from build/wasm the Node
# module (wasm_eme) and the scalar browser module (wasm_eme_web), from build/wasm-simd the
# browser module's SIMD variant (wasm_eme_web_simd).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
# Debian's emscripten runs its JS optimizer with the system node, which needs Debian's acorn.
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc)
configure() {  # build dir, cmake options...
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  fi
}
configure build/wasm
configure build/wasm-simd -DWEE_WASM_SIMD=ON
cmake --build build/wasm -j"$jobs" --target wasm_eme wasm_eme_web
cmake --build build/wasm-simd -j"$jobs" --target wasm_eme_web
mkdir -p dist
for f in wasm/wasm_eme wasm/wasm_eme_web wasm-simd/wasm_eme_web_simd; do
  for ext in mjs wasm; do
    out="dist/$(basename "$f").$ext"
    cmp -s "build/$f.$ext" "$out" || cp "build/$f.$ext" "$out"
  done
done
