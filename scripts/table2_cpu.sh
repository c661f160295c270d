#!/usr/bin/env bash
# Paper Table 2 (Fashion-MNIST ablation) at a CPU scale, resumable: MemoryGAN in both fidelity modes over 10
# seeds (they also give the absorbing-state rate), −EM, −MCGN and −Memory over 3 seeds; 1,500 steps of batch
# 64 at width 32 (the paper's networks at half width; the memory at full size, N 4096, M 256, k 128), scored
# once at the end on 5,000 samples by a 2-epoch ResNet evaluation classifier; then the report and the
# absorbing-state table. About an hour on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/table2-cpu}
bench=.venv/bin/memgan-bench
export OMP_NUM_THREADS=1
common=(--out "$out" --resume --max-parallel 2 --set device=cpu --set model.width=32 --set train.steps=1500 --set train.eval_every=0
        --set train.checkpoint_every=500 --set train.log_every=100
        --set 'plugins.fidelity={num_samples: 5000, classifier_epochs: 2, metrics: [is, fid, kid]}'
        --set 'plugins.coverage={num_samples: 5000, classifier_epochs: 2}')
OMP_NUM_THREADS=2 "$bench" classifier --dataset fashion-mnist --epochs 2 --device cpu
status=0
"$bench" sweep configs/paper/table2-fashion-mnist-memorygan{,-official}.yaml "${common[@]}" \
  --seeds 0 1 2 3 4 5 6 7 8 9 || status=$?
"$bench" sweep configs/paper/table2-fashion-mnist-no-{em,mcgn,memory}.yaml "${common[@]}" --seeds 0 1 2 || status=$?
"$bench" report "$out" --out "$out/report" --reference dcgan
"$bench" analyze absorbing "$out" | tee "$out/absorbing.md"
exit "$status"
