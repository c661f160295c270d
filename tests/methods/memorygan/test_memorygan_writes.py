"""Last-writer-wins batch writes: known answers."""

from types import SimpleNamespace

import torch

from methods.memorygan.writes import apply_writes, last_writer_wins


def test_winner_is_the_latest_query_per_slot():
    slots = torch.tensor([[0, 1], [1, 2], [2, 0]])
    mask = torch.tensor([[True, True], [True, True], [False, True]])
    # flat ids: q0 → 0, 1; q1 → 2, 3; q2 → (4 masked), 5
    assert last_writer_wins(slots, mask, 4).tolist() == [5, 2, 3, -1]


def test_apply_writes_gathers_the_winning_records_and_ages():
    memory = SimpleNamespace(keys=torch.tensor([[0.0, 0.0], [0.6, 0.8], [1.0, 0.0], [0.0, 1.0]]),
                             values=torch.zeros(4), hist=torch.ones(4), ages=torch.tensor([4, 4, 4, 4]))
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, -0.8]])
    slots = torch.tensor([[1], [1], [3]])
    mask = torch.tensor([[True], [True], [False]])
    # query 1 wins slot 1 with K ← 2·K + 3·q; query 2's write to slot 3 is masked out
    records = torch.tensor([[[5.0], [2.0], [7.0]], [[5.0], [3.0], [7.0]], [[1.0], [0.0], [1.0]], [[2.0], [3.0], [9.0]]])
    written = apply_writes(memory, queries, slots, mask, records)  # rows: a, b, value, histogram
    assert written.tolist() == [False, True, False, False]
    torch.testing.assert_close(memory.keys, torch.tensor([[0.0, 0.0], [1.2, 4.6], [1.0, 0.0], [0.0, 1.0]]))
    assert memory.values.tolist() == [0, 0, 0, 0] and memory.hist.tolist() == [1, 3, 1, 1]
    assert memory.ages.tolist() == [5, 0, 5, 5]
