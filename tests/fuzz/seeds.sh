#!/usr/bin/env bash
# seeds.sh FUZZER CORPUS_DIR: copies seed inputs for a fuzzer (from ../shared/testdata,
# content/clear and tests/fuzz/seeds/<fuzzer>/) into its corpus folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
name=$1
corpus=$2
testdata="$root/../shared/testdata"
case "$name" in
  mp4_*|packager_split_fuzzer|cenc_stream_fuzzer) [ -d "$testdata" ] && find "$testdata" -name '*.mp4' -o -name '*.m4s' -o -name '*.m4v' -o -name '*.m4i' -o -name '*.cmfv' \
      | while read -r f; do cp -n "$f" "$corpus/" 2>/dev/null || true; done ;;
esac
# AV1: the first temporal units of the generated AV1 content (scripts/make-content.sh), as the
# low-overhead bitstream the fuzzer reads.
if [ "$name" = packager_av1_fuzzer ]; then
  for f in "$root"/content/clear/av1*.mp4; do
    [ -f "$f" ] || continue
    ffmpeg -v error -y -i "$f" -map 0:v -c copy -frames:v 12 -f obu "$corpus/$(basename "$f" .mp4).obu" || true
  done
fi
if [ -d "$root/tests/fuzz/seeds/$name" ]; then
  cp -n "$root/tests/fuzz/seeds/$name/"* "$corpus/" 2>/dev/null || true
fi
