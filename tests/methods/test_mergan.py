import math

import torch

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch

from methods.mergan import replay_alignment_loss


def test_replay_alignment_loss_on_fixed_tensors():
    new = torch.tensor([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    old = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.5, -0.5]])
    # squared differences: 1 + 0, 4 + 1, 0 + 1 → sum 7; ½ · 7 · λ / t with λ = 0.1, t = 2
    assert torch.isclose(replay_alignment_loss(new, old, num_past=2, weight=0.1), torch.tensor(0.175))


def record_generator_calls(module):
    """Labels of every forward call of ``module`` (a generator called as G(z, labels))."""
    calls = []
    module.register_forward_hook(lambda m, args, out: calls.append(args[1].clone()))
    return calls


def past_classes_0_1_2(method, experience):
    method.on_experience_start(experience(0, [0], [0]))
    method.on_experience_end(experience(0, [0], [0]))
    method.on_experience_start(experience(3, [3], [0, 1, 2, 3]))


def test_ra_term_is_zero_right_after_the_copy_and_sums_one_pass_per_past_class(make_method, experience):
    torch.manual_seed(0)
    method = make_method("mergan-ra", ra_weight=1.0).train()
    method.on_experience_start(experience(0, [0], [0]))
    assert method.generator_replay_loss(10) == 0.0  # no past class yet
    method.on_experience_end(experience(0, [0], [0]))
    method.on_experience_start(experience(3, [3], [0, 1, 2, 3]))
    calls = record_generator_calls(method.generator)
    assert method.generator_replay_loss(10).item() == 0.0  # same z through identical generators
    # one one-class pass of m = ⌊10/3⌋ = 3 samples per past class (the authors' per-class RA_loss_fn)
    assert [c.tolist() for c in calls] == [[0] * 3, [1] * 3, [2] * 3]
    delta = torch.tensor([0.3, -0.4])  # shift every G output by δ: L = λ/t · t·m · ½‖δ‖²
    with torch.no_grad():
        method.generator.net[-1].bias += delta
    assert torch.isclose(method.generator_replay_loss(10), torch.tensor(3 * 0.5 * 0.25), atol=1e-6)
    assert method.generator_replay_loss(10).requires_grad


def test_jtr_terms_treat_replay_as_real_one_class_per_past_class(make_method, experience):
    """With a stub critic s(x) = Σ x and constant class logits, the authors' per-class JTR critic term
    E s(G(z, c)) − E s(G_old(z, c)) + CE(a(G_old), c) is Σ δ + log K per past class when G's output is
    G_old's shifted by δ."""
    torch.manual_seed(0)
    method = make_method("mergan-jtr").train()
    past_classes_0_1_2(method, experience)
    method.critic_outputs = lambda x: (x.sum(dim=1), torch.zeros(len(x), 4))
    calls = record_generator_calls(method.generator)
    assert torch.isclose(torch.as_tensor(method.critic_replay_loss(12)), torch.tensor(3 * math.log(4)), atol=1e-5)
    assert [c.tolist() for c in calls] == [[0] * 4, [1] * 4, [2] * 4]
    delta = torch.tensor([0.3, -0.4])
    with torch.no_grad():
        method.generator.net[-1].bias += delta
    critic_term = method.critic_replay_loss(12)
    assert torch.isclose(critic_term, torch.tensor(3 * (-0.1 + math.log(4))), atol=1e-5)
    assert not critic_term.requires_grad  # the critic's term trains the critic only
    generator_term = method.generator_replay_loss(12)
    assert generator_term.requires_grad
    grads = torch.autograd.grad(generator_term, [method.generator.net[-1].bias])[0]
    assert torch.allclose(grads, torch.full((2,), -3.0))  # −Σ_c E s(G(z, c)): ∂/∂b of −mean Σ x per class


def test_replay_generator_is_frozen_in_state_dict_and_matches_g_right_after_the_copy(make_method, experience):
    torch.manual_seed(0)
    method = make_method("mergan-ra", spec=DataSpec((1, 28, 28), 4), ra_weight=1.0).train()
    assert not any(p.requires_grad for p in method.replay.parameters())
    assert any(k.startswith("replay.") for k in method.state_dict()["modules"])
    method.on_experience_start(experience(0, [0], [0], dim=(1, 28, 28)))
    method.train_step(Batch(torch.randn(40, 1, 28, 28), torch.zeros(40, dtype=torch.long)))
    method.on_experience_end(experience(0, [0], [0], dim=(1, 28, 28)))
    method.on_experience_start(experience(1, [1], [0, 1], dim=(1, 28, 28)))
    assert method.generator_replay_loss(8).item() == 0.0  # both normalise with batch statistics
    frozen = {k: v.clone() for k, v in method.replay.state_dict().items()}
    method.train_step(Batch(torch.randn(40, 1, 28, 28), torch.ones(40, dtype=torch.long)))
    assert all(torch.equal(v, method.replay.state_dict()[k]) for k, v in frozen.items())
    assert method.generator_replay_loss(8).item() > 0.0
