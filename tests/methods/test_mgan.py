"""MGAN: losses against a hand-written reference, per-generator first blocks, and batching over generators."""

import copy
import math

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from memgan_bench.data.base import Batch, DataSpec
from memgan_bench.errors import UserError
from memgan_bench.typed import build
from methods.mgan import MGAN

SPEC = DataSpec((1, 28, 28), 4)


def tiny(spec=SPEC, **overrides) -> MGAN:
    torch.manual_seed(0)
    cfg = build(MGAN.Config, {"generators": 3, "z_dim": 6, "width": 8, "g_batch_size": 4, "beta": 0.5, **overrides})
    return MGAN(cfg, spec)


def bce_real(logits):  # −log σ(l), elementwise from the definition
    return [math.log(1 + math.exp(-v)) for v in logits.tolist()]


def bce_fake(logits):  # −log(1 − σ(l))
    return [math.log(1 + math.exp(v)) for v in logits.tolist()]


def cross_entropy(logits, labels):  # −log softmax(l)_y
    return [math.log(sum(math.exp(v) for v in row)) - row[y] for row, y in zip(logits.tolist(), labels.tolist())]


def mean(values):
    return sum(values) / len(values)


def test_bce_and_cross_entropy_references_on_fixed_values():
    """The reference formulas themselves, at points computed by hand."""
    assert math.isclose(bce_real(torch.tensor([0.0]))[0], math.log(2), rel_tol=1e-6)
    assert math.isclose(bce_fake(torch.tensor([math.log(3.0)]))[0], math.log(4), rel_tol=1e-6)
    two_way = cross_entropy(torch.tensor([[0.0, math.log(3.0)]]), torch.tensor([1]))[0]
    assert math.isclose(two_way, math.log(4 / 3), rel_tol=1e-6)


@pytest.mark.parametrize("spec, overrides", [(SPEC, {}), (DataSpec((2,), 1), {"nets": "authors-2d", "z_prior": "normal"})])
def test_step_losses_equal_the_equations(spec, overrides):
    """L_D = BCE(D(x), 1) + BCE(D(G_k(z)), 0), L_C = CE(C(G_k(z)), k) with D's pre-step weights;
    L_G = BCE(D(G_k(z)), 1) + β·CE(C(G_k(z)), k) with D's weights after its update."""
    method = tiny(spec, **overrides)
    before = copy.deepcopy(method)
    x = torch.rand(5, *spec.sample_shape) * 2 - 1
    torch.manual_seed(7)
    logs = method.train_step(Batch(x, torch.zeros(5, dtype=torch.long)))

    torch.manual_seed(7)
    with torch.no_grad():
        fake, k = before.fakes(x.device)
        real_logit, _ = before.heads(x)
        fake_logit, class_logits = before.heads(fake)
        after_logit, after_class = method.heads(fake)  # D is not moved by the G step
    assert k.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    d_loss = mean(bce_real(real_logit)) + mean(bce_fake(fake_logit))
    c_loss = mean(cross_entropy(class_logits, k))
    g_loss = mean(bce_real(after_logit)) + 0.5 * mean(cross_entropy(after_class, k))
    assert math.isclose(logs["loss/d_loss"].item(), d_loss, rel_tol=1e-5)
    assert math.isclose(logs["loss/c_loss"].item(), c_loss, rel_tol=1e-5)
    assert math.isclose(logs["loss/g_loss"].item(), g_loss, rel_tol=1e-5)


def test_the_classifier_loss_trains_d_and_the_diversity_term_trains_g():
    """β = 0 leaves G's step independent of C's head; C's head moves in the D step."""
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    heads = []
    for beta in (0.0, 1.0):
        method = tiny(beta=beta)
        head_before = method.discriminator.head.weight[1:].clone()
        torch.manual_seed(3)
        method.train_step(Batch(x, torch.zeros(5, dtype=torch.long)))
        assert not torch.equal(method.discriminator.head.weight[1:], head_before)
        heads.append(method.generator.first.weight.detach().clone())
    assert not torch.equal(heads[0], heads[1])


def changed_only_code(method: MGAN, k: int, spec=SPEC) -> None:
    torch.manual_seed(1)
    z = method.latent_spec().sample_z(12)
    codes = torch.arange(12).remainder(method.cfg.generators).view(12, 1)
    method.eval()
    with torch.no_grad():
        before = method.generate(z, codes)
        first = method.generator.first
        out = first.weight.shape[2]
        first.weight[k] += 0.3 * torch.randn_like(first.weight[k])
        first.norm.weight[k * out:(k + 1) * out] += 0.5
        first.norm.running_mean[k * out:(k + 1) * out] += 0.1
        after = method.generate(z, codes)
    moved = (before - after).flatten(1).abs().amax(dim=1) > 0
    assert moved.tolist() == (codes[:, 0] == k).tolist()


