#!/usr/bin/env bash
# The session-8 recipe screen: one `./dl4j-ssl train` run per variant, seed 42, all on the same budget and protocol
# as `experiment recipe-METHOD` (6,000 training images x 3 epochs, batch 128; kNN bank 5,000, test 2,000).
# Run from the repository root; each run goes to screen/NAME and is skipped when its report exists.
set -euo pipefail
run() {
  local name=$1; shift
  [[ -f screen/$name/report.json ]] && return 0
  ./dl4j-ssl train --dataset fashion-mnist --train-subset 6000 --epochs 3 --batch-size 128 \
    --eval-train-subset 5000 --eval-test-subset 2000 --out "screen/$name" --overwrite "$@"
}
run mocov2-def --method mocov2
run mocov2-m099 --method mocov2 --momentum 0.99
run byol-def --method byol
run byol-m099 --method byol --momentum 0.99
run simsiam-def --method simsiam
run simsiam-adam --method simsiam --optimizer adam
run mocov2-m09 --method mocov2 --momentum 0.9
run byol-m09 --method byol --momentum 0.9
run mocov2-sgd015 --method mocov2 --optimizer sgd --lr 0.15
run simsiam-sgd025 --method simsiam --optimizer sgd --lr 0.25
run mocov2-sgd03 --method mocov2 --optimizer sgd --lr 0.3
run simsiam-sgd05 --method simsiam --optimizer sgd --lr 0.5
run byol-lars05 --method byol --optimizer lars --lr 0.5 --schedule warmup-cosine
run byol-m099-lr3e3 --method byol --momentum 0.99 --lr 3e-3
run mocov3-def --method mocov3
run simclr-def --method simclr
run mocov3-t01 --method mocov3 --temperature 0.1
run mocov2-sym --method mocov2 --symmetric-loss
