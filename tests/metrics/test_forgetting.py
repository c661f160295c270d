import pytest
import torch

from memgan_bench.metrics.forgetting import ForgettingTracker


class ScriptedD:
    """A discriminator whose answer for each probe item at each step is set by hand.

    Probe items are encoded as x = [[probe_id, item_index]]; ``answers[step][probe_id]`` lists P(real)."""

    def __init__(self, answers):
        self.answers = answers
        self.step = None

    def __call__(self, x):
        table = self.answers[self.step]
        return torch.tensor([table[int(p)][int(i)] for p, i in x])


def items(probe_id, n):
    return torch.stack([torch.full((n,), float(probe_id)), torch.arange(n).float()], dim=1)


def test_exact_forgetting_numbers():
    d = ScriptedD({
        10: {0: [0.1, 0.2, 0.9, 0.3], 1: [0.9, 0.8, 0.7, 0.2]},
        20: {0: [0.6, 0.7, 0.2, 0.9], 1: [0.9, 0.9, 0.9, 0.9], 2: [0.0, 0.0, 0.0, 0.0]},
        30: {0: [0.1, 0.1, 0.1, 0.5], 1: [0.4, 0.4, 0.6, 0.6], 2: [1.0, 1.0, 1.0, 0.2]},
    })
    tracker = ForgettingTracker()
    tracker.add_probe("s0", items(0, 4), is_real=False, step=0)
    tracker.add_probe("real", items(1, 4), is_real=True, step=0)
    tracker.add_probe("s20", items(2, 4), is_real=False, step=20)
    table = {}
    for step in (10, 20, 30):
        d.step = step
        for row in tracker.evaluate(d, step):
            table[row["probe"], step] = row
    assert ("s20", 10) not in table  # not yet archived at step 10
    expected = {  # (probe, step): (mean P(real), accuracy, forgetting)
        ("s0", 10): (0.375, 0.75, 0.0), ("s0", 20): (0.6, 0.25, 0.5), ("s0", 30): (0.2, 1.0, 0.0),
        ("real", 10): (0.65, 0.75, 0.0), ("real", 20): (0.9, 1.0, 0.0), ("real", 30): (0.5, 0.5, 0.5),
        ("s20", 20): (0.0, 1.0, 0.0), ("s20", 30): (0.8, 0.25, 0.75),
    }
    for key, (p, acc, forget) in expected.items():
        row = table[key]
        assert (row["p_real"], row["acc"], row["forgetting"]) == pytest.approx((p, acc, forget)), key
        assert row["created"] == {"s0": 0, "real": 0, "s20": 20}[key[0]]
    rows30 = [table[k] for k in table if k[1] == 30]
    assert ForgettingTracker.summary(rows30, horizon=15) == pytest.approx((0.0 + 0.5) / 2)
    assert ForgettingTracker.summary(rows30, horizon=5) == pytest.approx((0.0 + 0.5 + 0.75) / 3)
    assert ForgettingTracker.summary(rows30, horizon=5, real=False) == pytest.approx(0.75 / 2)
    assert ForgettingTracker.summary(rows30, horizon=31) is None


def test_state_roundtrip_keeps_best_accuracy():
    tracker = ForgettingTracker()
    tracker.add_probe("s0", items(0, 2), is_real=False, step=0)
    tracker.evaluate(lambda x: torch.zeros(len(x)), 5)
    restored = ForgettingTracker()
    restored.load_state_dict(tracker.state_dict())
    (row,) = restored.evaluate(lambda x: torch.ones(len(x)), 6)
    assert row["acc"] == 0.0 and row["forgetting"] == 1.0
    with pytest.raises(ValueError):
        restored.add_probe("s0", items(0, 2), is_real=False, step=7)


def test_batched_evaluation_matches_whole():
    """Batches of 7 over 101 probe items give the same row as one pass over all 101 (and the known answer:
    D(x) = x on x = 0, 0.01, …, 1 has mean ½ and 50 of 101 items above ½)."""
    x = torch.linspace(0, 1, 101)[:, None]
    rows, seen = {}, {}
    for batch_size in (7, 101):
        tracker = ForgettingTracker()
        tracker.add_probe("r", x, is_real=True, step=0)
        sizes = seen.setdefault(batch_size, [])
        (rows[batch_size],) = tracker.evaluate(lambda b: (sizes.append(len(b)), b[:, 0])[1], 0, batch_size=batch_size)
    assert seen[7] == [7] * 14 + [3] and seen[101] == [101]
    assert rows[7] == pytest.approx(rows[101])
    assert rows[101]["p_real"] == pytest.approx(0.5) and rows[101]["acc"] == pytest.approx(50 / 101)
