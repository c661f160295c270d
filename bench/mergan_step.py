"""Cost of memory replay: one train step (5 critic + 1 generator update) of ACGAN, MeRGAN-JTR and MeRGAN-RA.

Prints JSON: median seconds per step for each method at the given task index t (t past classes, one class
per task) on Fashion-MNIST-sized inputs, and the ratio to the plain ACGAN step. Replay runs one-class
passes of ⌊B/t⌋ samples per past class: RA one G and one G_old pass per past class in the generator
update; JTR those and two critic passes per past class in each of the 5 critic updates and in the generator
update, so its step costs about twice ACGAN's.

    python bench/mergan_step.py --past 4 --width 64 --batch 64 --repeats 10
    python bench/mergan_step.py --tiny      # a seconds-long smoke run (tests run every bench script so)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from memgan_bench.data import DataSpec
from memgan_bench.typed import build
from memgan_bench.registry import METHODS
from memgan_bench.method import Batch
from memgan_bench.scenario import Experience


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--past", type=int, default=4, help="number of past classes (t)")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="width 8, batch 8, 2 past classes, 1 repeat")
    args = parser.parse_args()
    if args.tiny:
        args.past, args.width, args.batch, args.repeats = 2, 8, 8, 1
    spec, device = DataSpec((1, 28, 28), 10), torch.device(args.device)
    seen = tuple(range(args.past + 1))
    experience = Experience(args.past, (args.past,), seen, None, None)
    times = {}
    for name in ("acgan", "mergan-jtr", "mergan-ra"):
        cls = METHODS.get(name)
        method = cls(build(cls.Config, {"width": args.width}), spec).to(device).train()
        method.on_experience_start(experience)
        n = args.batch * method.batches_per_step()
        batch = Batch(torch.randn(n, 1, 28, 28, device=device), torch.full((n,), args.past, device=device))
        method.train_step(batch)
        samples = []
        for _ in range(args.repeats):
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            method.train_step(batch)
            if device.type == "cuda":
                torch.cuda.synchronize()
            samples.append(time.perf_counter() - start)
        times[name] = statistics.median(samples)
    print(json.dumps({"device": str(device), "threads": torch.get_num_threads(), "past_classes": args.past,
                      "seconds_per_step": times,
                      "ratio_to_acgan": {k: v / times["acgan"] for k, v in times.items()}}, indent=1))


if __name__ == "__main__":
    main()
