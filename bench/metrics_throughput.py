"""Evaluation throughput: IS+FID+KID+PR through torch-fidelity, and GOoF inversion, on the current device.

Prints JSON: generated samples/s for IS+FID+KID+PR of ``--num-samples`` real test images against as many
train images in the evaluation classifier's space (features of both sets included; the classifier is
loaded from the cache or trained first, which is not timed), and GOoF points/s for a default-size DCGAN
generator (untrained: the cost does not depend on the weights) with ``--restarts`` × ``--steps`` Adam steps.

    python bench/metrics_throughput.py --dataset fashion-mnist --num-samples 10000 --goof-points 64
    python bench/metrics_throughput.py --tiny   # 64 samples, a tiny classifier on 256 images, 2 GOoF points
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.engine.seeding import pick_device
from memgan_bench.evaluation.classifier import load_or_train_classifier
from memgan_bench.metrics.fidelity import compute_fidelity
from memgan_bench.metrics.goof import goof_distances
from memgan_bench.registry import METHODS


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--arch", default="resnet")
    parser.add_argument("--goof-points", type=int, default=64)
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--tiny", action="store_true",
                        help="64 samples, the tiny classifier trained 1 epoch on 256 images, 2 GOoF points × 1 × 2 steps")
    args = parser.parse_args()
    if args.tiny:
        args.num_samples, args.arch, args.goof_points, args.restarts, args.steps = 64, "tiny", 2, 1, 2
    device = pick_device(args.device)
    train, test = load_dataset(args.dataset, "train"), load_dataset(args.dataset, "test")
    classifier = load_or_train_classifier(args.dataset, arch=args.arch, device=device,
                                          **({"epochs": 1, "subset": 256} if args.tiny else {}))

    start = time.perf_counter()
    scores = compute_fidelity(test.images[:args.num_samples], train.images[:args.num_samples], classifier,
                              device=device)
    synchronize(device)
    fidelity_s = time.perf_counter() - start

    torch.manual_seed(0)
    method_cls = METHODS.get("dcgan")
    method = method_cls(method_cls.Config(), DataSpec.of(train)).to(device)
    start = time.perf_counter()
    goof_distances(method, train.images[:args.goof_points], restarts=args.restarts, steps=args.steps)
    synchronize(device)
    goof_s = time.perf_counter() - start

    print(json.dumps({
        "device": str(device), "torch_threads": torch.get_num_threads(), "classifier": classifier.identity,
        "fidelity": {"num_samples": args.num_samples, "seconds": round(fidelity_s, 2),
                     "samples_per_s": round(args.num_samples / fidelity_s, 1), "scores": scores},
        "goof": {"points": args.goof_points, "restarts": args.restarts, "steps": args.steps,
                 "seconds": round(goof_s, 2), "points_per_s": round(args.goof_points / goof_s, 3)},
    }, indent=2))


if __name__ == "__main__":
    main()
