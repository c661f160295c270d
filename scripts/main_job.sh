#!/usr/bin/env bash
# Command 1 of the README: set up (if needed), then every method head to head on a 2-core CPU, resumable:
# ring8 (3 seeds), Fashion-MNIST and a 3-class stream, two runs at a time, then the paper-style report
# (runs/main/report/index.html, tables with 95 % CIs, focused figures) and a printed summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=${1:-runs/main}
bench=(.venv/bin/memgan-bench)
status=0
"${bench[@]}" sweep configs/main/ring8 --seeds 0 1 2 --out "$out" --resume --set device=cpu --max-parallel 2 || status=$?
"${bench[@]}" sweep configs/main/fashion-mnist --out "$out" --resume --set device=cpu --max-parallel 2 || status=$?
"${bench[@]}" sweep configs/main/stream --out "$out" --resume --set device=cpu --max-parallel 2 || status=$?
"${bench[@]}" report "$out" --out "$out/report" --reference dcgan
exit "$status"
