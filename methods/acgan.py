"""Class-conditional ACGAN trained with WGAN-GP: the base of MeRGAN (Wu et al., NeurIPS 2018).

As the MeRGAN authors' code (WuChenshen/MeRGAN ``network/gan32_model.py``, ``mergan.py``): G(z, c) with
z ∈ R^128 ~ N(0, I) entering the projection alone and the label c entering through class-conditional batch
norm (per-class scale and offset after normalisation) at every generator layer (``methods/common/nets.py``); the
critic D(x) = (score s(x), class logits a(x)) from one trunk with 1 + num_classes outputs. Per step,
``critic_iters`` (5) critic updates on consecutive real batches, then one generator update:

    L_D = E[s(G(z, y))] − E[s(x)] + λ_GP · E[(‖∇_x̂ s(x̂)‖₂ − 1)²] + CE(a(x), y)     (x̂ = αx + (1−α)G(z, y))
    L_G = −E[s(G(z, y))] + CE(a(G(z, y)), y)

with λ_GP = 10, fake labels = the real batch's labels, Adam(1e-4, β = (0, 0.9)) for both, and the Adam
state reset at the start of every experience. Run in a stream on its own it is plain sequential
fine-tuning (SFT).

Statistics. The conditional batch norms always normalise with the statistics of the batch they are given
(the authors' op has no running statistics). In training that is the batch as formed: one class per
batch in a stream, as the authors train. Sampling (``generate`` with the method in eval mode) runs one
generator pass per class present, so each class is normalised over its own samples, as the authors
evaluate (one class per batch of 64); samples of one class therefore depend on the other samples of that
class drawn with them, and a class needs a batch of a few dozen for stable statistics. Joint training
(``cumulative``) trains on mixed-class batches, so its sampling statistics differ from its training ones,
as in the authors' joint model. Batch norm in the critic is replaced by a per-sample layer norm (GroupNorm
with one group), as the gradient penalty is defined per sample (Gulrajani et al. 2017, §4); the authors'
critic has no normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch, GANMethod, LatentSpec
from memgan_bench.method import optimizer_step
from memgan_bench.registry import METHODS
from methods.common.nets import build_generator, build_trunk, init_weights


def layer_norm_critic(module: nn.Module) -> nn.Module:
    """Replace every BatchNorm2d of ``module`` by GroupNorm(1, C) (layer norm over C×H×W), in place."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.GroupNorm(1, child.num_features))
        else:
            layer_norm_critic(child)
    return module


def gradient_penalty(critic_score, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(‖∇_x̂ s(x̂)‖₂ − 1)²] at x̂ = αx + (1−α)x̃, α ~ U(0, 1) per sample (WGAN-GP, Alg. 1)."""
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic_score(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


@METHODS.register("acgan")
class ACGAN(GANMethod):
    conditional = True
    discriminator_output = "critic"
    stream_name = "SFT"  # sequential fine-tuning, the MeRGAN paper's name for it in a stream

    @dataclass
    class Config:
        width: int = field(default=64, metadata={"min": 1})
        z_dim: int = field(default=128, metadata={"min": 1})
        lr: float = field(default=1e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.0, 0.9)
        gp_weight: float = field(default=10.0, metadata={"min": 0.0})
        critic_iters: int = field(default=5, metadata={"min": 1})
        acgan_weight: float = field(default=1.0, metadata={"min": 0.0})

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return {"default": {"z_dim": 4, "width": 8, "critic_iters": 2}}

    def __init__(self, cfg, spec: DataSpec):
        super().__init__(cfg, spec)
        self.generator = build_generator(cfg.z_dim, spec, cfg.width, num_classes=spec.num_classes)
        self.critic = layer_norm_critic(build_trunk(spec, 1 + spec.num_classes, cfg.width))
        init_weights(self.generator)
        init_weights(self.critic)
        self.register_buffer("seen", torch.ones(spec.num_classes, dtype=torch.bool))
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.critic.parameters(), lr=cfg.lr, betas=cfg.betas)

    def batches_per_step(self) -> int:
        return self.cfg.critic_iters

    # --- networks ------------------------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        return LatentSpec(self.cfg.z_dim, "normal", (self.spec.num_classes,))

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """G(z, c): in training mode one pass over the batch as given; in eval mode one pass per class
        (each class normalised over its own samples, see the module doc)."""
        labels = codes[:, 0]
        if self.training:
            return self.generator(z, labels)
        out = torch.empty(len(z), *self.spec.sample_shape, device=z.device, dtype=z.dtype)
        for c in labels.unique():
            rows = labels == c
            out = out.index_put((rows,), self.generator(z[rows], labels[rows]))
        return out

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Given labels, or labels drawn uniformly over the classes seen so far."""
        if labels is None:
            labels = torch.multinomial(self.seen.float(), n, replacement=True)
        return labels.view(n, 1)

    def critic_outputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.critic(x)
        return out[:, 0], out[:, 1:]

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """The critic score s(x) (unbounded; its decision threshold is ``decision_threshold``)."""
        return self.critic_outputs(x)[0]

    # --- training ------------------------------------------------------------------------------
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def critic_replay_loss(self, batch_size: int) -> torch.Tensor | float:
        """Extra critic term (MeRGAN-JTR's replay)."""
        return 0.0

    def generator_replay_loss(self, batch_size: int) -> torch.Tensor | float:
        """Extra generator term (MeRGAN-JTR's replay, MeRGAN-RA's alignment)."""
        return 0.0

    def critic_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        z = torch.randn(x.shape[0], self.cfg.z_dim, device=x.device)
        with torch.no_grad():
            fake = self.generator(z, y)
        score_real, logits_real = self.critic_outputs(x)
        score_fake, _ = self.critic_outputs(fake)
        wasserstein = score_real.mean() - score_fake.mean()
        penalty = gradient_penalty(lambda v: self.critic_outputs(v)[0], x, fake)
        loss = -wasserstein + self.cfg.gp_weight * penalty + self.cfg.acgan_weight * F.cross_entropy(logits_real, y)
        loss = loss + self.critic_replay_loss(x.shape[0])
        optimizer_step(self.opt_d, loss)
        return {"loss/d_loss": loss.detach(), "diag/wasserstein": wasserstein.detach(), "loss/gp": penalty.detach()}

    def generator_step(self, y: torch.Tensor) -> dict[str, torch.Tensor]:
        z = torch.randn(y.shape[0], self.cfg.z_dim, device=y.device)
        score, logits = self.critic_outputs(self.generator(z, y))
        replay = self.generator_replay_loss(y.shape[0])
        loss = -score.mean() + self.cfg.acgan_weight * F.cross_entropy(logits, y) + replay
        optimizer_step(self.opt_g, loss)
        if not torch.is_tensor(replay):
            replay = torch.zeros((), device=y.device)  # a fill kernel, not a host-to-device copy
        return {"loss/g_loss": loss.detach(), "loss/replay": replay.detach()}

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        iters = self.batches_per_step()
        for x, y in zip(batch.x.chunk(iters), batch.y.chunk(iters)):
            logs = self.critic_step(x, y)
        logs.update(self.generator_step(y))
        return logs

    # --- streams -------------------------------------------------------------------------------
    def on_experience_start(self, experience) -> None:
        """Mark the classes seen so far and reset the Adam state (a new task starts, as the authors' code)."""
        self.seen.zero_()
        self.seen[list(experience.seen_classes)] = True
        for opt in self.optimizers().values():
            opt.state.clear()
