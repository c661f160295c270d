import pytest
import torch

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch
from methods.acgan import gradient_penalty

CORNERS = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]) * 0.5


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


def test_sampling_draws_seen_classes_and_critic_threshold_on_images(make_method, experience):
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


IMAGES = DataSpec((1, 28, 28), 4)


def one_class_loss_gradients(method, z, label):
    """Gradients of a fixed loss of G(z, c) on a one-class batch, G in training mode."""
    out = method.generate(z, torch.full((len(z), 1), label))
    target = torch.linspace(-1, 1, out[0].numel()).view(out.shape[1:])
    grads = torch.autograd.grad((out - target).pow(2).sum(), list(method.generator.parameters()))
    return torch.cat([g.flatten() for g in grads])


@pytest.mark.parametrize("spec", [IMAGES, DataSpec((2,), 4)], ids=["images", "2-d"])
def test_one_class_batch_in_training_mode_trains_label_dependent_parameters(make_method, spec):
    """In a batch of one class, batch norm removes anything constant over the batch: a label that entered
    G as an input column would be erased and its weights would get no gradient (gradients equal for every
    label). The label's own parameters must receive gradient: the gradient changes with the label."""
    torch.manual_seed(0)
    method = make_method(spec=spec).train()
    z = torch.randn(16, method.cfg.z_dim)
    g1, g2 = one_class_loss_gradients(method, z, 1), one_class_loss_gradients(method, z, 2)
    assert (g1 - g2).norm() > 0.01 * g1.norm()


def test_one_class_batches_in_training_mode_learn_a_label_dependent_generator(make_method):
    """Trained on one-class batches, class 1 → target +0.5, class 2 → −0.5 (every pixel), G(z, 1) and
    G(z, 2) must part: a label-blind G can only reach the common mean 0 for both."""
    torch.manual_seed(0)
    method = make_method(spec=IMAGES).train()
    opt = torch.optim.Adam(method.generator.parameters(), lr=1e-2)
    for step in range(60):
        label = 1 + step % 2
        out = method.generate(torch.randn(16, method.cfg.z_dim), torch.full((16, 1), label))
        loss = (out - (0.5 if label == 1 else -0.5)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(16, method.cfg.z_dim)
    with torch.no_grad():
        gap = method.generate(z, torch.full((16, 1), 1)).mean() - method.generate(z, torch.full((16, 1), 2)).mean()
    assert gap > 0.5


def test_conditional_sampling_honours_labels(make_method):
    """Trained on four 2-D blobs (class c at corner c, σ 0.05) with mixed-label batches, samples drawn for
    class c (eval mode: one generator pass per class) are classified as c by the nearest-corner rule, a
    classifier fixed apart from the model (chance: 0.25)."""
    torch.manual_seed(0)
    method = make_method(width=32, critic_iters=2, lr=2e-3).train()
    g = torch.Generator().manual_seed(1)
    for _ in range(800):  # at 400 steps one class stays below 0.5 under two threads
        y = torch.randint(0, 4, (2 * 32,), generator=g)
        method.train_step(Batch(CORNERS[y] + 0.05 * torch.randn(len(y), 2, generator=g), y))
    labels = torch.arange(4).repeat_interleave(64)
    samples = method.sample(len(labels), labels)
    accuracy = (torch.cdist(samples, CORNERS).argmin(dim=1) == labels).float().view(4, 64).mean(dim=1)
    assert (accuracy > 0.5).all() and accuracy.mean() > 0.75
