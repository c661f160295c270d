import torch

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch

from methods.mergan import replay_alignment_loss, replay_labels


def test_replay_alignment_loss_on_fixed_tensors():
    new = torch.tensor([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    old = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.5, -0.5]])
    # squared differences: 1 + 0, 4 + 1, 0 + 1 → sum 7; ½ · 7 · λ / t with λ = 0.1, t = 2
    assert torch.isclose(replay_alignment_loss(new, old, num_past=2, weight=0.1), torch.tensor(0.175))


def test_ra_term_is_zero_right_after_the_copy_and_counts_m_samples_per_past_class(make_method, experience):
    torch.manual_seed(0)
    method = make_method("mergan-ra", ra_weight=1.0)
    method.on_experience_start(experience(0, [0], [0]))
    assert method.alignment_loss(10) == 0.0  # no past class yet
    method.on_experience_end(experience(0, [0], [0]))
    method.on_experience_start(experience(3, [3], [0, 1, 2, 3]))
    assert method.alignment_loss(10).item() == 0.0  # same z through identical generators
    delta = torch.tensor([0.3, -0.4])  # shift every G output by δ: L = λ/t · t·m · ½‖δ‖², m = ⌊10/3⌋ = 3
    with torch.no_grad():
        method.generator.net[-1].bias += delta
    assert torch.isclose(method.alignment_loss(10), torch.tensor(3 * 0.5 * 0.25), atol=1e-6)
    assert method.alignment_loss(10).requires_grad


def test_jtr_batch_gives_each_seen_class_an_equal_share_of_replay(make_method, experience):
    torch.manual_seed(0)
    method = make_method("mergan-jtr")
    method.on_experience_end(experience(2, [2], [0, 1, 2]))
    method.on_experience_start(experience(3, [3], [0, 1, 2, 3]))
    x, y = torch.full((12, 2), 100.0), torch.full((12,), 3)
    mixed_x, mixed_y = method.real_batch(x, y)
    assert mixed_x.shape == (12, 2)
    assert torch.bincount(mixed_y, minlength=4).tolist() == [3, 3, 3, 3]  # 12·3/4 replayed, 3 per past class
    real_rows = (mixed_x == 100.0).all(dim=1)
    assert torch.equal(real_rows, mixed_y == 3)  # replayed rows come from G_old, not from the real batch
    torch.manual_seed(1)
    mixed_x, mixed_y = method.real_batch(x, y)
    torch.manual_seed(1)
    torch.randint(3, (1,))  # the random first replay class
    z = torch.randn(9, 4)
    assert torch.allclose(mixed_x[3:], method.replay_samples(mixed_y[3:], z))  # real rows first, then G_old(z, c)


def test_replay_labels_reach_every_past_class_even_when_fewer_rows_than_classes():
    torch.manual_seed(0)
    past = torch.tensor([3, 5, 6, 8, 9])
    draws = torch.cat([replay_labels(past, 2) for _ in range(500)])
    counts = torch.bincount(draws, minlength=10)[past].float()
    assert set(draws.tolist()) == set(past.tolist())
    assert torch.allclose(counts / counts.sum(), torch.full((5,), 0.2), atol=0.04)


def test_replay_generator_is_frozen_in_state_dict_and_matches_g_right_after_the_copy(make_method, experience):
    torch.manual_seed(0)
    method = make_method("mergan-ra", spec=DataSpec((1, 28, 28), 4), ra_weight=1.0).train()
    assert not any(p.requires_grad for p in method.replay.parameters())
    assert any(k.startswith("replay.") for k in method.state_dict()["modules"])
    method.on_experience_start(experience(0, [0], [0], dim=(1, 28, 28)))
    method.train_step(Batch(torch.randn(40, 1, 28, 28), torch.zeros(40, dtype=torch.long)))
    method.on_experience_end(experience(0, [0], [0], dim=(1, 28, 28)))
    method.on_experience_start(experience(1, [1], [0, 1], dim=(1, 28, 28)))
    assert method.alignment_loss(8).item() == 0.0  # batch norms in the same mode: identical outputs
    frozen = {k: v.clone() for k, v in method.replay.state_dict().items()}
    method.train_step(Batch(torch.randn(40, 1, 28, 28), torch.ones(40, dtype=torch.long)))
    assert all(torch.equal(v, method.replay.state_dict()[k]) for k, v in frozen.items())  # running stats too
    assert method.alignment_loss(8).item() > 0.0
