from pathlib import Path
from types import SimpleNamespace

import pytest

import torch
from torch import nn

from memgan_bench.config import load_config
from memgan_bench.data.base import DataSpec
from memgan_bench.regularizers.ewc import EWC, ewc_penalty, generator_fisher
from memgan_bench.typed import build
from memgan_bench.registry import METHODS
from memgan_bench.method import GANMethod, LatentSpec


class LinearGAN(GANMethod):
    """G(z) = Wz + b: ∂G_p/∂W_pj = z_j and ∂G_p/∂b_p = 1, so the Fisher of N(G(z), I) is 1 everywhere."""

    def __init__(self):
        super().__init__(None, DataSpec((2,), 1))
        self.generator = nn.Linear(3, 2)
        self.opt_g = torch.optim.SGD(self.generator.parameters(), lr=0.1)

    def optimizers(self):
        return {"generator": self.opt_g, "discriminator": self.opt_g}

    def latent_spec(self):
        return LatentSpec(3)

    def generate(self, z, codes=None):
        return self.generator(z)


def reference_fisher(method, n):
    """Per-sample autograd loop over the same draws (z, codes, ε) as the vectorised estimate: one backward
    pass per sample through the chunk's single forward pass (as the method samples it, in eval mode)."""
    total = {f"generator.{k}": torch.zeros_like(p) for k, p in method.generator.named_parameters()}
    method.eval()
    z = method.latent_spec().sample_z(n)
    codes = method.sample_codes(n)
    eps = torch.randn(n, *method.spec.sample_shape)
    out = method.generate(z, codes)
    for k in range(n):
        method.zero_grad()
        (eps[k] * out[k]).sum().backward(retain_graph=True)
        for name, p in method.generator.named_parameters():
            if p.grad is not None:
                total[f"generator.{name}"] += p.grad**2
    return {k: v / n for k, v in total.items()}


def test_penalty_equals_closed_form_on_a_tiny_model():
    theta = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5])}
    anchor = {"w": torch.tensor([0.0, 1.0]), "b": torch.tensor([1.5])}
    fisher = {"w": torch.tensor([2.0, 3.0]), "b": torch.tensor([4.0])}
    # λ/2 · (2·1 + 3·1 + 4·1) with λ = 0.5
    assert torch.isclose(ewc_penalty(theta, anchor, fisher, 0.5), torch.tensor(2.25))


def test_vectorised_fisher_matches_per_sample_loop_and_its_expectation():
    method = LinearGAN()
    torch.manual_seed(0)
    fast = generator_fisher(method, 12, chunk=5)
    torch.manual_seed(0)
    slow_parts = []
    for n in (5, 5, 2):
        slow_parts.append({k: v * n for k, v in reference_fisher(method, n).items()})
    slow = {k: sum(part[k] for part in slow_parts) / 12 for k in fast}
    for k in fast:
        assert torch.allclose(fast[k], slow[k], atol=1e-6), k
    torch.manual_seed(1)
    big = generator_fisher(method, 4000, chunk=1000)
    assert all(torch.allclose(v, torch.ones_like(v), atol=0.15) for v in big.values())


@pytest.mark.parametrize("spec", [DataSpec((2,), 3), DataSpec((1, 28, 28), 3)], ids=["2-d", "images"])
def test_conditional_generator_fisher_matches_loop(spec):
    """The class-conditional generator normalises each class over its samples in the chunk: the batched
    per-sample gradients equal a backward loop through the same forward pass, and every class's
    scale/offset rows of a seen class get Fisher mass (rows of unseen classes none)."""
    cls = METHODS.get("acgan")
    method = cls(build(cls.Config, {"width": 8, "z_dim": 4}), spec)
    method.seen[2] = False
    with torch.no_grad():  # away from the initial γ = 1, β = 0 shared by every class
        for name, p in method.generator.named_parameters():
            p.add_(0.1 * torch.randn_like(p))
    torch.manual_seed(0)
    fast = generator_fisher(method, 24, chunk=24)
    torch.manual_seed(0)
    slow = reference_fisher(method, 24)
    for k in fast:
        assert torch.allclose(fast[k], slow[k], atol=1e-5, rtol=1e-4), k
    scale = next(v for k, v in fast.items() if k.endswith("scale"))
    assert (scale[:2].sum(dim=1) > 0).all() and scale[2].sum() == 0


def test_ensemble_generator_fisher_matches_loop():
    """gan-ensemble picks each sample's component on the host; the batched per-sample gradients go through
    that one forward pass, so they equal the backward loop (and are not all zero), and a gan-ensemble
    config with the ewc plugin loads."""
    cls = METHODS.get("gan-ensemble")
    method = cls(build(cls.Config, {"components": 3, "width": 8, "z_dim": 4}), DataSpec((2,), 3))
    torch.manual_seed(0)
    fast = generator_fisher(method, 16, chunk=16)
    torch.manual_seed(0)
    slow = reference_fisher(method, 16)
    assert fast.keys() == slow.keys()
    for k in fast:
        assert torch.allclose(fast[k], slow[k], atol=1e-6, rtol=1e-4), k
    assert sum(float(v.sum()) for v in fast.values()) > 0
    config = Path(__file__).parents[2] / "configs" / "streams" / "fmnist-3class-expansion.yaml"
    assert "ewc" in load_config(config, ["plugins.ewc={weight: 1.0}"]).plugins  # so the config check accepts it


def test_plugin_appends_penalty_and_keeps_fisher_and_anchor_in_state():
    method = LinearGAN()

    ctx = SimpleNamespace()
    ctx.method, ctx.record, ctx.device = method, lambda values: None, torch.device("cpu")
    ctx.cfg, ctx.experience = SimpleNamespace(seed=0), SimpleNamespace(index=0)
    plugin = EWC(build(EWC.Config, {"weight": 2.0, "fisher_samples": 16}))
    plugin.before_training(ctx)
    assert plugin.penalty(method) == 0.0  # no anchor before the first experience ends
    rng = torch.get_rng_state()
    plugin.after_experience(ctx)
    assert torch.equal(rng, torch.get_rng_state())  # the Fisher estimate leaves the training RNG alone
    with torch.no_grad():
        method.generator.bias += 1.0
    expected = 2.0 / 2 * plugin.fisher["generator.bias"].sum()
    assert torch.isclose(plugin.penalty(method), expected)
    restored = EWC(plugin.cfg)
    restored.load_state_dict(plugin.state_dict())
    assert all(torch.equal(restored.fisher[k], plugin.fisher[k]) for k in plugin.fisher)
    assert all(torch.equal(restored.anchor[k], plugin.anchor[k]) for k in plugin.anchor)
