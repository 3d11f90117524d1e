#!/usr/bin/env bash
# Runs every libFuzzer target in build/fuzz for SECONDS (default 10), seeded from
# tests/fuzz/seeds.sh. Longer runs: bash scripts/fuzz.sh 3600
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-10}
shopt -s nullglob
for fuzzer in build/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer")
  corpus="build/fuzz/corpus/$name"
  mkdir -p "$corpus"
  bash tests/fuzz/seeds.sh "$name" "$corpus"
  echo "fuzzing $name for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" 2>&1 \
    | grep -E 'ERROR|SUMMARY|Done [0-9]+ runs' || true
  # libFuzzer writes crash-* files into the working directory on failure.
  if compgen -G "crash-*" >/dev/null || compgen -G "leak-*" >/dev/null || compgen -G "oom-*" >/dev/null; then
    echo "fuzzer $name found a crash: $(ls crash-* leak-* oom-* 2>/dev/null)"; exit 1
  fi
done
