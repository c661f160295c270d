"""CelebA (Liu et al. 2015) aligned faces as 64×64 colour images, the DCGAN preprocessing.

Expected in torchvision's layout under the data root ROOT (config ``data.root``):
``ROOT/celeba/img_align_celeba/*.jpg`` and ``ROOT/celeba/list_eval_partition.txt`` (lines
``<file> <0|1|2>``: train, validation, test). ``train`` is partition 0 (162,770 faces), ``test`` partition 2
(19,962); validation is unused. Each 178×218 image is
center-cropped to 108×108 and resized to 64×64 with antialiased bilinear interpolation, the CelebA
preprocessing of the widely used DCGAN implementation carpedm20/DCGAN-tensorflow
(``--dataset celebA --input_height=108 --crop``, output 64). JPEGs are decoded with Pillow once at load
(this takes minutes for the full set; nothing is cached on disk) into one tensor in [-1, 1]. There are no
classes: every label is 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from memgan_bench.data.base import ImageData, data_root_phrase, to_unit_range
from memgan_bench.data.facts import READ_FROM, Facts, declares
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

CROP = 108
SIZE = 64
PARTITION = {"train": "0", "test": "2"}
_CHUNK = 1024
ALIGNED = (178, 218)  # width, height of every aligned image
CELEBA_FACTS = Facts(sizes={"train": 162_770, "test": 19_962}, sample_shape=(3, SIZE, SIZE), num_classes=1)


def partition_files(listing: Path, split: str) -> list[str]:
    """Image file names of ``split`` from ``list_eval_partition.txt``."""
    names = []
    for number, line in enumerate(listing.read_text().splitlines(), 1):
        fields = line.split()
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise UserError(f"{listing}:{number}: expected '<file> <0|1|2>', got '{line.strip()}'")
        if fields[1] == PARTITION[split]:
            names.append(fields[0])
    return names


def decode_center_crop(path: Path, crop: int = CROP) -> torch.Tensor:
    """uint8 [3, crop, crop] centre of one JPEG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if (width, height) != ALIGNED:
                raise UserError(f"{path} is {width}x{height}; aligned CelebA images are {ALIGNED[0]}x{ALIGNED[1]}")
            top, left = (height - crop) // 2, (width - crop) // 2
            pixels = np.asarray(image.convert("RGB").crop((left, top, left + crop, top + crop)))
    except (OSError, UnidentifiedImageError) as err:
        raise UserError(f"cannot decode CelebA image {path}: {err}") from None
    return torch.from_numpy(pixels.copy()).permute(2, 0, 1)


def resize(crops: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """uint8 [N, 3, crop, crop] → float32 [N, 3, size, size] in [-1, 1]."""
    scaled = F.interpolate(to_unit_range(crops), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return scaled.clamp(-1.0, 1.0)


@DATASETS.register("celeba")
@declares(CELEBA_FACTS)
def celeba(split: str, root: Optional[str], seed: int) -> ImageData:
    folder = None if root is None else Path(root) / "celeba"
    if folder is None or not (folder / "img_align_celeba").is_dir() or not (folder / "list_eval_partition.txt").is_file():
        raise UserError(
            f"celeba not found {data_root_phrase(root)}: put the aligned images in ROOT/celeba/img_align_celeba/ "
            "and list_eval_partition.txt in ROOT/celeba/ (torchvision layout; files from "
            "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html) and set data.root=ROOT")
    names = partition_files(folder / "list_eval_partition.txt", split)
    if not names:
        raise UserError(f"{folder / 'list_eval_partition.txt'} lists no {split} images")
    paths = [folder / "img_align_celeba" / name for name in names]
    missing = next((p for p in paths if not p.is_file()), None)
    if missing is not None:
        raise UserError(f"celeba: {missing} is listed in list_eval_partition.txt but missing")
    images = torch.cat([resize(torch.stack([decode_center_crop(p) for p in paths[i:i + _CHUNK]]))
                        for i in range(0, len(paths), _CHUNK)])
    return ImageData(name="celeba", images=images, labels=torch.zeros(len(paths), dtype=torch.int64),
                     class_names=["face"], meta={"crop": CROP, "size": SIZE, READ_FROM: str(folder)})
