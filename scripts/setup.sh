#!/usr/bin/env bash
# Installs what vmtour needs from Debian's archive, only what is missing.
#   scripts/setup.sh            build tools and libraries (vmsim, vmreal, their man pages, the tests)
#   scripts/setup.sh --all      also what the packages' test needs (cpack's dpkg-shlibdeps,
#                               debootstrap), the real-kernel matrix (QEMU, i386 tools, ...), and
#                               the pictures and web page (scripts/setup-web.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

packages=(g++ cmake ninja-build libcli11-dev libfmt-dev catch2 nlohmann-json3-dev util-linux time valgrind clang libclang-rt-14-dev
  help2man man-db binutils
  librsvg2-bin  # rsvg-convert: tests/svg renders every picture
  python3-jsonschema tmux  # tests/golden: schemas, colour under a terminal
  sudo)         # the README's commands say sudo; a root-only Debian has none
# tests/install/run.sh: cpack's DEB generator (dpkg-shlibdeps needs dpkg-dev and file), a Debian root.
[ "${1:-}" = --all ] && packages+=(dpkg-dev file debootstrap zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (and what they depend on; minutes on a fresh machine)"
  # One stale index (a mirror mid-sync) need not stop us: the install below says if a package is missing.
  $sudo apt-get update -qq || echo "setup: apt-get update reported errors; trying the install anyway" >&2
  # Without Recommends: on a fresh Debian 12 they add 319 packages and 300 MB to download (gdb,
  # chromium-sandbox, numpy for emscripten, ...), none of which the builds or tests use.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = --all ]; then
  bash tests/matrix/setup.sh
  bash scripts/setup-web.sh
fi
