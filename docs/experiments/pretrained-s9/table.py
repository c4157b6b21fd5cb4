#!/usr/bin/env python3
"""Prints the Markdown table of results.md from the runs' report.json files, one column per run, with the random-weight,
raw-pixel and supervised-from-scratch baselines beside them (the baselines are the same for every run: the same
protocol, bank and test images, and the same SmallCnn at seed 42).
    python3 table.py mocov2/report.json simsiam/report.json byol/report.json"""
import json, sys

runs = [json.load(open(p)) for p in sys.argv[1:]]
pct = lambda v: f"{100 * v:.2f}%"
lpc = lambda r, n: next(e for e in r["labelEfficiency"] if e["labelsPerClass"] == n)
names = [f'{r["method"]}, {r["epochs"]} epochs' for r in runs]
print("| same protocol for all (60,000-image bank, 10,000 test images) | " + " | ".join(names)
      + " | random weights | raw pixels | supervised from scratch |")
print("|---" * (len(runs) + 4) + "|")
first = runs[0]
rows = [
    ("kNN top-1 (k = 200, cosine, T = 0.1), as they are", "knnTop1", "randomKnnTop1", "rawPixelKnnTop1", None),
    ("kNN top-1, standardised (bank mean/std)", "knnTop1Standardised", "randomKnnTop1Standardised",
     "rawPixelKnnTop1Standardised", None),
    ("linear probe top-1, all 60,000 labels", "linearTop1", "randomLinearTop1", "rawPixelLinearTop1", None),
]
for label, key, rnd, pix, _ in rows:
    print(f"| {label} | " + " | ".join(pct(r[key]) for r in runs) + f" | {pct(first[rnd])} | {pct(first[pix])} | - |")
for n in (100, 10):
    e0 = lpc(first, n)
    print(f"| linear probe top-1, {n} labels per class | " + " | ".join(pct(lpc(r, n)["linearTop1"]) for r in runs)
          + f' | {pct(e0["randomLinearTop1"])} | {pct(e0["rawPixelLinearTop1"])} | {pct(e0["supervisedTop1"])} |')
print("| training: minutes, images/s (both views) | " + " | ".join(
    f'{r["trainSeconds"] / 60:.1f} min, {r["imagesPerSecond"]:.0f}' for r in runs) + " | | | |")
