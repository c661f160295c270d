#!/usr/bin/env bash
# Command 1 of the README: set up (if needed), then every method head to head on a 2-core CPU, resumable:
# ring8 (seed 0, long enough for DCGAN to form the ring), a 2-D class-incremental stream on four of ring8's
# modes (SFT, EWC, MeRGAN-JTR, MeRGAN-RA; 3 seeds) and Fashion-MNIST (seed 0), two runs at a time, then the
# paper-style report (runs/main/report/index.html, tables with 95 % CIs, focused figures) and a printed
# summary, one sentence per setting.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=${1:-runs/main}
bench=.venv/bin/memgan-bench
sweep=(sweep --out "$out" --resume --no-report --set device=cpu --max-parallel 2)
# Each sweep lists its longest runs first, so the two workers finish together.
ring=() stream=() fmnist=()
for method in gan-ensemble memorygan-paper memorygan aan mgan dcgan; do
  ring+=("configs/main/ring8/ring8-$method.yaml")
done
for method in jtr ewc ra sft; do
  stream+=("configs/main/stream/stream-$method.yaml")
done
for method in gan-ensemble memorygan memorygan-paper mgan aan dcgan; do
  fmnist+=("configs/main/fashion-mnist/fmnist-$method.yaml")
done
status=0
"$bench" "${sweep[@]}" "${ring[@]}" --seeds 0 || status=$?
"$bench" "${sweep[@]}" "${stream[@]}" --seeds 0 1 2 || status=$?
# The Fashion-MNIST runs share one evaluation classifier: train it once, on both cores, before they start.
OMP_NUM_THREADS=2 "$bench" classifier --dataset fashion-mnist --epochs 1 --device cpu
"$bench" "${sweep[@]}" "${fmnist[@]}" || status=$?
"$bench" report "$out" --out "$out/report" --reference dcgan --reference SFT
exit "$status"
