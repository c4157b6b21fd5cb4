#!/usr/bin/env bash
# MoCo v3's ViT instability and its fix (Chen, Xie, He 2021, sections 4.1-4.2) on a small scale: MoCo v3 on a small
# ViT (depth 2, width 32, 4 heads, patch 7 on 28x28 Fashion-MNIST: 16 patch tokens) at a high AdamW learning rate,
# once with a trainable and once with a frozen random patch projection, same seed and data; then one PNG with the
# first/last-layer gradient norms, the kNN monitor and the loss of both runs (docs/vit-stability.png by default).
#   scripts/vit-stability.sh [OUT_DIR] [extra train options, e.g. --lr 1e-3]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-runs/vit-stability}
shift || true
common=(train --method mocov3 --backbone vit-tiny --vit-depth 2 --vit-width 32 --vit-heads 4 --vit-patch 7
        --lr 5e-3 --train-subset 320 --batch-size 32 --epochs 6
        --eval-train-subset 1000 --eval-test-subset 500 --linear-epochs 1 --seed 42 "$@")
export JAVA_OPTS=${JAVA_OPTS:--Xmx3g}
"$root/dl4j-ssl" "${common[@]}" --out "$out/trainable"
"$root/dl4j-ssl" "${common[@]}" --freeze-patch-embedding --out "$out/frozen"
mkdir -p "$root/docs"
java -Djava.awt.headless=true -cp "$root/samples/target/samples-0.1.0-SNAPSHOT.jar:$(cat "$root/samples/target/classpath.txt")" \
  io.github.dl4jssl.samples.experiment.VitStabilityPlot "$out/trainable" "trainable patch projection" \
  "$out/frozen" "frozen random patch projection" "${PLOT:-$root/docs/vit-stability.png}"
