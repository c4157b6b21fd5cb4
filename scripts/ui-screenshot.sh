#!/usr/bin/env bash
# Takes docs/ui-monitors.png, the screenshot of the training UI's research-monitors page (/ssl) in the README:
# a short real SimCLR run with --ui, then its saved ui-stats.dl4j served by `dl4j-ssl ui` and photographed by
# headless Chromium (Debian package chromium).
#   scripts/ui-screenshot.sh [RUN_DIR]     (default runs/ui-screenshot; an existing finished run is reused)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=${1:-$root/runs/ui-screenshot}
port=${UI_SCREENSHOT_PORT:-9017}
if [[ ! -f "$run/ui-stats.dl4j" || ! -f "$run/report.json" ]]; then
  "$root/dl4j-ssl" train --method simclr --train-subset 256 --batch-size 32 --epochs 3 --eval-train-subset 1000 \
    --eval-test-subset 500 --linear-epochs 1 --seed 42 --ui --ui-port 0 --out "$run"
fi
"$root/dl4j-ssl" ui --stats "$run/ui-stats.dl4j" --port "$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/ssl" >/dev/null && break
  sleep 1
done
profile=$(mktemp -d)
/usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1280,1430 --virtual-time-budget=10000 --screenshot="$root/docs/ui-monitors.png" \
  "http://127.0.0.1:$port/ssl"
rm -rf "$profile"
echo "wrote $root/docs/ui-monitors.png"
