#!/usr/bin/env bash
# Watches a training run's native memory: starts `./dl4j-ssl train` with the given options on all Fashion-MNIST
# training images (batch 256 unless given), reads the JVM's resident set size (ps -o rss) every 10 seconds beside the
# number of training steps done, stops the run after SECONDS, and prints the growth per step. The Java heap is capped by
# -Xmx, so a resident set that keeps growing step after step is native memory that is never given back (the
# session-9 leak of BYOL's and SimSiam's SameDiff losses grew by 12 and 47 MB a step; see the README, "Evaluation,
# checkpoints and faults").
#   scripts/rss-probe.sh SECONDS train options...
#   scripts/rss-probe.sh 100 --method simsiam --optimizer adam
#   scripts/rss-probe.sh 100 --method byol --lr 3e-3                 (any train option)
# Writes the run into a new temporary folder, removed at the end. Run it alone: other work slows the steps, not the growth.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 && "$1" =~ ^[0-9]+$ ]] || { echo "usage: scripts/rss-probe.sh SECONDS train-options... (e.g. 100 --method simsiam)" >&2; exit 2; }
secs=$1; shift
out=$(mktemp -d)
log="$out/train.log"
bs=256
batch=(--batch-size 256)
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  [[ "${args[$i]}" == --batch-size ]] && { bs=${args[$((i + 1))]}; batch=(); }
done
"$root/dl4j-ssl" --help > /dev/null || true   # builds first, outside the measured time (the usage exits with 2)
"$root/dl4j-ssl" train --dataset fashion-mnist --train-subset 0 --eval-train-subset 2000 --eval-test-subset 1000 \
    --epochs 1 "$@" "${batch[@]}" --out "$out/run" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null || true; rm -rf "$out"' EXIT
first=""
for ((t = 10; t <= secs; t += 10)); do
  sleep 10
  kill -0 $pid 2> /dev/null || { echo "the run ended early; its log:" >&2; tail -20 "$log" >&2; exit 1; }
  rss=$(ps -o rss= -p $pid | awk '{printf "%.0f", $1 / 1024}')
  # the progress bar prints "N/TOTAL" training views; a step is one batch
  views=$(tr '\r' '\n' < "$log" | { grep -o ' [0-9]*/[0-9]* img' || true; } | tail -1 | cut -d/ -f1 | tr -d ' ')
  echo "t=${t}s rss=${rss} MB views=${views:-0}"
  if [[ -n "${views:-}" && "$views" -gt 0 ]]; then
    [[ -n "$first" ]] || first="$rss $views"
    last="$rss $views"
  fi
done
if [[ -n "$first" && "$first" != "$last" ]]; then
  read -r r0 v0 <<< "$first"; read -r r1 v1 <<< "$last"
  awk -v bs="$bs" -v r0="$r0" -v r1="$r1" -v v0="$v0" -v v1="$v1" 'BEGIN { steps = (v1 - v0) / (2 * bs);
      if (steps > 0) printf "growth: %d MB over %.0f steps of %d pairs = %.1f MB a step\n", r1 - r0, steps, bs, (r1 - r0) / steps }'
fi
