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
# Lessons 1 to 6 travel inside the wasm (file:// cannot fetch them).
/usr/bin/python3 "$root/web/embed_lessons.py" "$root/lessons" "$inc/lessons_data.cpp"
version=$(sed -n 's/^project(vmtour VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
# The command line, without its main() (the page runs lessons' commands through run_vmsim), as
# two unity sources: CLI11 costs ~11 s of CPU in every file that includes it (sim/CMakeLists.txt
# builds vmsim the same way).
cli=("$root"/sim/vmsim/{app,common,cmd_walk,cmd_tables,cmd_check,cmd_quiz,quiz_answers,line_reader,cmd_lesson,lesson_lab,cmd_lesson_do,lesson_progress,cmd_tlb,cmd_grade,walker_run}.cpp
  "$root"/web/web_vmsim.cpp)
half=$(((${#cli[@]} + 1) / 2))
printf '#include "%s"\n' "${cli[@]:0:half}" > "$inc/unity_cli_1.cpp"
printf '#include "%s"\n' "${cli[@]:half}" > "$inc/unity_cli_2.cpp"
# The largest sources first, so that the last ones to finish are short.
sources=(
  "$inc"/unity_cli_{1,2}.cpp
  "$root"/sim/machine/{parse,mode,physmem,walk,walk_fast,builder,machine_file,examples,tlb,tlb_invalidate,tlb_geometry,trace,cpuid_tlb}.cpp
  "$root"/sim/teach/{cost,memmap,quiz,quiz_kinds,quiz_kind_grade,grade,model_walk,grade_cases,quiz_grade,lessons,lessons_check,line_regex,lesson_answer}.cpp
  "$root"/sim/present/{render,text,svg_doc,svg_walk,svg_map,svg_tlb,quiz_text,input_words,markdown,markdown_html,tlb_render,cli_text}.cpp
  "$root"/formats/{report,report_parse}.cpp
  "$root"/web/{vmtour_web,web_lessons}.cpp "$inc/lessons_data.cpp"
  # fmt's implementation, compiled once rather than in every file (FMT_HEADER_ONLY).
  "$root"/cmake/fmt-once/fmt.cpp
)
ln -s /usr/include/CLI "$inc/CLI"
flags=(-std=c++20 -O2 -fexceptions -DNDEBUG -DVMTOUR_VERSION="\"$version\""
  -include "$inc/no_page_size.h" -I"$inc" -I"$root/sim/machine" -I"$root/sim/teach" -I"$root/sim/present"
  -I"$root/sim/vmsim" -I"$root/formats" -I"$root/web")
# One object per source, two at a time, through ccache when there is one (it caches em++ too).
obj="$inc/obj"
mkdir -p "$obj"
cxx=(em++)
command -v ccache >/dev/null && cxx=(ccache em++)
compile() { "${cxx[@]}" "${flags[@]}" -c "$1" -o "$obj/$(basename "$1" .cpp).o"; }
running=() failed=0
for src in "${sources[@]}"; do
  compile "$src" &
  running+=($!)
  if ((${#running[@]} >= 2)); then
    wait "${running[0]}" || failed=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
((failed == 0)) || { echo "web/build.sh: compiling failed" >&2; exit 1; }
# The link optimises the whole wasm again (binaryen); VMTOUR_WEB_LINK_OPT=-Os trades speed for size.
em++ "${flags[@]}" ${VMTOUR_WEB_LINK_OPT:-} "$obj"/*.o -o "$out/vmtour.js" \
  -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=VmtourModule -sENVIRONMENT=web \
  -sEXPORTED_FUNCTIONS=_vmtour_call -sEXPORTED_RUNTIME_METHODS=ccall \
  -sALLOW_MEMORY_GROWTH=1
echo "web/build.sh: $out/vmtour.js ($(stat -c %s "$out/vmtour.js") bytes, $(gzip -9c "$out/vmtour.js" | wc -c) gzipped)"
