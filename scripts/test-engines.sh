#!/usr/bin/env bash
# Browser tests in the engines beside Chromium (the last step of npm test): WebKitGTK (Safari's
# engine; Debian's build has no EME) and Firefox ESR (native Clear Key). Only the files that
# support an engine (missingPrerequisite({engines})) run there; prints each engine's counts.
#   bash scripts/test-engines.sh [webkitgtk] [firefox]     (default: both)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(webkitgtk firefox)
files=(tests/browser/polyfill_playback.test.js)
status=0
summary=()
for engine in "${engines[@]}"; do
  printf '\n=== browser tests in %s ===\n' "$engine"
  start=$(date +%s)
  log=$(mktemp)
  WEE_ENGINE=$engine node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  counts=$(grep -E '^ℹ (pass|fail|skipped) ' "$log" | awk '{printf "%s %s  ", $2, $3}')
  summary+=("$engine: ${counts}($(( $(date +%s) - start )) s)")
  rm -f "$log"
done
printf '\n'
printf '%s\n' "${summary[@]}"
exit $status
