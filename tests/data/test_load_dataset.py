"""The registry front door: names, splits, and no synthetic stand-in for a missing real dataset."""

import pytest
import torch

from memgan_bench.data import SPLITS_KEPT, ImageData, load_dataset

from memgan_bench.data import mnist_family
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

REAL_FROM_USER_FILES = ["mnist", "affine-mnist", "cifar10", "svhn", "celeba"]


def test_every_dataset_named_in_the_docs_is_registered():
    expected = {"fashion-mnist", "mnist", "mnist-5k", "affine-mnist", "affine-mnist-5k",
                "affine-fashion-mnist", "ring8", "ring8-r2", "grid25", "cifar10", "svhn", "celeba"}
    assert expected <= set(DATASETS.names())


def test_unknown_dataset_name_is_a_user_error_listing_the_known_ones():
    with pytest.raises(UserError, match="unknown dataset 'mnsit'.*fashion-mnist"):
        load_dataset("mnsit", "train", None, 0)


def test_unknown_split_is_a_user_error():
    with pytest.raises(UserError, match="unknown split 'valid'"):
        load_dataset("ring8", "valid", None, 0)


@pytest.mark.parametrize("name", REAL_FROM_USER_FILES + ["fashion-mnist", "affine-fashion-mnist"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_missing_real_dataset_raises_instead_of_returning_synthetic_data(name, split, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_family, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")
    with pytest.raises(UserError) as caught:
        load_dataset(name, split, str(tmp_path), 0)
    message = str(caught.value)
    assert "\n" not in message
    assert "data.root" in message


def test_the_split_cache_keeps_the_most_recently_used_splits_only(scoped_registries, tmp_path):
    loads = []

    @DATASETS.register("counted")
    def counted(split, root, seed):
        loads.append(seed)
        return ImageData("counted", torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), ["c0"])

    def load(seed):  # a root of this test's own: no other test's split is in the way
        return load_dataset("counted", "train", str(tmp_path), seed)

    first = load(0)
    for seed in range(1, SPLITS_KEPT):
        load(seed)
    assert load(0) is first and loads == list(range(SPLITS_KEPT))  # a hit, now the most recently used
    load(SPLITS_KEPT)  # one split too many: seed 1, the least recently used, goes
    assert load(0) is first and load(SPLITS_KEPT - 1) is not None
    assert loads == list(range(SPLITS_KEPT + 1))
    load(1)
    assert loads == list(range(SPLITS_KEPT + 1)) + [1]
