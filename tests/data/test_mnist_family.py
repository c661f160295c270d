"""Fashion-MNIST from the installed Debian files; MNIST from a user's torchvision-layout IDX files."""

import gzip
import struct

import numpy as np
import pytest
import torch

from memgan_bench.data import load_dataset
from memgan_bench.data import mnist_family
from memgan_bench.errors import UserError


@pytest.mark.parametrize("split, count", [("train", 60000), ("test", 10000)])
def test_fashion_mnist_is_the_real_set(split, count):
    data = load_dataset("fashion-mnist", split, None, 0)
    assert data.images.shape == (count, 1, 28, 28) and data.images.dtype == torch.float32
    assert data.labels.shape == (count,) and data.labels.dtype == torch.int64
    assert torch.bincount(data.labels).tolist() == [count // 10] * 10
    assert data.images.min().item() == -1.0 and data.images.max().item() == 1.0
    assert data.class_names[0] == "T-shirt/top" and len(data.class_names) == 10


def test_fashion_mnist_missing_names_both_ways_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_family, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    with pytest.raises(UserError, match="FashionMNIST/raw.*apt-get install -y dataset-fashion-mnist"):
        load_dataset("fashion-mnist", "test", str(tmp_path), 0)


def write_idx(path, array, type_code):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(header + array.astype(">u1").tobytes())


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_mnist_reads_torchvision_layout(tmp_path, suffix):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28) % 256
    write_idx(raw / f"t10k-images-idx3-ubyte{suffix}", pixels.astype(np.uint8), 0x08)
    write_idx(raw / f"t10k-labels-idx1-ubyte{suffix}", np.array([7, 0, 3], dtype=np.uint8), 0x08)
    data = mnist_family.mnist("test", str(tmp_path), 0)  # the loader alone: three images are no MNIST
    assert data.name == "mnist" and data.images.shape == (3, 1, 28, 28)
    assert data.labels.tolist() == [7, 0, 3]
    expected = torch.from_numpy(pixels).float().unsqueeze(1) / 127.5 - 1.0
    assert torch.allclose(data.images, expected)


def test_missing_mnist_points_to_the_offline_subset_without_substituting(tmp_path):
    with pytest.raises(UserError, match="ROOT/MNIST/raw.*'mnist-5k'"):
        load_dataset("mnist", "train", str(tmp_path), 0)
