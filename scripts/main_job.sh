#!/usr/bin/env bash
# Command 1 of the README: set up (if needed), then every method head to head on a 2-core CPU, resumable:
# ring8 (3 seeds), Fashion-MNIST (1 seed) and a 2-D class-incremental stream on four of ring8's modes (SFT, EWC,
# MeRGAN-JTR, MeRGAN-RA; 3 seeds), two runs at a time, then the paper-style report (runs/main/report/index.html,
# tables with 95 % CIs, focused figures) and a printed summary, one sentence per setting.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=${1:-runs/main}
bench=.venv/bin/memgan-bench
sweep=(sweep --out "$out" --resume --no-report --set device=cpu --max-parallel 2)
# The 2-D runs (ring8 and the stream, 3 seeds) in one sweep, longest first, so the two workers finish together.
two_d=() fmnist=()
for name in ring8/ring8-gan-ensemble stream/stream-jtr ring8/ring8-memorygan ring8/ring8-memorygan-paper \
            stream/stream-ewc stream/stream-ra stream/stream-sft ring8/ring8-mgan ring8/ring8-aan ring8/ring8-dcgan; do
  two_d+=("configs/main/$name.yaml")
done
for method in gan-ensemble memorygan memorygan-paper mgan aan dcgan; do
  fmnist+=("configs/main/fashion-mnist/fmnist-$method.yaml")
done
status=0
"$bench" "${sweep[@]}" "${two_d[@]}" --seeds 0 1 2 || status=$?
# The Fashion-MNIST runs share one evaluation classifier: train it once, on both cores, before they start.
OMP_NUM_THREADS=2 "$bench" classifier --dataset fashion-mnist --epochs 1 --device cpu
"$bench" "${sweep[@]}" "${fmnist[@]}" || status=$?
"$bench" report "$out" --out "$out/report" --reference dcgan --reference SFT
exit "$status"
