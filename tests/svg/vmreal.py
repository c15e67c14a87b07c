#!/usr/bin/env python3
"""vmreal --svg: real runs on this machine, so the frames differ every time; the pictures are
checked for what must hold whatever the frames are (the counts in the <g id="frames"> data
attributes against vmreal's own report, and the verdict's words), then rendered by run.sh.
Usage: vmreal.py VMREAL OUT_DIR"""
import os
import re
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


def tlb(name, args):
    """vmreal tlb --svg: the picture's counts against the table and the knees the text printed."""
    path = f"{out}/{name}.svg"
    r = subprocess.run([vmreal, "tlb", *args, "--svg", path], capture_output=True, text=True)
    check(r.returncode == 0, f"{name}: vmreal tlb {' '.join(args)} --svg ran (exit {r.returncode}) {r.stderr.strip()}")
    check(not os.path.exists(path + ".tmp"), f"{name}: no temporary file left")
    lines = r.stdout.splitlines()
    check(not [l for l in lines if l.endswith(" ")], f"{name}: no line of the text ends in a space")
    rows = [l.split() for l in lines if re.match(r"^ +\d+ +\d+[KMG]? +[\d.]+ ", l)]
    section, knees = None, {"4k": [], "thp": []}
    for l in lines:
        if l.startswith("knees, 4K"):
            section = "4k"
        elif l.startswith("knees, THP"):
            section = "thp"
        elif not l.strip():
            section = None
        if section and "after " in l:
            knees[section].append(int(re.search(r"after (\d+) pages", l).group(1)))
    root = ET.parse(path).getroot()
    g = next(g for g in root.iter(SVG + "g") if g.get("id") == "tlb-curve")
    marks = {m.get("data-series"): m for m in g.iter(SVG + "g") if m.get("class") == "marks"}
    labels = [t.text for t in g.iter(SVG + "text") if t.get("class") == "knee"]
    words = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    thp_rows = sum(row[3] != "-" for row in rows)
    check(rows and int(g.get("data-points")) == len(rows) == int(g.get("data-points-4k")),
          f"{name}: a 4K point per row printed ({g.get('data-points-4k')} of {len(rows)})")
    check(len(marks["4k"].findall(SVG + "circle")) == len(rows), f"{name}: as many 4K marks drawn")
    check(int(g.get("data-points-thp")) == thp_rows, f"{name}: a THP point per THP value printed ({thp_rows})")
    check(len(marks["thp"].findall(SVG + "rect")) == thp_rows if thp_rows else "thp" not in marks,
          f"{name}: as many THP marks drawn")
    check(int(g.get("data-knees-4k")) == len(knees["4k"]) and int(g.get("data-knees-thp")) == len(knees["thp"]),
          f"{name}: the knees printed are drawn ({knees})")
    drawn = [(l.split()[0], int(l.split()[2])) for l in labels]
    check(drawn == [("4K", n) for n in knees["4k"]] + [("THP", n) for n in knees["thp"]],
          f"{name}: each knee labelled at its N ({drawn})")
    check(("hypervisor" in r.stdout) == ("hypervisor" in words), f"{name}: the hypervisor said in both or neither")


tlb("vmreal-tlb", ["--min", "4", "--max", "64", "--reps", "1", "--steps", "20000"])
tlb("vmreal-tlb-nothp", ["--min", "4", "--max", "64", "--reps", "1", "--steps", "20000", "--no-thp"])
sys.exit(1 if failures else 0)
