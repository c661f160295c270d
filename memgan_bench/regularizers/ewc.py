"""Elastic weight consolidation for GAN generators (Seff et al. 2017), MeRGAN's EWC baseline.

At the end of experience t−1 the plugin stores the generator's parameters θ* and the diagonal Fisher
information F of the generator; while training later experiences the method adds

    λ/2 · Σ_i F_i (θ_i − θ*_i)²

to its generator loss (``method.add_generator_penalty``: the engine-side hook on the generator optimizer,
so every method is regularised without code of its own; the generator is the parameters of its
``"generator"`` optimizer). Anchor and Fisher are replaced at every
experience end (MeRGAN's formulation uses F_{t−1}, θ_{t−1} of the previous task only; the generator's
samples there cover every class seen so far).

A GAN generator defines no likelihood, so (our documented choice) the Fisher is that of a unit-variance
Gaussian observation model around the generator's output, p(x | z, c) = N(x; G_θ(z, c), I), taken over
the generator's own prior (z, c) ~ p(z)·p(c) (``method.sample_latent``: codes uniform over seen classes for
conditional methods) and x drawn from the model itself:

    F_i = E_{z,c} E_{x ~ p(x|z,c)} [(∂/∂θ_i log p(x | z, c))²] = E_{z,c} E_ε [(εᵀ ∂G_θ(z, c)/∂θ_i)²],  ε ~ N(0, I),

estimated by Monte Carlo over ``fisher_samples`` draws of (z, c, ε), one per-sample gradient each, with
the method in eval mode: each chunk of ``chunk`` draws is generated in one pass exactly as the method
samples, and the per-sample gradients of εᵢᵀ G(z, c)ᵢ are batched backward passes through that one graph
(``is_grads_batched``). A generator that normalises with the statistics of its sampling batch (the
class-conditional batch norm of ``acgan``/``mergan``) thus has its Fisher taken at those statistics, their
dependence on the parameters included; for every other generator row i depends on draw i alone and this
is the plain per-sample gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from memgan_bench.engine.seeding import seeded_rng
from memgan_bench.errors import UserError
from memgan_bench.method import evaluation_mode
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS


def ewc_penalty(params: dict[str, torch.Tensor], anchor: dict[str, torch.Tensor],
                fisher: dict[str, torch.Tensor], weight: float) -> torch.Tensor:
    """λ/2 · Σ_i F_i (θ_i − θ*_i)² over the named parameters."""
    return weight / 2 * sum(((params[k] - anchor[k]) ** 2 * fisher[k]).sum() for k in anchor)


def generator_named_parameters(method) -> dict[str, torch.Tensor]:
    """The generator's trainable parameters, named as in ``method.named_parameters()``."""
    ids = {id(p) for p in method.generator_parameters()}
    return {name: p for name, p in method.named_parameters() if id(p) in ids and p.requires_grad}


def generator_fisher(method, num_samples: int, chunk: int) -> dict[str, torch.Tensor]:
    """Monte Carlo estimate of the diagonal Fisher above, keyed like :func:`generator_named_parameters`."""
    params = generator_named_parameters(method)
    fisher = {name: torch.zeros_like(p) for name, p in params.items()}
    with evaluation_mode(method), torch.enable_grad():
        for start in range(0, num_samples, chunk):
            n = min(chunk, num_samples - start)
            z, codes = method.sample_latent(n)
            eps = torch.randn(n, *method.spec.sample_shape, device=method.device)
            out = method.generate(z, codes)
            rows = torch.arange(n, device=out.device)
            selectors = torch.zeros(n, *out.shape, device=out.device, dtype=out.dtype)
            selectors[rows, rows] = eps  # selector i picks εᵢᵀ G(z, c)ᵢ
            grads = torch.autograd.grad(out, list(params.values()), selectors, is_grads_batched=True,
                                        allow_unused=True)
            for name, grad in zip(params, grads):
                if grad is not None:
                    fisher[name] += grad.pow(2).sum(0)
    return {name: value / num_samples for name, value in fisher.items()}


@PLUGINS.register("ewc")
class EWC(Plugin):
    @dataclass
    class Config:
        weight: float = field(default=1000.0, metadata={"min": 0.0})  # λ
        fisher_samples: int = field(default=256, metadata={"min": 1})
        chunk: int = field(default=64, metadata={"min": 1})

    @classmethod
    def check(cls, run_cfg, method_cls) -> None:
        super().check(run_cfg, method_cls)
        if run_cfg.scenario_name == "unsupervised":
            raise UserError("it anchors each experience to the previous one's generator, so it needs a stream "
                            "(scenario: {name: class-incremental})")

    def __init__(self, cfg):
        super().__init__(cfg)
        self.anchor: dict[str, torch.Tensor] = {}
        self.fisher: dict[str, torch.Tensor] = {}

    def before_training(self, ctx) -> None:
        ctx.method.add_generator_penalty(self.penalty)

    def penalty(self, method) -> torch.Tensor | float:
        if not self.anchor:
            return 0.0
        return ewc_penalty(generator_named_parameters(method), self.anchor, self.fisher, self.cfg.weight)

    def after_experience(self, ctx) -> None:
        """Fisher and anchor of the generator as trained so far, under an RNG forked from the training one."""
        method = ctx.method
        with seeded_rng(ctx.device, ctx.cfg.seed, "ewc", ctx.experience.index):
            self.fisher = generator_fisher(method, self.cfg.fisher_samples, self.cfg.chunk)
        self.anchor = {name: p.detach().clone() for name, p in generator_named_parameters(method).items()}
        ctx.record({"ewc/fisher_mean": float(torch.cat([f.flatten() for f in self.fisher.values()]).mean())})

    def state_dict(self) -> dict:
        return {"anchor": self.anchor, "fisher": self.fisher}

    def load_state_dict(self, state: dict) -> None:
        self.anchor = dict(state.get("anchor", {}))
        self.fisher = dict(state.get("fisher", {}))
