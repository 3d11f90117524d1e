#!/usr/bin/env bash
# Builds the wasm module into dist/ (after the idempotent set-up).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
# Debian's emscripten runs its JS optimizer with the system node, which needs Debian's acorn.
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc)
if [ ! -f build/wasm/CMakeCache.txt ]; then
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/wasm -j"$jobs" --target wasm_eme
mkdir -p dist
for f in wasm_eme.mjs wasm_eme.wasm; do
  cmp -s "build/wasm/$f" "dist/$f" || cp "build/wasm/$f" "dist/$f"
done
