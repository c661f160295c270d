"""Well-formed data that contradicts its dataset's definition (split sizes, sample shape, label range, class
balance) is refused with one line naming the dataset, the split and where it was read from."""

import gzip
import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.io import savemat

from memgan_bench.data import load_dataset, read_split
from memgan_bench.data.facts import facts_of
from memgan_bench.data.mnist_family import DEBIAN_FASHION_MNIST
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS

SHIPPED = ["fashion-mnist", "mnist-5k", "affine-mnist-5k", "affine-fashion-mnist", "ring8", "ring8-r2", "grid25"]
FROM_USER_FILES = ["mnist", "affine-mnist", "cifar10", "svhn", "celeba"]


def refusal(name, split, root):
    with pytest.raises(UserError) as caught:
        read_split(name, split, str(root), 0)
    message = str(caught.value)
    assert "\n" not in message
    return message


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def idx_root(tmp_path, folder, prefix, pixels, labels):
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / f"{prefix}-images-idx3-ubyte", pixels)
    write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return tmp_path


@pytest.mark.parametrize("name", SHIPPED + FROM_USER_FILES)
def test_every_dataset_declares_the_facts_of_its_definition(name):
    facts = facts_of(DATASETS.get(name))
    assert facts is not None and set(facts.sizes) == {"train", "test"}


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("split", ["train", "test"])
def test_the_shipped_datasets_satisfy_their_facts(name, split):
    facts = facts_of(DATASETS.get(name))
    data = load_dataset(name, split, None, 0)
    assert len(data) == facts.sizes[split] and data.sample_shape == facts.sample_shape
    assert 0 <= int(data.labels.min()) and int(data.labels.max()) < facts.num_classes == data.num_classes
    if facts.balanced:
        assert set(torch.bincount(data.labels).tolist()) == {facts.sizes[split] // facts.num_classes}


@pytest.mark.parametrize("split, other", [("train", "t10k"), ("test", "train")])
def test_swapped_fashion_mnist_train_and_test_files_are_refused(tmp_path, split, other):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    mine = {"train": "train", "test": "t10k"}[split]
    for kind in ("images-idx3", "labels-idx1"):
        (raw / f"{mine}-{kind}-ubyte.gz").symlink_to(DEBIAN_FASHION_MNIST / f"{other}-{kind}-ubyte.gz")
    message = refusal("fashion-mnist", split, tmp_path)
    size, expected = ("10,000", "60,000") if split == "train" else ("60,000", "10,000")
    assert f"fashion-mnist {split} split (read from {raw}/{mine}-images-idx3-ubyte.gz" in message
    assert f"has {size} samples; fashion-mnist's {split} split has {expected}" in message
    assert "swapped" in message


def test_fashion_mnist_labels_out_of_balance_are_refused(tmp_path):
    labels = np.repeat(np.arange(10), 1000)
    labels[:5] = 9  # five T-shirts relabelled as ankle boots: 995 and 1,005 of two classes
    root = idx_root(tmp_path, "FashionMNIST", "t10k", np.zeros((10_000, 28, 28)), labels)
    assert "has 995 to 1,005 samples per class; fashion-mnist's test split has 1,000 of each of its 10 classes" \
        in refusal("fashion-mnist", "test", root)


def test_mnist_images_of_another_size_are_refused(tmp_path):
    root = idx_root(tmp_path, "MNIST", "t10k", np.zeros((10_000, 32, 32)), np.arange(10_000) % 10)
    assert "holds samples of shape 1x32x32; mnist's are 1x28x28" in refusal("mnist", "test", root)
    assert "holds samples of shape 1x32x32; mnist's are 1x28x28" in refusal("affine-mnist", "test", root)  # its source


def test_a_partial_mnist_is_refused_not_trained_on(tmp_path):
    root = idx_root(tmp_path, "MNIST", "t10k", np.zeros((3, 28, 28)), np.array([7, 0, 3]))
    assert "has 3 samples; mnist's test split has 10,000" in refusal("mnist", "test", root)


def write_cifar_batch(path, labels):
    with open(path, "wb") as handle:
        pickle.dump({b"labels": [int(label) for label in labels], b"data": np.zeros((len(labels), 3072), dtype=np.uint8)}, handle)


def test_cifar10_of_the_wrong_size_or_balance_is_refused(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    write_cifar_batch(folder / "test_batch", [0, 1, 2])
    assert f"cifar10 test split (read from {folder}) has 3 samples; cifar10's test split has 10,000" \
        in refusal("cifar10", "test", tmp_path)
    write_cifar_batch(folder / "test_batch", np.arange(10_000) // 1_250 % 10)  # 8 classes of 1,250
    assert "has 0 to 1,250 samples per class" in refusal("cifar10", "test", tmp_path)


def test_svhn_labels_outside_1_to_10_are_refused_not_wrapped(tmp_path):
    pixels = np.zeros((32, 32, 3, 2), dtype=np.uint8)
    savemat(tmp_path / "test_32x32.mat", {"X": pixels, "y": np.array([[0], [3]], dtype=np.uint8)})
    assert "'y' holds label 0; SVHN stores digits as labels 1..10" in refusal("svhn", "test", tmp_path)
    savemat(tmp_path / "test_32x32.mat", {"X": pixels, "y": np.array([[11], [3]], dtype=np.uint8)})
    assert "'y' holds label 11" in refusal("svhn", "test", tmp_path)


def test_svhn_images_of_another_layout_are_refused(tmp_path):
    savemat(tmp_path / "test_32x32.mat", {"X": np.zeros((28, 28, 3, 2), dtype=np.uint8), "y": np.array([[1], [2]])})
    assert "'X' is uint8 [28, 28, 3, 2]; SVHN stores uint8 [32, 32, 3, N]" in refusal("svhn", "test", tmp_path)


def test_svhn_of_the_wrong_size_is_refused(tmp_path):
    savemat(tmp_path / "train_32x32.mat", {"X": np.zeros((32, 32, 3, 2), dtype=np.uint8), "y": np.array([[1], [2]])})
    assert "has 2 samples; svhn's train split has 73,257" in refusal("svhn", "train", tmp_path)


def celeba_root(tmp_path, size):
    folder = tmp_path / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    Image.fromarray(np.zeros((size[1], size[0], 3), dtype=np.uint8)).save(folder / "img_align_celeba" / "1.jpg")
    (folder / "list_eval_partition.txt").write_text("1.jpg 2\n")
    return tmp_path


def test_celeba_images_that_are_not_the_aligned_size_are_refused(tmp_path):
    assert "1.jpg is 200x240; aligned CelebA images are 178x218" in refusal("celeba", "test", celeba_root(tmp_path, (200, 240)))


def test_a_partial_celeba_is_refused(tmp_path):
    assert "has 1 samples; celeba's test split has 19,962" in refusal("celeba", "test", celeba_root(tmp_path, (178, 218)))


def test_a_sweep_refuses_swapped_data_before_any_run_starts(tmp_path, tiny_dcgan_config, capsys):
    import yaml

    from memgan_bench.cli import main

    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for mine, other in (("train", "t10k"), ("t10k", "train")):
        for kind in ("images-idx3", "labels-idx1"):
            (raw / f"{mine}-{kind}-ubyte.gz").symlink_to(DEBIAN_FASHION_MNIST / f"{other}-{kind}-ubyte.gz")
    tiny_dcgan_config["data"]["root"] = str(tmp_path / "data")
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_dcgan_config))
    code = main(["sweep", str(tmp_path / "tiny.yaml"), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "are the train and test files swapped?" in err
    assert not list((tmp_path / "runs").rglob("results.csv"))
