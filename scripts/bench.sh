#!/usr/bin/env bash
# npm run bench: prints the performance tables recorded in the README (Markdown). Asserts
# nothing. The content is made once under build/bench/ (bench/content.js). WEE_BENCH_RUNS
# (default 5) sets the runs per median, WEE_BENCH_CAP_S (default 60) the cap of a scaling run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build.sh >/dev/null
export NODE_PATH=/usr/share/nodejs
start=$(date +%s)
printf '## Machine\n\n'
node bench/machine.js start
printf '\nFigures from a shared or loaded machine (see the load average) are only indicative.\n'
printf '\n## Module sizes\n\n'
node bench/sizes.js
printf '\n## Decrypt in Node: the CLI and the StreamDecryptor vs OpenSSL\n\n'
node bench/decrypt.js
printf '\n## Scaling with the number of fragments (wasm-eme decrypt)\n\n'
node bench/scaling.js
printf '\n## Polyfill in headless Chromium\n\n'
node tests/browser/bench.js
printf '\n## License server and proxy on loopback\n\n'
node scripts/bench-server.js
node bench/machine.js end
printf 'Whole bench: %s s\n' $(( $(date +%s) - start ))
