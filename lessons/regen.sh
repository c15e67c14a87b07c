#!/usr/bin/env bash
# Regenerates every checked expected output: the lessons' (lessons/NN-*/expected/ID.out, from
# `vmsim lesson check N --update`) and the quiz's golden files (tests/quiz/expected/).
# Usage: bash lessons/regen.sh BUILD_DIR   (e.g. build/default). Then review: git diff lessons tests/quiz
# Machine-dependent exercises (vmreal, the module) have no expected files: they are checked by
# patterns and invariants, so nothing here depends on this machine's physical addresses.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: regen.sh BUILD_DIR}" && pwd)
vmsim=$build/vmsim
[ -x "$vmsim" ] || { echo "regen: $vmsim is not built" >&2; exit 2; }
status=0
for dir in "$here"/[0-9][0-9]-*/; do
	n=$(basename "$dir" | cut -c1-2)
	"$vmsim" lesson check "$((10#$n))" --update --recorded --dir "$here" || status=1
done
bash "$here/../tests/golden/run.sh" "$build" --update "$here/../tests/quiz" || status=1
echo "regen: done; review with: git diff lessons tests/quiz"
exit $status
