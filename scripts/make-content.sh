#!/usr/bin/env bash
# make-content.sh [DIR]: regenerates the project's clear test and demo media from ffmpeg's
# synthetic sources (testsrc2 video, sine audio) into DIR (default content/clear, git-ignored).
# Each file is made only if missing; delete DIR to start over. The packager tests and the demo
# encrypt these with `wasm-eme encrypt`.
#
#   avc_aac.mp4      H.264 (1 slice) + AAC, one fragmented file, a fragment per second
#   avc_slices.mp4   H.264 with 4 slices per picture (several protected ranges per sample) + AAC
#   hevc_aac.mp4     H.265 + AAC, fragmented                  (if ffmpeg has libx265)
#   hevc_slices.mp4  H.265 640x360, 4 slices, wavefront entry points, weighted bi-prediction
#   av1.mp4          AV1 (libaom) + AAC, fragmented            (if ffmpeg has libaom-av1)
#   av1_tiles.mp4    AV1 640x360 in 2x2 tiles (libaom); av1_svt.mp4 and av1_rav1e.mp4 the same
#                    from SVT-AV1 and rav1e (if ffmpeg has them): other encoders, other tools
#   dash/            H.264 + AAC as `ffmpeg -f dash` writes it: manifest.mpd, init + segments
#   progressive.mp4  H.264 + AAC, NOT fragmented (for the error path)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/content/clear}
mkdir -p "$out"
seconds=${WEE_CONTENT_SECONDS:-4}

log() { printf '[make-content] %s\n' "$*" >&2; }
encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
have_encoder() { grep -q " $1 " <<<"$encoders"; }

# Sources: 30 fps so that a 1 s GOP is 30 frames; 48 kHz mono sine.
src=(-f lavfi -i "testsrc2=size=320x180:rate=30:duration=$seconds"
     -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds")
# Bit-exact, metadata-free output so that regenerated files are the same bytes.
common=(-hide_banner -loglevel error -y)
bitexact=(-fflags +bitexact -map_metadata -1)
aac=(-c:a aac -b:a 64k -flags:a +bitexact)
frag=(-movflags +frag_keyframe+empty_moov+default_base_moof)
x264() { echo "-c:v libx264 -preset veryfast -threads 1 -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -flags:v +bitexact -x264-params $1"; }

# make NAME ARGS...: runs ffmpeg into a temporary file and renames it, so an interrupted run
# never leaves a half-written file that later runs would take as done.
make() {
  local name=$1; shift
  [ -e "$out/$name" ] && return 0
  log "$name"
  local tmp="$out/.tmp-$name"
  rm -rf "$tmp"
  if [ "${name%/}" != "$name" ]; then  # a folder (DASH set)
    mkdir -p "$tmp"
    ffmpeg "${common[@]}" "$@" "${bitexact[@]}" "$tmp/manifest.mpd"
  else
    ffmpeg "${common[@]}" "$@" "${bitexact[@]}" -f mp4 "$tmp"
  fi
  mv "$tmp" "$out/${name%/}"
}

# shellcheck disable=SC2046
make avc_aac.mp4 "${src[@]}" $(x264 slices=1) "${aac[@]}" "${frag[@]}"
# shellcheck disable=SC2046
make avc_slices.mp4 "${src[@]}" $(x264 slices=4) "${aac[@]}" "${frag[@]}"
if have_encoder libx265; then
  make hevc_aac.mp4 "${src[@]}" -c:v libx265 -preset veryfast -pix_fmt yuv420p -tag:v hvc1 \
    -x265-params "keyint=30:min-keyint=30:scenecut=0:frame-threads=1:pools=none:log-level=error" \
    "${aac[@]}" "${frag[@]}"
  make hevc_slices.mp4 -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$seconds" \
    -c:v libx265 -preset veryfast -pix_fmt yuv420p -tag:v hvc1 \
    -x265-params "keyint=30:min-keyint=30:scenecut=0:slices=4:wpp=1:weightb=1:frame-threads=1:log-level=error" \
    "${frag[@]}"
else
  log "ffmpeg has no libx265: skipping hevc_aac.mp4 and hevc_slices.mp4"
fi
# AV1 is encoded to a plain MP4 first and then fragmented by a copy: FFmpeg writes an empty
# 'av1C' when it fragments while encoding AV1.
make_av1() {
  local name=$1; shift
  [ -e "$out/$name" ] && return 0
  make ".plain-$name" "$@" -pix_fmt yuv420p
  make "$name" -i "$out/.plain-$name" -map 0 -c copy "${frag[@]}"
  rm -f "$out/.plain-$name"
}
if have_encoder libaom-av1; then
  make_av1 av1.mp4 "${src[@]}" -c:v libaom-av1 -cpu-used 8 -row-mt 0 -threads 1 -g 30 \
    -keyint_min 30 "${aac[@]}"
  make_av1 av1_tiles.mp4 -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$seconds" \
    -c:v libaom-av1 -cpu-used 8 -row-mt 0 -threads 1 -g 30 -keyint_min 30 -tiles 2x2
else
  log "ffmpeg has no libaom-av1: skipping the AV1 content"
fi
if have_encoder libsvtav1; then
  SVT_LOG=1 make_av1 av1_svt.mp4 -f lavfi -i "testsrc2=size=640x360:rate=30:duration=2" \
    -c:v libsvtav1 -preset 12 -g 30 -svtav1-params tile-columns=1:tile-rows=1
fi
if have_encoder librav1e; then
  make_av1 av1_rav1e.mp4 -f lavfi -i "testsrc2=size=640x360:rate=30:duration=2" \
    -c:v librav1e -speed 10 -tiles 4 -g 30
fi
# shellcheck disable=SC2046
make dash/ "${src[@]}" $(x264 slices=1) "${aac[@]}" -f dash -seg_duration 1 -use_template 1 \
  -use_timeline 1 -init_seg_name 'init-$RepresentationID$.m4s' \
  -media_seg_name 'chunk-$RepresentationID$-$Number%05d$.m4s'
# shellcheck disable=SC2046
make progressive.mp4 "${src[@]}" $(x264 slices=1) "${aac[@]}"
log "done: $out"
