"""Last-writer-wins batch writes: known answers."""

import torch

from methods.memorygan.writes import apply_writes, last_writer_wins


def test_winner_is_the_latest_query_per_slot():
    slots = torch.tensor([[0, 1], [1, 2], [2, 0]])
    mask = torch.tensor([[True, True], [True, True], [False, True]])
    # flat ids: q0 → 0, 1; q1 → 2, 3; q2 → (4 masked), 5
    assert last_writer_wins(slots, mask, 4).tolist() == [5, 2, 3, -1]


def test_apply_writes_gathers_the_winning_records_and_ages():
    keys, values = torch.zeros(4, 2), torch.zeros(4)
    hist, ages = torch.ones(4), torch.tensor([4, 4, 4, 4])
    slots = torch.tensor([[1], [1], [3]])
    mask = torch.tensor([[True], [True], [False]])
    new_keys = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]], [[5.0, 5.0]]])
    written = apply_writes(keys, values, hist, ages, slots, mask, new_keys,
                           torch.tensor([[1.0], [0.0], [1.0]]), torch.tensor([[2.0], [3.0], [9.0]]))
    assert written.tolist() == [False, True, False, False]
    assert keys.tolist() == [[0, 0], [0, 1], [0, 0], [0, 0]]
    assert values.tolist() == [0, 0, 0, 0] and hist.tolist() == [1, 3, 1, 1] and ages.tolist() == [5, 0, 5, 5]
