"""Sweep wall time: N small runs one after another (``--max-parallel 1``) vs ``--max-parallel P``.

Prints JSON: median wall seconds of each sweep over ``--repeats`` interleaved pairs (plan validation, process start-up, training and the report
included), their ratio (sequential / parallel; the goal on a 2-core machine with P = 2 is clearly > 1),
the core count and the load average before the measurement (other work on the machine slows both).
Both sweeps run the same tiny DCGAN config on CPU with one thread per run, each run in a fresh process.

    python bench/sweep_parallel.py --runs 2 --parallel 2 --steps 300 [--repeats 3]
    python bench/sweep_parallel.py --tiny   # 2 runs of 2 steps, 1 repeat
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from memgan_bench.cli import main


def tiny_config(steps: int) -> dict:
    return {"method": "dcgan", "model": {"z_dim": 8, "width": 8}, "data": {"name": "fashion-mnist"},
            "train": {"steps": steps, "batch_size": 16, "log_every": 50, "checkpoint_every": 100,
                      "sample_grid": 0},
            "device": "cpu"}


def timed_sweep(config: Path, out: Path, runs: int, parallel: int) -> float:
    argv = ["sweep", str(config), "--out", str(out), "--seeds", *map(str, range(runs)),
            "--max-parallel", str(parallel), "--threads-per-run", "1"]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    if code != 0:
        raise SystemExit(f"sweep exited with {code}")
    return time.perf_counter() - start


def measure(runs: int, parallel: int, steps: int, repeats: int) -> dict:
    """Sequential and parallel sweeps interleaved ``repeats`` times; medians of each."""
    load = os.getloadavg()[0]
    times: dict[int, list[float]] = {1: [], parallel: []}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "tiny.yaml"
        config.write_text(yaml.safe_dump(tiny_config(steps)))
        for repeat in range(repeats):
            for width in (1, parallel):
                times[width].append(timed_sweep(config, Path(tmp) / f"p{width}-r{repeat}", runs, width))
    sequential, concurrent = statistics.median(times[1]), statistics.median(times[parallel])
    return {"runs": runs, "steps_per_run": steps, "max_parallel": parallel, "repeats": repeats,
            "cores": os.cpu_count(), "load_average_before": round(load, 2),
            "load_average_after": round(os.getloadavg()[0], 2), "sequential_s": round(sequential, 2),
            "parallel_s": round(concurrent, 2), "speedup": round(sequential / concurrent, 3)}


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--tiny", action="store_true", help="2 runs of 2 steps, parallel 2, 1 repeat")
    args = parser.parse_args()
    if args.tiny:
        args.runs, args.parallel, args.steps, args.repeats = 2, 2, 2, 1
    print(json.dumps(measure(args.runs, args.parallel, args.steps, args.repeats), indent=2))


if __name__ == "__main__":
    main_cli()
