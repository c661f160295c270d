"""``official`` normalises as TensorFlow's ``tf.nn.l2_normalize`` (floor on ‖x‖²), ``paper`` as ``F.normalize``:
known answers on the one case where they differ, an EM step of an empty slot with a tiny posterior."""

import math

import pytest
import torch

from methods.memorygan.memory import VMFMemory


def memory_with_one_strong_slot(fidelity):
    """N = 8, M = 3, k = 4: slot 0 (real) holds q with h = 1000; slots 1–7 are empty (K = 0, h = 1e−5)."""
    memory = VMFMemory(8, 3, 4, fidelity=fidelity).double()
    q = torch.tensor([[0.6, 0.0, 0.8]], dtype=torch.float64)
    memory.keys[0] = q[0]
    memory.hist.fill_(1e-5)  # the float64 value (the buffer was made in float32)
    memory.hist[0] = 1000.0
    return memory, q


def test_official_em_leaves_an_empty_slot_with_a_tiny_posterior_shorter_than_unit():
    memory, q = memory_with_one_strong_slot("official")
    memory.update(q, torch.ones(1))
    # S_y = {0, 1, 2, 3} (slot 0 first; empty real slots 1–3 beat empty fake ones, penalised by 2).
    # Eq. 1 on S_y with the prior α·h + β: joint_0 = e¹·(500 + β), joint_j = e⁰·(5e−6 + β) for j = 1..3.
    joint_empty = 0.5 * 1e-5 + 1e-8
    gamma = joint_empty / (math.e * (0.5 * 1000 + 1e-8) + 3 * joint_empty)
    h_new = 0.5 * 1e-5 + 1.0  # official: h + Σγ over S_y (= 1)
    r = gamma / h_new  # key 0 + r·(q − 0) = r·q, with r ≈ 3.7e−9 < 1e−6
    assert r < 1e-6
    for slot in (1, 2, 3):
        # tf.nn.l2_normalize(r·q) = r·q / sqrt(max(r², 1e−12)) = r·q·1e6
        torch.testing.assert_close(memory.keys[slot], q[0] * r * 1e6, rtol=1e-9, atol=0)
        assert memory.hist[slot].item() == pytest.approx(h_new, rel=1e-12)


def test_paper_em_makes_the_same_empty_slot_a_unit_key():
    memory, q = memory_with_one_strong_slot("paper")
    memory.update(q, torch.ones(1))
    for slot in (1, 2, 3):  # F.normalize(r·q) = q for any r > 1e−12
        torch.testing.assert_close(memory.keys[slot], q[0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("fidelity, expected_norm", [("paper", 1.0), ("official", 1e-8 * 1e6)])
def test_queries_shorter_than_1e_minus_6(fidelity, expected_norm):
    memory = VMFMemory(8, 3, 4, fidelity=fidelity).double()
    raw = torch.tensor([[1e-8, 0.0, 0.0], [3.0, 4.0, 0.0]], dtype=torch.float64)
    norms = memory.unit(raw).norm(dim=1)
    torch.testing.assert_close(norms, torch.tensor([expected_norm, 1.0], dtype=torch.float64))
