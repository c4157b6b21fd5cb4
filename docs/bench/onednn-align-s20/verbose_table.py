"""Per-primitive oneDNN convolution times from DNNL_VERBOSE=1 logs: min and median per shape, ours (two builds) and
the peer. Usage: python3 verbose_table.py ours-16B.log ours-64B.log peer.log"""
import collections, sys

def load(path):
    text = open(path).read()
    if "MARK" in text:  # the peer script prints MARK after its warm-up steps
        text = text.split("MARK")[1]
    d = collections.defaultdict(list)
    for line in text.splitlines():
        if "verbose,exec" not in line:
            continue
        f = line.strip().split(",")
        if f[3] == "convolution":
            d[(f[5], f[-2])].append(float(f[-1]))
    return d

a, b, p = (load(x) for x in sys.argv[1:4])
med = lambda v: sorted(v)[len(v) // 2]
print("| pass | shape | ours, 16-byte scratch: min / median ms | ours, 64-byte scratch | peer (PyTorch 1.13, oneDNN 2.6.3) |")
print("|---|---|---|---|---|")
tot = [0.0, 0.0, 0.0]
for k in sorted(a):
    if k not in b:
        continue
    row = [f"{min(a[k]):.1f} / {med(a[k]):.1f}", f"{min(b[k]):.1f} / {med(b[k]):.1f}"]
    row.append(f"{min(p[k]):.1f} / {med(p[k]):.1f}" if k in p else "(pads 1 on each side: other shape)")
    print(f"| {k[0]} | {k[1]} | " + " | ".join(row) + " |")
