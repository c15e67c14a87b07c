#!/usr/bin/env python3
"""vmreal --svg: real runs on this machine, so the frames differ every time; the pictures are
checked for what must hold whatever the frames are (the counts in the <g id="frames"> data
attributes against vmreal's own report, and the verdict's words), then rendered by run.sh.
Usage: vmreal.py VMREAL OUT_DIR"""
import subprocess
import sys
import xml.etree.ElementTree as ET

vmreal, out = sys.argv[1], sys.argv[2]
SVG = "{http://www.w3.org/2000/svg}"
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond


def draw(name, args):
    """Runs vmreal with --svg and returns (frames attributes, all text, the report's PAs)."""
    path = f"{out}/{name}.svg"
    r = subprocess.run([vmreal, *args, "-q", "--svg", path], capture_output=True, text=True)
    check(r.returncode in (0, 3), f"{name}: vmreal {' '.join(args)} --svg ran (exit {r.returncode}) {r.stderr.strip()}")
    root = ET.parse(path).getroot()
    frames = next(g for g in root.iter(SVG + "g") if g.get("id") == "frames")
    words = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    pas = [line.split("PA=")[1] for line in r.stdout.splitlines() if "PA=" in line]
    return {k.removeprefix("data-"): int(v) for k, v in frames.attrib.items() if k.startswith("data-")}, words, pas


f, words, pas = draw("vmreal-4k", ["-b", "4K", "-m", "4M"])
known = sum(pa.startswith("0x") for pa in pas)
check(f["pages"] == 1024 == len(pas), f"4K: 1024 pages drawn ({f['pages']})")
check(f["known"] == known, f"4K: as many frames as the report has ({f['known']} vs {known})")
if known:
    # Separate 4K blocks: the allocator hands out pages one by one, never 2 MiB-aligned runs of 512.
    check(f["huge-pages"] == 0 and 1 <= f["runs"] <= 1024, f"4K: no huge pages, {f['runs']} runs")
    check(("scattered" in words) or ("contiguous" in words), "4K: the verdict in words")
else:
    check("hid them" in words, "without root: the picture says the kernel hid the frames")

f, words, pas = draw("vmreal-1g-thp", ["-b", "1G", "-m", "8M", "--thp", "on"])
check(f["pages"] == 2048, f"1G 8M: 2048 pages ({f['pages']})")
check(f["huge-pages"] % 512 == 0 and f["huge-pages"] <= f["known"], f"huge pages come in 512s ({f['huge-pages']})")
if f["known"]:
    check(f["longest"] >= 1 and f["runs"] <= f["known"], "runs and the longest run are consistent")
f, words, pas = draw("vmreal-1g-nothp", ["-b", "1G", "-m", "8M", "--thp", "off"])
check(f["huge-pages"] == 0, f"--thp off: no huge pages ({f['huge-pages']})")
sys.exit(1 if failures else 0)
