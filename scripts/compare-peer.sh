#!/usr/bin/env bash
# Side-by-side training throughput of DL4J-SSL and the PyTorch reference (ssl_peer.py, a measuring instrument
# outside the project) on this machine, in one run: the peer and `dl4j-ssl bench --data fixed` run alternately
# (peer, ours, peer, ours, ...) for the same methods, backbone and batch, and one table prints, per method, the
# images/s of every round and the ratio ours / peer of each round (each ours run right after its peer run).
# Absolute figures drift by 10-20% between runs on shared machines: only the ratios of one run are comparable.
#
#   scripts/compare-peer.sh [--methods simclr,mocov2] [--backbone small-cnn|resnet18-cifar] [--rounds 2]
#                           [--batch 256] [--iterations 10] [--warmup 20] [--out docs/bench/compare-NAME]
#                           [--tuned-peer] [--method-updaters] [--one-jvm] [-- extra options for dl4j-ssl bench]
# Ours trains every method with the peer's optimizer (`bench --peer-updater`: Adam 1e-3, no weight decay, what
# ssl_peer.py's throughput uses for all methods); --method-updaters keeps each method's own default instead (the
# comparisons of sessions 7-19 ran that way: Nesterov momentum for MoCo and SimSiam, weight decay everywhere).
# --tuned-peer: each round also runs the peer with glibc's malloc told to keep freed memory
# (GLIBC_TUNABLES mmap_threshold and trim_threshold of 4 GiB), peer, tuned peer, ours; the table then has a
# second ratio, ours / tuned peer. Without it glibc returns PyTorch's large activation buffers to the kernel at
# every free and the peer's step spends most of its time in page faults (about 5x slower on SmallCnn here).
# Environment: PEER (ssl_peer.py; default ../shared/peer/ssl_peer.py next to the project), PEER_PYTHON
# (default /usr/bin/python3), PEER_LIBS (LD_LIBRARY_PATH of the peer only: Debian's pthread OpenBLAS, see the
# peer's README), PEER_THREADS (default 2), JAVA_OPTS (default -Xmx4g), OURS (the dl4j-ssl launcher to measure;
# default this project's ./dl4j-ssl, which builds first).
# --warmup: untimed steps on both sides before the timed ones. Our JVM still compiles during its first 20 or so steps,
# while PyTorch is at its steady speed after one (docs/bench/warmup-s21); 20 measures both at the speed of a training
# run. Issue #15's first measurements, and the comparisons up to session 20, used 3.
# Ours runs one JVM per method (OUT/ours-R-METHOD.json, merged into OUT/ours-R.json), as a training run does: in one
# JVM, a method measured after another ran about 20% slower after 20 warm-up steps (session 23: simclr then simclr
# 2,364 -> 1,769 images/s): the second graph takes longer to reach its steady speed (after 60 warm-up steps it ran at
# the first's, 2,460 then 2,570). --one-jvm measures all methods in one JVM, as up to session 22.
# Writes OUT/peer-R.json, OUT/ours-R.json for each round R and OUT/table.md, the printed table of
# scripts/compare_table.py, which also pools the rounds of several such folders (95% intervals of the mean ratios).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
methods=simclr,simclr-ema-projector,simclr-ema,mocov2,byol,simsiam
backbone=small-cnn
rounds=2
batch=""
iterations=10
warmup=20
out=""
tuned=0
updater_option=(--peer-updater)
one_jvm=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --methods) methods=$2; shift 2 ;;
    --backbone) backbone=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tuned-peer) tuned=1; shift ;;
    --method-updaters) updater_option=(); shift ;;
    --one-jvm) one_jvm=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "compare-peer.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

case "$backbone" in
  small-cnn) peer_backbone=(--backbone smallcnn --size 28); batch=${batch:-256} ;;
  resnet18-cifar) peer_backbone=(--backbone resnet18 --in-ch 3 --size 32); batch=${batch:-64} ;;
  *) echo "compare-peer.sh: --backbone must be small-cnn or resnet18-cifar, got '$backbone'" >&2; exit 2 ;;
esac
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare-peer.sh: --rounds must be a positive whole number, got '$rounds'" >&2; exit 2; }

peer=${PEER:-$root/../shared/peer/ssl_peer.py}
peer_python=${PEER_PYTHON:-/usr/bin/python3}
peer_libs=${PEER_LIBS:-$HOME/.cache/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread}
[[ -f "$peer" ]] || { echo "compare-peer.sh: the PyTorch reference '$peer' does not exist; set PEER=/path/to/ssl_peer.py" >&2; exit 2; }
"$peer_python" -c 'import torch' 2>/dev/null \
  || { echo "compare-peer.sh: $peer_python cannot import torch; install the peer's packages (see its README)" >&2; exit 2; }
[[ -d "$peer_libs" ]] || echo "compare-peer.sh: warning: PEER_LIBS '$peer_libs' missing: the peer runs on Debian's default (reference) BLAS" >&2

out=${out:-$root/docs/bench/compare-$backbone-$(date -u +%Y%m%dT%H%M%S)}
if [[ -d "$out" && -n "$(ls -A "$out")" ]]; then
  echo "compare-peer.sh: '$out' already holds a comparison; give another --out (nothing was run)" >&2; exit 2
fi
mkdir -p "$out"
export JAVA_OPTS=${JAVA_OPTS:--Xmx4g}
ours=${OURS:-$root/dl4j-ssl}
"$ours" --version >/dev/null # build first, outside the timed runs

# run_peer OUT_JSON [VAR=value...]: one throughput run of the PyTorch reference, with extra environment
run_peer() {
  local json=$1; shift
  env "$@" LD_LIBRARY_PATH="$peer_libs" OPENBLAS_NUM_THREADS="${PEER_THREADS:-2}" "$peer_python" "$peer" \
    --threads "${PEER_THREADS:-2}" throughput "${peer_backbone[@]}" --batch "$batch" --warmup "$warmup" \
    --iters "$iterations" --methods "$methods" --out "$json" >&2
}

for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds: peer" >&2
  run_peer "$out/peer-$r.json"
  if ((tuned)); then
    echo "round $r/$rounds: tuned peer" >&2
    run_peer "$out/peer-tuned-$r.json" \
      GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296
  fi
  echo "round $r/$rounds: dl4j-ssl" >&2
  if ((one_jvm)); then
    "$ours" bench --methods "$methods" --backbone "$backbone" --batch-size "$batch" --data fixed \
      --iterations "$iterations" --warmup "$warmup" --out "$out/ours-$r.json" "${updater_option[@]}" "$@" >&2
  else # one JVM per method, as a training run has: a method measured after another in the same JVM ran ~20% slower
    parts=()
    for m in ${methods//,/ }; do
      "$ours" bench --methods "$m" --backbone "$backbone" --batch-size "$batch" --data fixed \
        --iterations "$iterations" --warmup "$warmup" --out "$out/ours-$r-$m.json" "${updater_option[@]}" "$@" >&2
      parts+=("$out/ours-$r-$m.json")
    done
    python3 - "$out/ours-$r.json" "${parts[@]}" <<'MERGE'
import json, sys
runs = [json.load(open(p)) for p in sys.argv[2:]]
merged = dict(runs[0], results=[res for run in runs for res in run["results"]])
json.dump(merged, open(sys.argv[1], "w"), indent=2)
MERGE
  fi
done

python3 "$root/scripts/compare_table.py" "$out" | tee "$out/table.md"
echo "JSON of every run: $out" >&2
