"""CPU cost of one train step of each 2-D benchmark config, to size the CPU-scale runs (docs/bench2d.md).

For each config (model, data and batch size as written): build the method and its batch schedule as the
engine does, run ``--warmup`` steps, then time ``--steps`` steps. Prints JSON with the median over
``--repeats`` of ``cpu_ms`` (process CPU time per step: on a loaded machine it stays the cost the step
would have alone) and ``wall_ms``, and ``steps_per_core_hour`` = 3.6e6 / cpu_ms. Evaluation is excluded.

    OMP_NUM_THREADS=1 python bench/bench2d_steps.py configs/bench2d/ring8/*.yaml --steps 50
    python bench/bench2d_steps.py --tiny    # 2 steps of configs/bench2d/ring8/dcgan.yaml (or the configs given)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from memgan_bench.config import load_config
from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.engine.seeding import seed_everything
from memgan_bench.registry import METHODS, SCENARIOS


TINY_CONFIG = "configs/bench2d/ring8/dcgan.yaml"


def step_times(path: str, steps: int, warmup: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``steps`` train steps of the config at ``path``, on the CPU."""
    cfg = load_config(path, ["device=cpu"])
    seed_everything(cfg.seed)
    train, test = load_dataset(cfg.data.name, "train", cfg.data.root, cfg.seed), load_dataset(cfg.data.name, "test")
    experience = SCENARIOS.get(cfg.scenario_name)(cfg.scenario, cfg.seed).experiences(train, test)[0]
    method = METHODS.get(cfg.method)(cfg.model, DataSpec.of(train))
    method.on_experience_start(experience)
    schedule = method.batch_schedule(experience, cfg.train.batch_size, cfg.seed, torch.device("cpu"))
    for step in range(warmup):
        method.train_step(schedule.batch(step))
    cpu, wall = time.process_time(), time.perf_counter()
    for step in range(warmup, warmup + steps):
        method.train_step(schedule.batch(step))
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="2 steps, 1 warm-up, 1 repeat")
    args = parser.parse_args()
    if args.tiny:
        args.steps, args.warmup, args.repeats = 2, 1, 1
        args.configs = args.configs or [TINY_CONFIG]
    if not args.configs:
        parser.error("give at least one config")
    results = {}
    for path in args.configs:
        runs = [step_times(path, args.steps, args.warmup) for _ in range(args.repeats)]
        cpu_ms = 1000 * statistics.median(c for c, _ in runs) / args.steps
        wall_ms = 1000 * statistics.median(w for _, w in runs) / args.steps
        results[path] = {"cpu_ms": round(cpu_ms, 2), "wall_ms": round(wall_ms, 2),
                         "steps_per_core_hour": round(3.6e6 / cpu_ms)}
    print(json.dumps({"torch_threads": torch.get_num_threads(), "steps": args.steps, "repeats": args.repeats,
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
