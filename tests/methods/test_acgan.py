import pytest
import torch

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch
from methods.acgan import gradient_penalty


def test_gradient_penalty_of_a_linear_critic_is_closed_form():
    w = torch.tensor([3.0, 4.0])  # ‖∇s‖ = 5 everywhere → penalty (5 − 1)² = 16
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    assert torch.isclose(gradient_penalty(lambda v: v @ w, real, fake), torch.tensor(16.0))


def test_train_step_consumes_critic_iters_batches_and_updates_both_nets(make_method, experience):
    torch.manual_seed(0)
    method = make_method(critic_iters=5)
    method.on_experience_start(experience(0, [0, 1, 2, 3], [0, 1, 2, 3]))
    g0 = [p.clone() for p in method.generator.parameters()]
    d0 = [p.clone() for p in method.critic.parameters()]
    logs = method.train_step(Batch(torch.randn(5 * 8, 2), torch.randint(0, 4, (5 * 8,))))
    assert method.batches_per_step() == 5
    assert {"loss/d_loss", "loss/g_loss", "loss/gp", "diag/wasserstein"} <= set(logs) and all(v.dim() == 0 for v in logs.values())
    assert any(not torch.equal(a, b) for a, b in zip(g0, method.generator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, method.critic.parameters()))
    assert method.opt_d.state[next(iter(method.critic.parameters()))]["step"] == 5


def test_conditional_sampling_honours_labels_and_seen_classes_on_images(make_method, experience):
    torch.manual_seed(0)
    method = make_method(spec=DataSpec((1, 28, 28), 10)).eval()
    method.on_experience_start(experience(1, [3], [7, 3], num_classes=10))
    assert method.sample(6, torch.full((6,), 9)).shape == (6, 1, 28, 28)
    assert set(method.sample_codes(200)[:, 0].tolist()) == {3, 7}
    assert method.latent_spec().z_dim == 4 and method.latent_spec().discrete_sizes == (10,)
    real, fake = torch.randn(3, 1, 28, 28), method.sample(3)
    score = method.discriminate(real)
    assert score.shape == (3,) and method.discriminator_output == "critic"
    with torch.no_grad():
        expected = 0.5 * float(method.discriminate(real).mean() + method.discriminate(fake).mean())
    assert method.decision_threshold(real, fake) == pytest.approx(expected)


def test_optimizer_state_is_reset_at_each_experience_start(make_method, experience):
    method = make_method(critic_iters=1)
    method.on_experience_start(experience(0, [0], [0]))
    method.train_step(Batch(torch.randn(8, 2), torch.zeros(8, dtype=torch.long)))
    assert len(method.opt_g.state) > 0
    method.on_experience_start(experience(1, [1], [0, 1]))
    assert len(method.opt_g.state) == 0 and len(method.opt_d.state) == 0
