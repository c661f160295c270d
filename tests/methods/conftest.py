import pytest
import torch

from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.typed import build
from memgan_bench.registry import METHODS
from memgan_bench.scenario import Experience


def _experience(index, classes, seen, num_classes=4, dim=2):
    shape = dim if isinstance(dim, tuple) else (dim,)
    empty = ImageData("toy", torch.zeros(0, *shape), torch.zeros(0, dtype=torch.long),
                      [f"c{i}" for i in range(num_classes)])
    return Experience(index, tuple(classes), tuple(seen), empty, empty)


def _make_method(name="acgan", spec=None, **cfg):
    """A tiny conditional method on flat 2-D samples with 4 classes (z_dim 4, width 8)."""
    cls = METHODS.get(name)
    return cls(build(cls.Config, {"width": 8, "z_dim": 4, **cfg}), spec or DataSpec((2,), 4))


@pytest.fixture
def experience():
    return _experience


@pytest.fixture
def make_method():
    return _make_method
