#!/usr/bin/env bash
# Command 1 of the README: set up (if needed), run the short real benchmark on Fashion-MNIST (CPU),
# then print the results table and write the report (table.csv/md, plots, sample grids) under runs/main.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=${1:-runs/main}
exec .venv/bin/memgan-bench sweep configs/main --out "$out" --resume --set device=cpu
