"""Time to build the affine 40×40 sets (MemoryGAN App. B.2) from their in-memory sources.

Prints JSON: seconds to load the source split and seconds to build the affine version (rotation + placement
of every image), per dataset, on the current CPU thread count. Goal: a few seconds for 60,000 images.

    python bench/affine_build.py --datasets affine-fashion-mnist affine-mnist-5k --split train
    python bench/affine_build.py --tiny     # the first 256 images of affine-fashion-mnist's source
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from memgan_bench.data import load_dataset
from memgan_bench.data.affine import random_affine
from memgan_bench.data.base import split_generator

SOURCES = {"affine-fashion-mnist": "fashion-mnist", "affine-mnist": "mnist", "affine-mnist-5k": "mnist-5k"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["affine-fashion-mnist", "affine-mnist-5k"], choices=sorted(SOURCES))
    parser.add_argument("--split", default="train", choices=["train", "test"])
    parser.add_argument("--root", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tiny", action="store_true", help="affine-fashion-mnist only, its first 256 images")
    args = parser.parse_args()
    if args.tiny:
        args.datasets = ["affine-fashion-mnist"]
    rows = []
    for name in args.datasets:
        start = time.perf_counter()
        source = load_dataset(SOURCES[name], args.split, args.root, args.seed)
        loaded = time.perf_counter()
        images = random_affine(source.images[:256] if args.tiny else source.images,
                               split_generator(args.seed, args.split))[0]
        built = time.perf_counter()
        rows.append({"dataset": name, "split": args.split, "images": images.shape[0],
                     "load_source_s": round(loaded - start, 3), "build_s": round(built - loaded, 3),
                     "images_per_s": round(images.shape[0] / (built - loaded)), "threads": torch.get_num_threads()})
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
