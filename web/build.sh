#!/usr/bin/env bash
# Builds web/dist/vmtour.js: the simulator library (sim/machine, the cost and map of sim/teach,
# sim/present's text, JSON and SVG) and web/vmtour_web.cpp, compiled to WebAssembly with Debian's
# emscripten and embedded in one JS file (-sSINGLE_FILE=1), so the page works from a web server
# or straight from the files (file:// cannot fetch a separate .wasm), and Node 20's fetch of
# local files is never involved.
# Usage: web/build.sh [OUT_DIR]   (default web/dist; the page loads dist/vmtour.js)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/web/dist}
command -v em++ >/dev/null || { echo "web/build.sh: em++ is missing (apt install emscripten; scripts/setup.sh --all)" >&2; exit 2; }
mkdir -p "$out"
# Only the header-only libraries, never the host's whole /usr/include (its glibc headers would
# shadow emscripten's own libc).
inc=$(mktemp -d)
trap 'rm -rf "$inc"' EXIT
ln -s /usr/include/fmt "$inc/fmt"
ln -s /usr/include/nlohmann "$inc/nlohmann"
# Emscripten's musl <limits.h> defines a PAGE_SIZE macro (its 64 KiB wasm page), which would
# rewrite bits::PAGE_SIZE; read the header once first and drop the macro.
printf '#include <limits.h>\n#undef PAGE_SIZE\n' > "$inc/no_page_size.h"
# Debian's emscripten runs its JS optimizer with the system's Node modules.
export NODE_PATH=/usr/share/nodejs
sources=(
  "$root"/sim/machine/{parse,mode,physmem,walk,walk_fast,builder,machine_file,examples}.cpp
  "$root"/sim/teach/{cost,memmap}.cpp
  "$root"/sim/present/{render,text,svg_doc,svg_walk,svg_map}.cpp
  "$root"/web/vmtour_web.cpp
)
em++ -std=c++20 -O2 -fexceptions -DFMT_HEADER_ONLY=1 -DNDEBUG \
  -include "$inc/no_page_size.h" -I"$inc" -I"$root/sim/machine" -I"$root/sim/teach" -I"$root/sim/present" \
  "${sources[@]}" -o "$out/vmtour.js" \
  -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=VmtourModule -sENVIRONMENT=web \
  -sEXPORTED_FUNCTIONS=_vmtour_call -sEXPORTED_RUNTIME_METHODS=ccall \
  -sALLOW_MEMORY_GROWTH=1
echo "web/build.sh: $out/vmtour.js ($(stat -c %s "$out/vmtour.js") bytes, $(gzip -9c "$out/vmtour.js" | wc -c) gzipped)"
