#!/usr/bin/env bash
# npm run bench: prints the performance tables recorded in the README. Asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build.sh >/dev/null
export NODE_PATH=/usr/share/nodejs
printf '\n## Decrypt throughput in Node (wasm) vs OpenSSL\n'
node bench/decrypt.js
printf '\n## Polyfill in headless Chromium\n'
node tests/browser/bench.js
printf '\n## License server and proxy on loopback\n'
node scripts/bench-server.js
