#!/usr/bin/env python3
"""The side-by-side table of one or more scripts/compare-peer.sh output folders.

    python3 scripts/compare_table.py docs/bench/compare-small-cnn-s21-warm20 [more folders of the same set-up ...]

Every folder holds rounds peer-R.json, peer-tuned-R.json (with --tuned-peer) and ours-R.json, R = 1, 2, ...; the
rounds of all folders are pooled. Each ratio is ours / peer of the same round (our run right after the peer's), and
the interval is the 95% Student-t interval of the mean of the per-round ratios: a target counts as met when the
interval's lower end is above it, and as missed when its upper end is below it.
"""
import json
import os
import statistics
import sys

# Student's t, two-sided 95%, by degrees of freedom
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086,
        25: 2.060, 30: 2.042}


def t975(df):
    if df in T975:
        return T975[df]
    smaller = [d for d in T975 if d <= df]
    return T975[max(smaller)] if df <= 30 else 1.96


def rounds_of(folder):
    """[(peer rows, tuned peer rows or None, our results)] by method, one per round, in round order."""
    rounds = []
    r = 1
    while os.path.exists(f"{folder}/ours-{r}.json"):
        def peer(name):
            path = f"{folder}/{name}-{r}.json"
            if not os.path.exists(path):
                return None
            return {row["method"]: row for row in json.load(open(path))["rows"] if "method" in row}
        ours = {res["method"]: res for res in json.load(open(f"{folder}/ours-{r}.json"))["results"]}
        rounds.append((peer("peer"), peer("peer-tuned"), ours))
        r += 1
    if not rounds:
        sys.exit(f"{folder}: no ours-1.json; give folders written by scripts/compare-peer.sh")
    return rounds


def interval(values):
    """Mean and the half-width of its 95% t interval (None for one value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, t975(len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5


def mean_cell(values):
    mean, half = interval(values)
    return f"**{mean:.2f}**" + ("" if half is None else f" ({mean - half:.2f}-{mean + half:.2f})")


def main(folders):
    rounds = [rnd for folder in folders for rnd in rounds_of(folder)]
    tuned = all(t is not None for _, t, _ in rounds)
    first_ours = next(iter(rounds[0][2].values()))
    first_peer = next(iter(rounds[0][0].values()))
    methods = [m for m in rounds[0][2] if all(m in p and m in o for p, _, o in rounds)]
    n = len(rounds)
    print(f"{first_ours['backbone']}, batch {first_ours['batchPairs']} pairs, {n} rounds from {', '.join(folders)};")
    print(f"peer: {first_peer.get('warmup', '?')} warm-up + {first_peer.get('iters', '?')} timed steps; ours: "
          f"{first_ours.get('warmup', '?')} warm-up + {first_ours['iterations']} timed steps.")
    print("images/s (both views) per round, peer = PyTorch reference (mean of its steps); ratio = ours / peer of the")
    print("same round, mean (95% t interval of the mean); ceiling = GFLOP/s of the step / this run's matrix-product")
    print("ceiling (the peer's estimated with our FLOP count)\n")
    extra_head = " tuned peer images/s | ratio to tuned per round | mean ratio to tuned |" if tuned else ""
    print("| method | peer images/s | ours images/s | ratio per round | mean ratio | ceiling ours | ceiling peer |"
          + extra_head)
    print("|---|---|---|---|---|---|---|" + ("---|---|---|" if tuned else ""))

    def fmt(xs, f):
        return " / ".join(f % x for x in xs)

    for m in methods:
        p = [peer[m]["img_per_s_mean"] for peer, _, _ in rounds]
        o = [ours[m]["imagesPerSecond"] for _, _, ours in rounds]
        ratios = [o[r] / p[r] for r in range(n)]
        c_ours = sum(ours[m]["ceilingRatio"] for _, _, ours in rounds) / n
        c_peer = sum(p[r] * rounds[r][2][m]["trainingGflopPerStep"] / (2 * rounds[r][2][m]["batchPairs"])
                     / rounds[r][2][m]["ceilingGflops"] for r in range(n)) / n
        extra = ""
        if tuned:
            t = [tuned_peer[m]["img_per_s_mean"] for _, tuned_peer, _ in rounds]
            rt = [o[r] / t[r] for r in range(n)]
            extra = f" {fmt(t, '%.1f')} | {fmt(rt, '%.2f')} | {mean_cell(rt)} |"
        print(f"| {m} | {fmt(p, '%.1f')} | {fmt(o, '%.1f')} | {fmt(ratios, '%.2f')} | {mean_cell(ratios)} "
              f"| {c_ours:.2f} | {c_peer:.2f} |" + extra)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
