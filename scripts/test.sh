#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the unit, golden, vmreal, install and README
# tests in the optimised build and again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the .debs in a fresh Debian 12 (debootstrap, apt, DKMS), the web page in headless Chromium,
# then vmlab's guests (tests/lab: a command in each of the four modes, kernel trouble, the shell
# under tmux) and the real-kernel matrix (Debian 12's 6.1 in four modes and 6.12 in two, under QEMU, booted by vmlab; both
# share the kernel cache).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --all

for preset in default asan; do
  echo "=== build and test: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j2
  ctest --preset "$preset" -j2
done

echo "=== the packages on a fresh Debian 12"
bash tests/install/run.sh build/default

echo "=== web page: WebAssembly build and headless Chromium"
bash tests/web/run.sh build/default

echo "=== vmlab: the lab's guests"
bash tests/lab/run.sh build/default

echo "=== real-kernel matrix"
bash tests/matrix/run.sh
