from types import SimpleNamespace

import torch

from memgan_bench.data.base import ImageData
from memgan_bench.method import cycled_labels
from memgan_bench.metrics.sampling import generate, random_rows, seen_classes, seen_data


class Echo:
    """A 'generator' whose samples are their labels (or -1 without labels)."""

    def __init__(self, conditional):
        self.conditional = conditional

    def sample(self, n, labels=None):
        return (torch.full((n,), -1.0) if labels is None else labels.float())[:, None]


def test_generate_batches_and_cycles_labels_over_seen_classes():
    out = generate(Echo(True), 7, (2, 5), batch_size=3)
    assert out[:, 0].tolist() == [2, 5, 2, 5, 2, 5, 2]
    assert generate(Echo(False), 4, (2, 5), batch_size=3)[:, 0].tolist() == [-1] * 4


def test_cycled_labels_from_a_start_position():
    assert cycled_labels(range(3), 7).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert cycled_labels((4, 6, 8), 4, start=torch.tensor([2])).tolist() == [8, 4, 6, 8]
    assert cycled_labels(torch.tensor([9]), 3, start=5).tolist() == [9, 9, 9]
    assert cycled_labels((1, 2), 0).tolist() == []


def test_seen_data_and_random_rows():
    data = ImageData("toy", torch.arange(6.0)[:, None], torch.tensor([0, 1, 2, 0, 1, 2]), ["a", "b", "c"])
    ctx = SimpleNamespace(train_data=data, experience=SimpleNamespace(seen_classes=(0, 2)))
    assert seen_classes(ctx) == (0, 2)
    assert seen_data(data, ctx).labels.tolist() == [0, 2, 0, 2]
    assert seen_data(data, SimpleNamespace(train_data=data, experience=None)) is data
    rows = random_rows(data, 4, seed=1)
    assert len(rows) == 4 and len(set(rows[:, 0].tolist())) == 4 and torch.equal(rows, random_rows(data, 4, seed=1))
    assert len(random_rows(data, 100, seed=1)) == 6
