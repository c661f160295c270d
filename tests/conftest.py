import copy

import pytest

from memgan_bench.data import load_dataset
from memgan_bench.evaluation.classifier import load_or_train_classifier


TINY_DCGAN = {
    "method": "dcgan",
    "model": {"z_dim": 8, "width": 8},
    "data": {"name": "fashion-mnist"},
    "train": {"steps": 12, "batch_size": 16, "log_every": 4, "checkpoint_every": 4, "sample_grid": 16},
    "seed": 3,
    "device": "cpu",
}


@pytest.fixture
def tiny_dcgan_config():
    """A DCGAN config that trains in well under a second per 10 steps on CPU."""
    return copy.deepcopy(TINY_DCGAN)


@pytest.fixture(scope="session")
def finished_tiny_run(tmp_path_factory):
    """A finished run directory of ``TINY_DCGAN`` (trained once per session; copy it before changing it)."""
    from memgan_bench.config import resolve
    from memgan_bench.engine.runner import bring_to_finished

    out = tmp_path_factory.mktemp("finished") / "run"
    bring_to_finished(out, resolve(copy.deepcopy(TINY_DCGAN)))
    return out


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory):
    """A tiny evaluation classifier (2 epochs on 8,000 Fashion-MNIST images, seconds), in a temp cache."""
    cache = tmp_path_factory.mktemp("clf-cache")
    return load_or_train_classifier("fashion-mnist", arch="tiny", epochs=2, subset=8000, device="cpu",
                                    cache_dir=cache, progress=False)


@pytest.fixture(scope="session")
def fmnist():
    return load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")


@pytest.fixture
def scoped_registries():
    """Entries a test registers in the shared registries are removed when it ends."""
    from memgan_bench.registry import DATASETS
    from memgan_bench.registry import METHODS, PLUGINS, SCENARIOS

    registries = (METHODS, PLUGINS, SCENARIOS, DATASETS)
    saved = [registry.snapshot() for registry in registries]
    yield
    for registry, items in zip(registries, saved):
        registry.restore(items)
