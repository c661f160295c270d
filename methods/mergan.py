"""Memory Replay GANs (Wu et al., NeurIPS 2018): MeRGAN-JTR and MeRGAN-RA on the ACGAN-WGAN-GP base.

At the end of every experience the current generator is copied into a frozen *replay generator*
G_old (no gradients, part of the state dict). G_old runs in the same mode as G — batch statistics in
its batch norms while training, as the authors' TF code runs both generators — without updating its
running statistics (``track_running_stats`` off), so right after the copy G_old(z, c) = G(z, c) exactly. During a later experience with t past classes
P (seen before, not trained on now):

- ``mergan-jtr`` (joint training with replay): the critic's real batch of size B is a mix of the
  current experience's data and replayed samples G_old(z, c), c ∈ P, all treated as real. Rule: every
  seen class gets an equal share, as each past class's replay term has the weight of the current task's
  term in the authors' code — of the s = |seen| classes, B·t/s rows (rounded) are replayed, their labels
  cycling through P from a random start (so every past class gets ⌊·⌋ or ⌈·⌉ of B/s rows), the rest
  are real rows.
- ``mergan-ra`` (replay alignment): the generator loss gains

      L_RA = λ_RA / t · Σ_{c ∈ P} Σ_{k=1}^{m} ½ ‖G_old(z_k, c) − G(z_k, c)‖²₂,   m = max(1, ⌊B / t⌋),

  the same z_k ~ N(0, I) for both generators, the squared norm summed over all pixels (values in
  [-1, 1]) and over the m samples per class, not averaged — as ``tf.nn.l2_loss`` with the authors'
  batch reduction (``REDUCE_BATCH``). t is the number of past classes (= past tasks at one class per
  task); the paper's λ_RA for MNIST is 1e-3.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.method import cycled_labels
from memgan_bench.registry import METHODS
from methods.acgan import ACGAN


def replay_alignment_loss(new: torch.Tensor, old: torch.Tensor, num_past: int, weight: float) -> torch.Tensor:
    """λ/t · Σ_samples ½‖old − new‖² (sum over every element), see the module docstring."""
    return weight / num_past * 0.5 * (old - new).pow(2).sum()


def replay_labels(past: torch.Tensor, n: int) -> torch.Tensor:
    """n labels cycling through the past classes from a random start (equal counts up to one, and every
    past class replayed equally often on average even when n < |past|)."""
    return cycled_labels(past, n, torch.randint(past.numel(), (1,), device=past.device))


class MeRGAN(ACGAN):
    """ACGAN-WGAN-GP with a frozen replay generator refreshed at every experience end."""

    def __init__(self, cfg, spec: DataSpec):
        super().__init__(cfg, spec)
        self.replay = copy.deepcopy(self.generator).requires_grad_(False)
        for module in self.replay.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.track_running_stats = False
        self.past = torch.zeros(0, dtype=torch.long)
        self.num_seen = spec.num_classes

    def replay_samples(self, labels: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        if z is None:
            z = torch.randn(labels.shape[0], self.cfg.z_dim, device=labels.device)
        with torch.no_grad():
            return self.conditional_generate(self.replay, z, labels)

    def on_experience_start(self, experience) -> None:
        super().on_experience_start(experience)
        current = set(experience.classes)
        self.load_extra_state({"past": [c for c in experience.seen_classes if c not in current],
                               "num_seen": len(experience.seen_classes)})

    def extra_state(self) -> dict:
        """The past classes of the current experience (a resumed run restarts mid-experience)."""
        return {"past": self.past.tolist(), "num_seen": self.num_seen}

    def load_extra_state(self, state: dict) -> None:
        self.past = torch.tensor(state["past"], dtype=torch.long, device=self.seen.device)
        self.num_seen = state["num_seen"]

    def on_experience_end(self, experience) -> None:
        """Freeze a copy of the current generator as the replay generator."""
        self.replay.load_state_dict(self.generator.state_dict())


@METHODS.register("mergan-jtr")
class MeRGANJTR(MeRGAN):
    def replay_count(self, batch_size: int) -> int:
        return round(batch_size * self.past.numel() / self.num_seen)

    def real_batch(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n_replay = self.replay_count(x.shape[0]) if self.past.numel() else 0
        if n_replay == 0:
            return x, y
        labels = replay_labels(self.past, n_replay)
        keep = x.shape[0] - n_replay
        return torch.cat([x[:keep], self.replay_samples(labels)]), torch.cat([y[:keep], labels])


@METHODS.register("mergan-ra")
class MeRGANRA(MeRGAN):
    @dataclass
    class Config(ACGAN.Config):
        ra_weight: float = field(default=1e-3, metadata={"min": 0.0})

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return ACGAN.tiny_configs()

    def alignment_loss(self, batch_size: int) -> torch.Tensor | float:
        t = self.past.numel()
        if t == 0:
            return 0.0
        labels = self.past.repeat_interleave(max(1, batch_size // t))
        z = torch.randn(labels.shape[0], self.cfg.z_dim, device=labels.device)
        new = self.conditional_generate(self.generator, z, labels)
        return replay_alignment_loss(new, self.replay_samples(labels, z), t, self.cfg.ra_weight)
