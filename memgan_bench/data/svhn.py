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
from memgan_bench.data.mnist_family import DIGIT_CLASSES
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels uint8 [N, 3, 32, 32], labels int64 [N] in 0–9) of one SVHN .mat file."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        mat = loadmat(path)
        pixels = np.ascontiguousarray(np.asarray(mat["X"], dtype=np.uint8).transpose(3, 2, 0, 1))
        labels = np.asarray(mat["y"], dtype=np.int64).reshape(-1) % 10
    except (OSError, MatReadError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"cannot read SVHN file {path}: {err}") from None
    if pixels.shape[0] != labels.shape[0]:
        raise UserError(f"{path}: {pixels.shape[0]} images but {labels.shape[0]} labels")
    return pixels, labels


@DATASETS.register("svhn")
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
                     labels=torch.from_numpy(labels), class_names=DIGIT_CLASSES)
