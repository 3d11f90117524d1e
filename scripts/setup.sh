#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages, mbedTLS source, npm packages.
# Every step checks first and skips what is already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

log() { printf '[setup] %s\n' "$*" >&2; }
sudo_if() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Packages: toolchain (emscripten, clang for fuzzers/sanitizers), header-only libraries,
# media tools for content generation, the browser oracle, redis for the server tests.
packages=(cmake make g++ clang libclang-rt-14-dev emscripten nlohmann-json3-dev catch2
          ffmpeg chromium redis-server dpkg-dev xz-utils ca-certificates
          # the extra engines of scripts/test-engines.sh: WebKitGTK (Safari's engine) through
          # WebKitWebDriver under Xvfb, with GStreamer's H.264/AAC decoders; Firefox ESR over BiDi
          webkit2gtk-driver xvfb xauth gstreamer1.0-plugins-base gstreamer1.0-plugins-good
          gstreamer1.0-plugins-bad gstreamer1.0-libav firefox-esr)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_if apt-get update -qq
  sudo_if env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mbedTLS 3.6 LTS source, from Debian trixie's source package. The deb-src entry reuses the
# Debian mirror this machine is already configured with; no host name lives in the repository.
mbed_dir="$root/third_party/mbedtls"
if [ ! -f "$mbed_dir/include/mbedtls/aes.h" ]; then
  mirror=$(grep -hoE '^URIs:[[:space:]]*[^[:space:]]+' /etc/apt/sources.list.d/*.sources 2>/dev/null \
             | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  if [ -z "$mirror" ]; then
    mirror=$(grep -hoE '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' /etc/apt/sources.list 2>/dev/null \
               | awk '{print $NF}' | grep -v -- '-security' | head -n1 || true)
  fi
  [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; exit 1; }
  src_list=/etc/apt/sources.list.d/wasm-eme-trixie-src.sources
  if [ ! -f "$src_list" ]; then
    log "adding deb-src trixie from $mirror"
    printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" | sudo_if tee "$src_list" >/dev/null
  fi
  sudo_if apt-get update -qq -o Dir::Etc::sourcelist="$src_list" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
  dl="$root/third_party/download"
  rm -rf "$dl"; mkdir -p "$dl"
  (cd "$dl" && apt-get source --download-only -qq mbedtls/trixie >/dev/null)
  orig=$(ls "$dl"/mbedtls_3.6*.orig.tar.* | head -n1)
  rm -rf "$mbed_dir"; mkdir -p "$mbed_dir"
  tar -xf "$orig" -C "$mbed_dir" --strip-components=1
  rm -rf "$dl"
  log "mbedTLS $(basename "$orig") unpacked"
fi

# npm packages (playwright-core drives Debian's chromium; no browser download). A symlinked
# node_modules (a git worktree sharing the main checkout's) is left alone.
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; }; then
  log "npm install"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
