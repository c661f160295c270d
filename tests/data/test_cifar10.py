"""CIFAR-10 loader on fabricated batches in the real pickle format and layout."""

import pickle

import numpy as np
import pytest
import torch

from memgan_bench.data import load_dataset
from memgan_bench.data.cifar10 import cifar10
from memgan_bench.errors import UserError


def write_batch(path, pixels, labels):
    with open(path, "wb") as handle:
        pickle.dump({b"batch_label": b"fake", b"labels": list(labels), b"data": pixels,
                     b"filenames": [b"x.png"] * len(labels)}, handle)


@pytest.fixture
def cifar_root(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        pixels = rng.integers(0, 256, size=(3, 3072), dtype=np.uint8)
        pixels[0, :1024], pixels[0, 1024:2048], pixels[0, 2048:] = 255, 0, 51
        write_batch(folder / name, pixels, rng.integers(0, 10, size=3).tolist())
    return tmp_path


def test_batches_become_planar_rgb_images_in_unit_range(cifar_root):
    data = cifar10("train", str(cifar_root), 0)  # the loader alone: 15 images are no CIFAR-10
    assert data.images.shape == (15, 3, 32, 32) and data.images.dtype == torch.float32
    assert data.labels.dtype == torch.int64 and len(data.class_names) == 10
    first = data.images[0]
    assert torch.all(first[0] == 1.0) and torch.all(first[1] == -1.0)
    assert torch.allclose(first[2], torch.full((32, 32), 51 / 127.5 - 1.0))
    with open(cifar_root / "cifar-10-batches-py" / "data_batch_2", "rb") as handle:
        batch = pickle.load(handle, encoding="bytes")
    assert data.labels[3:6].tolist() == batch[b"labels"]
    row = torch.from_numpy(batch[b"data"][1].astype(np.float32)).view(3, 32, 32) / 127.5 - 1.0
    assert torch.equal(data.images[4], row)


def test_test_split_reads_test_batch_only(cifar_root):
    assert len(cifar10("test", str(cifar_root), 0)) == 3


def test_missing_batches_say_where_to_put_them(tmp_path):
    with pytest.raises(UserError, match="cifar10 not found.*ROOT/cifar-10-batches-py"):
        load_dataset("cifar10", "train", str(tmp_path), 0)


def test_corrupt_batch_is_a_user_error(cifar_root):
    (cifar_root / "cifar-10-batches-py" / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(UserError, match="cannot read CIFAR-10 batch"):
        load_dataset("cifar10", "test", str(cifar_root), 1)


class RunsAShellCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def test_a_crafted_batch_cannot_run_code(cifar_root, tmp_path, capsys):
    from memgan_bench.cli import main

    marker = tmp_path / "owned"
    with open(cifar_root / "cifar-10-batches-py" / "test_batch", "wb") as handle:
        pickle.dump({b"data": RunsAShellCommand(marker), b"labels": [0]}, handle)
    with pytest.raises(UserError, match="refusing to load global (posix|os).system"):
        load_dataset("cifar10", "test", str(cifar_root), 1)
    assert not marker.exists()
    assert main(["real", "--dataset", "cifar10", "--data-root", str(cifar_root), "--num-samples", "10"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and not marker.exists()


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_batches_of_every_pickle_protocol_read(cifar_root, protocol):
    rng = np.random.default_rng(1)
    pixels, labels = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8), [9, 0]
    with open(cifar_root / "cifar-10-batches-py" / "test_batch", "wb") as handle:
        pickle.dump({b"batch_label": b"x", b"labels": labels, b"data": pixels, b"filenames": [b"a", b"b"]}, handle,
                    protocol=protocol)
    data = cifar10("test", str(cifar_root), 0)
    assert data.labels.tolist() == labels
    assert torch.equal(data.images, torch.from_numpy(pixels.reshape(2, 3, 32, 32).astype(np.float32)) / 127.5 - 1)


@pytest.mark.parametrize("batch, fragment", [
    ({b"data": np.zeros((2, 3072), dtype=np.float64), b"labels": [0, 1]}, "uint8 array"),
    ({b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 10]}, "integers in 0..9"),
    ({b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0]}, "2 integers"),
    ([1, 2], "list indices"),
])
def test_batches_of_the_wrong_shape_or_type_are_refused(cifar_root, batch, fragment):
    with open(cifar_root / "cifar-10-batches-py" / "test_batch", "wb") as handle:
        pickle.dump(batch, handle)
    with pytest.raises(UserError, match=fragment):
        load_dataset("cifar10", "test", str(cifar_root), 0)
