#!/usr/bin/env bash
# Takes docs/ui-monitors.png, the screenshot of the training UI's research-monitors page (/ssl) in the README:
# a short real SimCLR run with --ui, then ssl-ui's headless-Chromium test RealRunScreenshotTest on its saved
# ui-stats.dl4j: it serves the file on the loopback UI server, checks that every chart of /ssl draws points, and
# photographs the page with headless Chromium (Debian package chromium).
#   scripts/ui-screenshot.sh [RUN_DIR]     (default runs/ui-screenshot; an existing finished run is reused)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=$(realpath -m "${1:-$root/runs/ui-screenshot}")
if [[ ! -f "$run/ui-stats.dl4j" || ! -f "$run/report.json" ]]; then
  "$root/dl4j-ssl" train --method simclr --train-subset 256 --batch-size 32 --epochs 3 --eval-train-subset 1000 \
    --eval-test-subset 500 --linear-epochs 1 --seed 42 --ui --ui-port 0 --out "$run"
fi
(cd "$root" && mvn -B -q -pl ssl-ui test -Dtest=RealRunScreenshotTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dui.screenshot.stats="$run/ui-stats.dl4j" -Dui.screenshot.out="$root/docs/ui-monitors.png")
echo "wrote $root/docs/ui-monitors.png"
