"""CIFAR-10 (Krizhevsky 2009), real 50k/10k 32×32 colour images, from the "python version" batches.

Expected in torchvision's layout under the data root ROOT (config ``data.root``):
``ROOT/cifar-10-batches-py/{data_batch_1..5, test_batch}`` (or those files directly in ``ROOT``). The
pickled batches are read directly (each holds ``data`` uint8 [n, 3072] — 1024 red, then green, then blue values of a row-major 32×32 image — and
``labels``), without torchvision's MD5 check, and converted once into one tensor in [-1, 1]. Nothing is
downloaded. The batches are unpickled by :class:`BatchUnpickler`, which resolves only the few globals
that rebuild NumPy arrays, so a crafted file cannot run code.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from memgan_bench.data.base import ImageData, data_root_phrase, to_unit_range
from memgan_bench.data.facts import READ_FROM, Facts, declares
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
# Krizhevsky 2009, Ch. 3 and the dataset page: 50,000 training and 10,000 test 32x32 images, 6,000 of each of
# 10 classes (the test batch holds exactly 1,000 of each).
CIFAR10_FACTS = Facts(sizes={"train": 50_000, "test": 10_000}, sample_shape=(3, 32, 32), num_classes=10, balanced=True)


class BatchUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, bytes, str, numbers and NumPy arrays; any other global is refused."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),  # NumPy 1, 2
               ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # protocol 5
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}  # encode: bytes in protocol 2

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}: not part of the format")
        return super().find_class(module, name)


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels uint8 [n, 3, 32, 32], labels int64 [n]) of one pickled batch."""
    try:
        with open(path, "rb") as handle:
            batch = BatchUnpickler(handle, encoding="bytes").load()
        data, labels = batch[b"data"], np.asarray(batch[b"labels"])
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
            raise ValueError("'data' must be a uint8 array of shape [n, 3072]")
        if labels.shape != (len(data),) or labels.dtype.kind not in "iu" or labels.min(initial=0) < 0 \
                or labels.max(initial=0) >= len(CIFAR10_CLASSES):
            raise ValueError(f"'labels' must be {len(data)} integers in 0..{len(CIFAR10_CLASSES) - 1}")
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, IndexError, ValueError, TypeError, AttributeError) as err:
        raise UserError(f"cannot read CIFAR-10 batch {path}: {err}") from None
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


@DATASETS.register("cifar10")
@declares(CIFAR10_FACTS)
def cifar10(split: str, root: Optional[str], seed: int) -> ImageData:
    candidates = [] if root is None else [Path(root) / "cifar-10-batches-py", Path(root)]
    folder = next((d for d in candidates if all((d / f).is_file() for f in BATCHES[split])), None)
    if folder is None:
        raise UserError(
            f"cifar10 not found {data_root_phrase(root)}: extract cifar-10-python.tar.gz from "
            "https://www.cs.toronto.edu/~kriz/cifar.html into ROOT (giving ROOT/cifar-10-batches-py) and set data.root=ROOT")
    parts = [read_batch(folder / name) for name in BATCHES[split]]
    pixels = torch.from_numpy(np.concatenate([p for p, _ in parts]))
    labels = torch.from_numpy(np.concatenate([y for _, y in parts]))
    return ImageData(name="cifar10", images=to_unit_range(pixels), labels=labels, class_names=CIFAR10_CLASSES,
                     meta={READ_FROM: str(folder)})