def test_changing_generator_ks_first_block_changes_only_its_samples():
    changed_only_code(tiny(), 1)
    changed_only_code(tiny(spec=DataSpec((2,), 8)), 2)


def test_per_generator_batch_norm_in_training_mode():
    """With separate inputs, generator k's first block (train mode) depends on its own z batch only."""
    method = tiny(same_input=False)
    z = torch.rand(3, 4, 6) * 2 - 1
    h = method.generator.first(z)
    z2 = z.clone()
    z2[0] = torch.rand(4, 6)
    h2 = method.generator.first(z2)
    assert not torch.equal(h[:, 0], h2[:, 0])
    assert torch.equal(h[:, 1:], h2[:, 1:])


class OpCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def step_ops(generators: int) -> int:
    method = tiny(generators=generators)
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    method.train_step(Batch(x, torch.zeros(5, dtype=torch.long)))  # Adam state created
    with OpCounter() as counter:
        method.train_step(Batch(x, torch.zeros(5, dtype=torch.long)))
    return counter.calls


def test_the_k_first_blocks_are_one_stacked_weight_and_the_step_does_not_loop_over_generators():
    method = tiny(generators=5)
    assert method.generator.first.weight.shape == (5, 6, 7 * 7 * 16)
    assert method.generator.first.norm.num_features == 5 * 7 * 7 * 16
    assert step_ops(2) == step_ops(5) == step_ops(9)


def test_sampled_codes_are_uniform_over_generators():
    method = tiny(generators=4)
    counts = torch.bincount(method.sample_latent(8000).codes[:, 0], minlength=4).float()
    chi2 = ((counts - 2000) ** 2 / 2000).sum().item()
    assert chi2 < 16.27  # χ²(3) at p = 0.001


def test_fewer_than_one_generator_is_a_one_line_error():
    from memgan_bench.config import resolve
    from memgan_bench.errors import UserError

    with pytest.raises(UserError, match="model.generators") as err:
        resolve({"method": "mgan", "model": {"generators": 0}})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64), (2,)])
def test_every_generator_produces_samples_of_the_data_shape(shape):
    method = tiny(spec=DataSpec(shape, 4))
    fake, k = method.fakes(torch.device("cpu"))
    assert fake.shape == (12, *shape) and method.sample(5).shape == (5, *shape)
    assert method.heads(fake)[1].shape == (12, 3)


def leaky_relu(values, slope):  # max(v, slope·v), elementwise from the definition
    return [[v if v > 0 else slope * v for v in row] for row in values.tolist()]


def test_authors_2d_nets_are_the_first_authors_mlps_without_batch_norm():
    """G_k(z) = W_3 ReLU(W_2 ReLU(W_1k z + b_1k) + b_2) + b_3 (own first layer, shared rest); D and C = heads
    on one shared LeakyReLU(0.2) layer; no batch norm anywhere (tund/male ``mggan2d.py``
    ``_create_generator``, ``_create_discriminator``)."""
    method = tiny(DataSpec((2,), 1), nets="authors-2d", z_prior="normal", width=5, z_dim=4)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in method.modules())
    for m in method.modules():  # non-zero biases, so the check sees them
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.bias)
    torch.nn.init.normal_(method.generator.first.bias)
    shared = [m for m in method.generator.shared if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in shared] == [(5, 5), (5, 2)]
    z = torch.randn(6, 4)
    first = method.generator.first
    for k in range(3):
        h = torch.relu(z @ first.weight[k] + first.bias[k])
        expected = shared[1](torch.relu(shared[0](h)))
        assert torch.allclose(method.generate(z, torch.full((6, 1), k)), expected, atol=1e-6)
    x = torch.randn(7, 2)
    trunk = method.discriminator
    pre = x @ trunk.features[0].weight.T + trunk.features[0].bias
    assert (pre < 0).any() and (pre > 0).any()  # both branches of the activation are exercised
    hidden = torch.tensor(leaky_relu(pre, 0.2))
    assert torch.allclose(trunk(x), hidden @ trunk.head.weight.T + trunk.head.bias, atol=1e-6)
    assert trunk.head.out_features == 1 + 3


def test_normal_prior_and_authors_2d_on_images_is_a_one_line_error():
    method = tiny(DataSpec((2,), 1), nets="authors-2d", z_prior="normal")
    z = method.sample_latent(4000).z
    assert abs(float(z.std()) - 1) < 0.05 and float(z.abs().max()) > 2  # N(0, I), not U(−1, 1)
    with pytest.raises(UserError, match="authors-2d") as err:
        tiny(SPEC, nets="authors-2d")
    assert "\n" not in str(err.value)
