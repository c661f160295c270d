"""Shared fixtures: one tiny evaluation classifier trained in seconds, cached in a temp dir."""

import pytest
import torch

from memgan_bench.data import load_dataset
from memgan_bench.metrics.classifier import load_or_train_classifier


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory):
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("clf-cache")
    return load_or_train_classifier("fashion-mnist", arch="tiny", epochs=2, subset=8000, device="cpu",
                                    cache_dir=cache, progress=False)


@pytest.fixture(scope="session")
def fmnist():
    return load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")
