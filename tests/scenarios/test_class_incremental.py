import socket
import urllib.request

import pytest
import torch

from memgan_bench.data.base import ImageData
from memgan_bench.errors import UserError
from memgan_bench.registry import SCENARIOS
from memgan_bench.typed import build


def toy(n_per_class=7, num_classes=6, offset=0):
    labels = torch.arange(num_classes).repeat_interleave(n_per_class)
    images = (labels.float() + offset).view(-1, 1).repeat(1, 2)
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))
    return ImageData("toy", images[perm], labels[perm], [f"c{i}" for i in range(num_classes)])


def make(seed=0, **cfg):
    cls = SCENARIOS.get("class-incremental")
    return cls(build(cls.Config, cfg), seed)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the scenario tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_order_and_classes_per_experience_with_no_class_lost_or_repeated():
    train, test = toy(), toy(n_per_class=3, offset=0.5)
    exps = make(class_order=[4, 1, 0, 5, 3, 2], classes_per_experience=2).experiences(train, test)
    assert [e.classes for e in exps] == [(4, 1), (0, 5), (3, 2)]
    assert [e.seen_classes for e in exps] == [(4, 1), (4, 1, 0, 5), (4, 1, 0, 5, 3, 2)]
    seen_rows = torch.cat([e.train.images[:, 0] for e in exps])
    assert sorted(seen_rows.tolist()) == sorted(train.images[:, 0].tolist())  # every row exactly once
    for e in exps:
        assert set(e.train.labels.tolist()) == set(e.classes)
        assert torch.equal(e.train.images[:, 0], e.train.labels.float())  # rows keep their own labels
        assert set(e.test.labels.tolist()) == set(e.seen_classes)
        assert len(e.test) == 3 * len(e.seen_classes)
        assert torch.equal(e.test.images[:, 0], e.test.labels.float() + 0.5)


def test_cumulative_joint_training_holds_all_seen_classes():
    exps = make(class_order=[2, 0, 1], cumulative=True, num_experiences=2).experiences(toy(num_classes=3), toy(3, 3))
    assert [e.classes for e in exps] == [(2,), (2, 0)]
    assert sorted(exps[1].train.labels.tolist()) == [0] * 7 + [2] * 7


def test_subset_of_classes_and_seeded_order():
    a = make(seed=3, num_experiences=2).experiences(toy(), toy(3))
    b = make(seed=3, num_experiences=2).experiences(toy(), toy(3))
    assert [e.classes for e in a] == [e.classes for e in b]
    assert len(a) == 2 and len(a[1].seen_classes) == 2
    assert sorted(torch.cat([e.train.labels for e in a]).unique().tolist()) == sorted(a[1].seen_classes)


@pytest.mark.parametrize("cfg", [
    {"class_order": [0, 1, 2], "classes_per_experience": 2},  # remainder class would be dropped
    {"class_order": [0, 0, 1, 2]},
    {"class_order": [0, 9]},
    {"class_order": [0, 1], "num_experiences": 3},
])
def test_bad_streams_are_user_errors(cfg):
    with pytest.raises(UserError):
        make(**cfg).experiences(toy(), toy(3))
