#!/usr/bin/env python3
"""Every line of every golden text output fits 80 columns.

Usage: width.py FILE_OR_DIR...  Prints FILE:LINE: N columns for each line wider than 80 (display
width: UTF-8 code points, ANSI colour sequences not counted) and exits 1 if there is any.
JSON outputs (a golden whose output starts with '{' or '[') are data for programs, not text, and
are left out. So are error lines about a file ("vmsim: FILE[:LINE]: reason"): they quote
the user's file name and text, and stay one line so that editors and scripts can jump to FILE:LINE."""
import pathlib
import re
import sys

CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
FILE_ERROR = re.compile(r"^[a-z]+: [^ :]+(:[0-9]+)?: ")


def width(line: str) -> int:
    return len(CSI.sub("", line))


def files(args):
    for a in args:
        p = pathlib.Path(a)
        if p.is_dir():
            yield from sorted(p.rglob("*.out"))
        else:
            yield p


bad = 0
checked = 0
for f in files(sys.argv[1:]):
    text = f.read_text(encoding="utf-8")
    if text.lstrip().startswith(("{", "[")):
        continue
    checked += 1
    for n, line in enumerate(text.splitlines(), 1):
        if width(line) > 80 and not FILE_ERROR.match(line):
            print(f"{f}:{n}: {width(line)} columns: {line[:60]}...")
            bad += 1
print(f"width: {checked} text outputs checked, {bad} lines wider than 80 columns")
sys.exit(1 if bad or not checked else 0)
