#!/usr/bin/env bash
# The web page's tests: builds the WebAssembly (web/build.sh into BUILD_DIR/web/dist, with the
# page's files beside it) and runs tests/web/test_page.py in headless Chromium. Prints the build
# time, the wasm's size (raw and gzip) and the page's load time.
# Usage: tests/web/run.sh [BUILD_DIR]   (default build/default; its vmsim, if built, is used to
# check that the page's error messages are the command line's)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(mkdir -p "${1:-$root/build/default}" && cd "${1:-$root/build/default}" && pwd)
site="$build/web"
rm -rf "$site" && mkdir -p "$site/dist"
cp "$root"/web/index.html "$root"/web/{app,quiz,lessons}.js "$root"/web/style.css "$site/"
start=$(date +%s.%N)
bash "$root/web/build.sh" "$site/dist"
end=$(date +%s.%N)
# The wasm travels as base64 inside vmtour.js (-sSINGLE_FILE=1): decode it to measure it.
/usr/bin/python3 - "$site/dist/vmtour.js" <<'PY'
import base64, gzip, re, sys
js = open(sys.argv[1]).read()
m = re.search(r'data:application/octet-stream;base64,([A-Za-z0-9+/=]+)', js)
wasm = base64.b64decode(m.group(1)) if m else b""
gz = lambda b: len(gzip.compress(b, 9))
print(f"web: wasm {len(wasm)} bytes raw, {gz(wasm)} gzip; vmtour.js (glue + base64 wasm) "
      f"{len(js)} bytes raw, {gz(js.encode())} gzip")
PY
echo "web: emscripten build took $(printf '%.1f' "$(echo "$end - $start" | bc)") s"
vmsim=()
[ -x "$build/vmsim" ] && vmsim=("$build/vmsim")
/usr/bin/python3 "$root/tests/web/test_page.py" "$site" "$build/web-artifacts" "${vmsim[@]}"
