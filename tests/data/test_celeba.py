"""CelebA loader on fabricated JPEGs in torchvision's layout: partition choice and the 108-px centre crop."""

import numpy as np
import pytest
import torch
from PIL import Image

from memgan_bench.data import load_dataset
from memgan_bench.data.celeba import celeba
from memgan_bench.errors import UserError


@pytest.fixture
def celeba_root(tmp_path):
    folder = tmp_path / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    pixels = np.zeros((218, 178, 3), dtype=np.uint8)
    pixels[55:163, 35:143] = 255
    image = Image.fromarray(pixels)
    lines = []
    for index, partition in enumerate([0, 0, 1, 2, 0]):
        name = f"{index + 1:06d}.jpg"
        image.save(folder / "img_align_celeba" / name, quality=95)
        lines.append(f"{name} {partition}")
    (folder / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_partitions_and_center_crop(celeba_root):
    train = celeba("train", str(celeba_root), 0)  # the loader alone: five faces are no CelebA
    test = celeba("test", str(celeba_root), 0)
    assert train.images.shape == (3, 3, 64, 64) and test.images.shape == (1, 3, 64, 64)
    assert train.images.dtype == torch.float32 and train.labels.tolist() == [0, 0, 0]
    assert train.images.min().item() >= -1.0 and train.images.max().item() <= 1.0
    # The white square is exactly the 108x108 centre of a 178x218 face: the crop keeps only white.
    assert train.images.mean().item() > 0.95


def test_missing_layout_says_where_to_put_the_files(tmp_path):
    with pytest.raises(UserError, match="celeba not found.*ROOT/celeba/img_align_celeba"):
        load_dataset("celeba", "train", str(tmp_path), 0)


def test_listed_but_missing_image_is_named(celeba_root):
    (celeba_root / "celeba" / "img_align_celeba" / "000004.jpg").unlink()
    with pytest.raises(UserError, match="000004.jpg is listed"):
        load_dataset("celeba", "test", str(celeba_root), 3)


def test_undecodable_image_is_a_user_error(celeba_root):
    (celeba_root / "celeba" / "img_align_celeba" / "000004.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(UserError, match="cannot decode CelebA image"):
        load_dataset("celeba", "test", str(celeba_root), 4)


def test_malformed_partition_line_is_a_user_error(celeba_root):
    (celeba_root / "celeba" / "list_eval_partition.txt").write_text("000001.jpg train\n")
    with pytest.raises(UserError, match="list_eval_partition.txt:1"):
        load_dataset("celeba", "train", str(celeba_root), 2)
