#!/usr/bin/env bash
# SVG tests: for every case in tests/svg/cases.txt, vmsim draws NAME.svg (and tlb_curve_sample
# draws tlb-curve.svg, vmreal tlb's curve from fixed points); the picture must be
# well-formed XML (a real parser), equal its golden copy in expected/, and render (rsvg-convert)
# to a PNG that is not empty. The PNGs stay in BUILD_DIR/svg-artifacts to be looked at.
# Usage: run.sh BUILD_DIR [--update]   (--update rewrites expected/ and docs/blog-walk.svg)
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR [--update]}" && pwd)
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "svg: $vmsim is not built" >&2; exit 2; }
out="$build/svg-artifacts"
rm -rf "$out" && mkdir -p "$out"
fail=0 pass=0
cd "$here/../.." || exit 2  # the cases name files from the top of the tree (lessons/...)
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086  # the arguments are words
  "$vmsim" $args --svg "$out/$name.svg" >/dev/null 2>&1
  rc=$?
  if [ ! -s "$out/$name.svg" ] || [ "$rc" -gt 1 ]; then
    echo "FAIL $name: vmsim $args --svg wrote no picture (exit $rc)"; fail=$((fail + 1)); continue
  fi
  [ -e "$out/$name.svg.tmp" ] && { echo "FAIL $name: the temporary file was left behind"; fail=$((fail + 1)); }
  if [ "$update" = --update ]; then cp "$out/$name.svg" "$here/expected/$name.svg"; continue; fi
  if ! cmp -s "$here/expected/$name.svg" "$out/$name.svg"; then
    echo "FAIL $name: differs from tests/svg/expected/$name.svg (rerun with --update and review)"
    diff -u "$here/expected/$name.svg" "$out/$name.svg" | head -20
    fail=$((fail + 1)); continue
  fi
  pass=$((pass + 1))
done < "$here/cases.txt"
# vmreal tlb's curve from fixed made-up points (tests/svg/tlb_curve_sample.cpp): a golden copy too.
sample="$build/tests/svg/tlb_curve_sample"
if [ ! -x "$sample" ] || ! "$sample" > "$out/tlb-curve.svg"; then
  echo "FAIL tlb-curve: $sample did not draw"; fail=$((fail + 1))
elif [ "$update" = --update ]; then
  cp "$out/tlb-curve.svg" "$here/expected/tlb-curve.svg"
elif ! cmp -s "$here/expected/tlb-curve.svg" "$out/tlb-curve.svg"; then
  echo "FAIL tlb-curve: differs from tests/svg/expected/tlb-curve.svg (rerun with --update and review)"
  diff -u "$here/expected/tlb-curve.svg" "$out/tlb-curve.svg" | head -20
  fail=$((fail + 1))
else
  pass=$((pass + 1))
fi
if [ "$update" = --update ]; then
  cp "$here/expected/blog-2level.svg" "$here/../../docs/blog-walk.svg"
  echo "svg: expected pictures and docs/blog-walk.svg rewritten; look at them, then git diff tests/svg docs"
  exit 0
fi
# vmreal --svg on this machine's real frames: invariants, not golden copies (tests/svg/vmreal.py).
if [ -x "$build/real/vmreal" ]; then
  python3 "$here/vmreal.py" "$build/real/vmreal" "$out" || fail=$((fail + 1))
else
  echo "FAIL: $build/real/vmreal is not built"; fail=$((fail + 1))
fi
python3 "$here/check_svg.py" xml "$out"/*.svg || fail=$((fail + 1))
if command -v rsvg-convert >/dev/null; then
  for f in "$out"/*.svg; do rsvg-convert "$f" -o "${f%.svg}.png" || { echo "FAIL: rsvg-convert $f"; fail=$((fail + 1)); }; done
  # A walk or a map covers well over 3% of a white slide; a broken picture (only the background) covers ~0.
  python3 "$here/check_svg.py" png 3 "$out"/*.png >/dev/null || fail=$((fail + 1))
else
  echo "FAIL: rsvg-convert is missing (apt install librsvg2-bin; scripts/setup.sh installs it)"; fail=$((fail + 1))
fi
# The checks must be able to fail: a broken document and a blank picture are refused.
printf '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>x</text>' > "$out/broken.svg.bad"
python3 "$here/check_svg.py" xml "$out/broken.svg.bad" 2>/dev/null && { echo "FAIL: malformed XML passed the check"; fail=$((fail + 1)); }
if command -v rsvg-convert >/dev/null; then
  printf '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#fff"/></svg>' \
    | rsvg-convert -o "$out/blank.png.bad"
  python3 "$here/check_svg.py" png 3 "$out/blank.png.bad" >/dev/null 2>&1 && { echo "FAIL: a blank PNG passed the check"; fail=$((fail + 1)); }
fi
echo "svg: $pass pictures equal their golden copies, $fail failures; PNGs in $out"
[ "$fail" -eq 0 ]
