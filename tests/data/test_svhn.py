"""SVHN loader on a fabricated .mat file in the real layout (X [32, 32, 3, N], digit 0 stored as 10)."""

import numpy as np
import pytest
import torch
from scipy.io import savemat

from memgan_bench.data import load_dataset
from memgan_bench.data.svhn import svhn
from memgan_bench.errors import UserError


def test_mat_file_becomes_nchw_images_and_digit_labels(tmp_path):
    (tmp_path / "svhn").mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, size=(32, 32, 3, 4), dtype=np.uint8)
    savemat(tmp_path / "svhn" / "test_32x32.mat", {"X": pixels, "y": np.array([[10], [1], [9], [10]], dtype=np.uint8)})
    data = svhn("test", str(tmp_path), 0)  # the loader alone: four images are no SVHN
    assert data.images.shape == (4, 3, 32, 32) and data.images.dtype == torch.float32
    assert data.labels.tolist() == [0, 1, 9, 0] and data.class_names[0] == "0"
    assert data.images[2, 1, 5, 7].item() == pytest.approx(pixels[5, 7, 1, 2] / 127.5 - 1.0)
    assert torch.equal(data.images[3], torch.from_numpy(pixels[..., 3].astype(np.float32)).permute(2, 0, 1) / 127.5 - 1.0)


def test_missing_file_names_it_and_where_to_put_it(tmp_path):
    with pytest.raises(UserError, match="svhn not found.*train_32x32.mat.*ROOT/svhn"):
        load_dataset("svhn", "train", str(tmp_path), 0)


def test_corrupt_file_is_a_user_error(tmp_path):
    (tmp_path / "train_32x32.mat").write_bytes(b"garbage" * 100)
    with pytest.raises(UserError, match="cannot read SVHN file"):
        load_dataset("svhn", "train", str(tmp_path), 0)
