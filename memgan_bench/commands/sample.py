"""``memgan-bench sample RUN_DIR``: a sample grid from the run's last checkpoint."""

from __future__ import annotations

import math
from pathlib import Path

import torch

HELP = "write a sample grid PNG from a run's last checkpoint"


def add_arguments(parser) -> None:
    from memgan_bench.rundir import RunDir

    parser.add_argument("run_dir")
    parser.add_argument("-n", "--num", type=int, default=64, help="number of samples (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help=f"PNG path (default: {RunDir('RUN_DIR').last_sample})")


def run(args) -> int:
    from memgan_bench.config import load_config
    from memgan_bench.data import DataSpec, load_dataset
    from memgan_bench.engine.checkpoint import check_identity, load_checkpoint
    from memgan_bench.engine.grids import save_grid
    from memgan_bench.errors import UserError
    from memgan_bench.method import cycled_labels
    from memgan_bench.registry import METHODS
    from memgan_bench.rundir import RunDir

    if args.num < 1:
        raise UserError("--num must be >= 1")
    if args.out and Path(args.out).is_dir():
        raise UserError(f"--out {args.out} is a folder; give the path of the PNG file to write")
    run_dir = RunDir(args.run_dir)
    cfg = load_config(run_dir.config)
    data = load_dataset(cfg.data.name, "train", cfg.data.root, cfg.seed)
    method = METHODS.get(cfg.method)(cfg.model, DataSpec.of(data))
    state = load_checkpoint(run_dir.last_checkpoint)
    check_identity(state, run_dir.last_checkpoint, cfg)
    try:
        method.load_state_dict(state["method"])
    except (KeyError, RuntimeError, ValueError, TypeError, AttributeError) as err:
        raise UserError(f"checkpoint {run_dir.last_checkpoint} does not match this run: "
                        f"{str(err).splitlines()[0][:200]}") from None
    torch.manual_seed(args.seed)
    labels = cycled_labels(range(data.num_classes), args.num) if method.conditional else None
    out = Path(args.out) if args.out else run_dir.last_sample
    save_grid(method.sample(args.num, labels), out, nrow=int(math.ceil(math.sqrt(args.num))), reference=data)
    print(out)
    return 0
