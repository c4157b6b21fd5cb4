#!/usr/bin/env python3
"""Per-step CPU time by layer from two async-profiler 'collapsed' profiles of the same bench command that differ only
in --iterations (A: n_a timed steps, B: n_b): B - A cancels start-up, JIT and warm-up, leaving (n_b - n_a) steps.
Each sample of the training thread is charged to its deepest frame in our layers, DL4J's nn package or ND4J's
updaters; other threads are grouped by their first frame.  Usage: profile_diff.py A.collapsed[.gz] B.collapsed[.gz]
STEPS INTERVAL_MS"""
import collections, gzip, sys

PREFIXES = ("io/github/dl4jssl/layers", "io/github/dl4jssl/loss", "org/deeplearning4j/nn/", "org/nd4j/linalg/learning")


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    by_layer, by_thread = collections.Counter(), collections.Counter()
    with opener(path, "rt") as f:
        for line in f:
            stack, count = line.rsplit(" ", 1)
            frames, count = stack.split(";"), int(count)
            if frames[0].startswith("io/github/dl4jssl/samples/Dl4jSsl.main"):
                by_thread["training thread"] += count
                key = "other: " + " > ".join(x.split("/")[-1] for x in frames[-3:])
                for fr in frames:
                    if fr.startswith(PREFIXES):
                        key = fr
                by_layer[key] += count
            else:
                by_thread["libgomp (OpenMP waits)" if any("gomp" in x for x in frames) else frames[0][:70]] += count
    return by_layer, by_thread


a, b = sys.argv[1], sys.argv[2]
steps, interval = int(sys.argv[3]), float(sys.argv[4])
(la, ta), (lb, tb) = read(a), read(b)
for title, x, y in (("CPU ms per step by thread", ta, tb), ("training thread, CPU ms per step by frame", la, lb)):
    print(title)
    diff = {k: y[k] - x[k] for k in set(x) | set(y)}
    for k, v in sorted(diff.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{v * interval / steps:8.1f}  {k}")
    print(f"{sum(diff.values()) * interval / steps:8.1f}  total\n")
