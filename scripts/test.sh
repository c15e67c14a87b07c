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
trap 'stage end; printf "%s\n" "=== time per stage (total $SECONDS s):" "${times[@]}"; stop_background' EXIT

# Work that needs only the network and the sources runs in the background while the builds
# compile; each job's output goes to its log in build/background, shown only if it fails. Each
# runs in its own session (setsid), so that a run that stops early can end it whole: what it
# writes into the caches is renamed into place when complete, so nothing is left half-written.
declare -A bg_pid bg_start
background() { # NAME COMMAND...: starts COMMAND in the background
  local name=$1 log=build/background/$1.log
  shift
  mkdir -p build/background
  rm -f "$log.seconds"
  bg_start[$name]=$SECONDS
  # The job's own time (a new bash's SECONDS) goes to LOG.seconds when it ends.
  setsid bash -c '"${@:2}"; rc=$?; echo "$SECONDS" >"$1"; exit $rc' "$name" "$log.seconds" "$@" \
    >"$log" 2>&1 </dev/null &
  bg_pid[$name]=$!
  echo "=== background: $name (log: $log)"
}
await() { # NAME: waits for it; if it failed, the tail of its log, and the run stops
  local name=$1 log=build/background/$1.log waited=$SECONDS rc=0
  wait "${bg_pid[$name]}" || rc=$?
  unset "bg_pid[$name]"
  echo "=== background: $name took $(cat "$log.seconds" 2>/dev/null || echo '?') s," \
    "started $((waited - bg_start[$name])) s ago, waited $((SECONDS - waited)) s; exit $rc"
  if [ "$rc" != 0 ]; then
    tail -n 20 "$log" | sed 's/^/    /'
    echo "=== FAIL: background job $name (exit $rc; whole log: $log)"
    exit 1
  fi
}
stop_background() {
  local pid
  for pid in "${bg_pid[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
}

stage "setup: the packages"
bash scripts/setup.sh --all
# The kernels of vmlab's guests and the matrix (lab/fetch.sh), and the install test's Debian
# root (tests/install/root.sh): downloads, hundreds of MB.
background kernels bash lab/fetch.sh
background debian-root bash tests/install/root.sh

for preset in default asan; do
  stage "build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j2
  stage "ctest: $preset"
  ctest --preset "$preset" -j2
done

stage "the packages on a fresh Debian 12"
await kernels
await debian-root
bash tests/install/run.sh build/default

stage "web page: WebAssembly build and headless Chromium"
bash tests/web/run.sh build/default

stage "vmlab: the lab's guests"
bash tests/lab/run.sh build/default

stage "real-kernel matrix"
bash tests/matrix/run.sh

stage "real-kernel race: the module's walks against munmap"
bash tests/matrix/run.sh --race
