#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the unit, golden, vmreal, install and README
# tests in the optimised build and again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the .debs in a fresh Debian 12 (debootstrap, apt, DKMS), the web page in headless Chromium,
# then vmlab's guests (tests/lab: a command in each of the four modes, kernel trouble, the shell
# under tmux), the real-kernel matrix (Debian 12's 6.1 in four modes and 6.12 in two, under QEMU,
# booted by vmlab; both share the kernel cache) and the race of the module's walks against
# munmap in the same six guests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage's wall time, printed as it ends and all together at the end (CI's budget is 30 min).
times=()
stage_start=$SECONDS
stage() { # NAME: ends the stage before (if any) and starts NAME
  if [ -n "${stage_name:-}" ]; then
    times+=("$(printf '%6d s  %s' $((SECONDS - stage_start)) "$stage_name")")
    echo "=== $stage_name: $((SECONDS - stage_start)) s"
  fi
  stage_name=$1
  stage_start=$SECONDS
  [ "$1" = end ] || echo "=== $1"
}
trap 'stage end; printf "%s\n" "=== time per stage (total $SECONDS s):" "${times[@]}"' EXIT

stage "setup: the packages"
bash scripts/setup.sh --all

for preset in default asan; do
  stage "build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j2
  stage "ctest: $preset"
  ctest --preset "$preset" -j2
done

stage "the packages on a fresh Debian 12"
bash tests/install/run.sh build/default

stage "web page: WebAssembly build and headless Chromium"
bash tests/web/run.sh build/default

stage "vmlab: the lab's guests"
bash tests/lab/run.sh build/default

stage "real-kernel matrix"
bash tests/matrix/run.sh

stage "real-kernel race: the module's walks against munmap"
bash tests/matrix/run.sh --race
