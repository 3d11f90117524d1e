#!/usr/bin/env bash
# npm run demo [-- OPTIONS]: everything the demo needs on a fresh Debian machine, then the demo.
#   1. scripts/build.sh: set-up (apt packages, mbedTLS source, npm install) and the wasm module
#      into dist/; each step skips what is done, so a second run takes seconds;
#   2. demo/make_content.js: protected DASH and HLS made by `wasm-eme encrypt` from ffmpeg's
#      synthetic sources into content/demo/ (once);
#   3. demo/main.js: one local server (page, content, license server and proxy); prints the URL.
# Options go to demo/main.js: --port N, --host ADDRESS, --check (play everything in headless
# Chromium, screenshots into build/demo-check/, exit status), --verbose. No internet is needed
# once the set-up has run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then exec node demo/main.js --help; fi
done
printf '[demo] set-up and build (scripts/build.sh)\n' >&2
bash scripts/build.sh >&2
printf '[demo] content (demo/make_content.js)\n' >&2
node demo/make_content.js
exec node demo/main.js "$@"
