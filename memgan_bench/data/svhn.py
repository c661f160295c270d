"""SVHN cropped digits (Netzer et al. 2011), real 73,257/26,032 32×32 colour images, from the .mat files.

Expected as ``{train,test}_32x32.mat`` in ``ROOT/svhn``, ``ROOT/SVHN`` or ``ROOT``, ROOT being the data root
(config ``data.root``; torchvision's ``SVHN(root=...)`` keeps them directly in its root). Each file holds ``X`` uint8
[32, 32, 3, N] and ``y`` [N, 1] with digit 0 stored as label 10; labels are mapped to 0–9 as torchvision
does. Read with scipy, no MD5 check, converted once into one tensor in [-1, 1]; the ``extra`` set is unused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch

from memgan_bench.data.base import ImageData, data_root_phrase, to_unit_range
from memgan_bench.data.facts import READ_FROM, Facts, declares
from memgan_bench.data.mnist_family import DIGIT_CLASSES
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

# Netzer et al. 2011 and the dataset page: 73,257 training and 26,032 test 32x32 digits (classes not balanced).
SVHN_FACTS = Facts(sizes={"train": 73_257, "test": 26_032}, sample_shape=(3, 32, 32), num_classes=10)


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels uint8 [N, 3, 32, 32], labels int64 [N] in 0–9) of one SVHN .mat file; ``X`` must be
    [32, 32, 3, N] and ``y`` hold labels 1–10, as the dataset stores them."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        mat = loadmat(path)
        stored, digits = np.asarray(mat["X"]), np.asarray(mat["y"], dtype=np.int64).reshape(-1)
    except (OSError, MatReadError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"cannot read SVHN file {path}: {err}") from None
    if stored.ndim != 4 or stored.shape[:3] != (32, 32, 3) or stored.dtype != np.uint8:
        raise UserError(f"{path}: 'X' is {stored.dtype} {list(stored.shape)}; SVHN stores uint8 [32, 32, 3, N]")
    if digits.size and (digits.min() < 1 or digits.max() > 10):
        bad = digits.min() if digits.min() < 1 else digits.max()
        raise UserError(f"{path}: 'y' holds label {bad}; SVHN stores digits as labels 1..10 (0 as 10)")
    pixels, labels = np.ascontiguousarray(stored.transpose(3, 2, 0, 1)), digits % 10
    if pixels.shape[0] != labels.shape[0]:
        raise UserError(f"{path}: {pixels.shape[0]} images but {labels.shape[0]} labels")
    return pixels, labels


@DATASETS.register("svhn")
@declares(SVHN_FACTS)
def svhn(split: str, root: Optional[str], seed: int) -> ImageData:
    name = f"{split}_32x32.mat"
    candidates = [] if root is None else [Path(root) / "svhn", Path(root) / "SVHN", Path(root)]
    path = next((d / name for d in candidates if (d / name).is_file()), None)
    if path is None:
        raise UserError(
            f"svhn not found {data_root_phrase(root)}: put {name} from "
            "http://ufldl.stanford.edu/housenumbers/ into ROOT/svhn and set data.root=ROOT")
    pixels, labels = read_svhn_mat(path)
    return ImageData(name="svhn", images=to_unit_range(torch.from_numpy(pixels)),
                     labels=torch.from_numpy(labels), class_names=DIGIT_CLASSES, meta={READ_FROM: str(path)})
