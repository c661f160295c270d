"""Memory Replay GANs (Wu et al., NeurIPS 2018): MeRGAN-JTR and MeRGAN-RA on the ACGAN-WGAN-GP base.

At the end of every experience the current generator is copied into a frozen *replay generator* G_old
(no gradients, part of the state dict), so right after the copy G_old(z, c) = G(z, c) exactly: both
normalise with batch statistics (``methods/common/nets.py``, ``ConditionalBatchNorm``). During a later
experience with t past classes P (seen before, not trained on now), as the authors' ``mergan.py``
(WuChenshen/MeRGAN, lines 267–326), every past class c ∈ P gets its own generator passes on one-class
batches of m = max(1, ⌊B / t⌋) samples (B the batch size; the authors' ``REDUCE_BATCH`` of MNIST and SVHN),
z_k ~ N(0, I) shared by G and G_old:

- ``mergan-jtr`` (joint training with replay): each past class adds, with the weight of the current
  task's terms, a WGAN term with G_old's samples as real and G's as fake, and their class losses:

      critic:    Σ_{c∈P} [E_k s(G(z_k, c)) − E_k s(G_old(z_k, c)) + CE(a(G_old(z_k, c)), c)]
      generator: Σ_{c∈P} [−E_k s(G(z_k, c)) + CE(a(G(z_k, c)), c)]

  (no gradient penalty on the replay term, as the authors'). The critic term is formed anew at each of the
  ``critic_iters`` critic updates, the generator term at the generator update.
- ``mergan-ra`` (replay alignment): the generator loss gains

      L_RA = λ_RA / t · Σ_{c ∈ P} Σ_{k=1}^{m} ½ ‖G_old(z_k, c) − G(z_k, c)‖²₂,

  the squared norm summed over all pixels (values in [-1, 1]) and over the m samples of a class, not
  averaged (``tf.nn.l2_loss``). t is the number of past classes (= past tasks at one class per task); the
  authors' λ_RA for MNIST is 1e-3 (their ``train.sh``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from memgan_bench.data.base import DataSpec
from memgan_bench.registry import METHODS
from methods.acgan import ACGAN


def replay_alignment_loss(new: torch.Tensor, old: torch.Tensor, num_past: int, weight: float) -> torch.Tensor:
    """λ/t · Σ_samples ½‖old − new‖² (sum over every element), see the module docstring."""
    return weight / num_past * 0.5 * (old - new).pow(2).sum()


class MeRGAN(ACGAN):
    """ACGAN-WGAN-GP with a frozen replay generator refreshed at every experience end."""

    def __init__(self, cfg, spec: DataSpec):
        super().__init__(cfg, spec)
        self.replay = copy.deepcopy(self.generator).requires_grad_(False)
        self.past: list[int] = []

    def replay_passes(self, batch_size: int, train_generator: bool = True):
        """For each past class c: (labels [m] all c, G(z, c), G_old(z, c)) on one shared z, each a one-class
        pass; G's pass keeps its graph when ``train_generator``, G_old's never does. None without past classes."""
        if not self.past:
            return
        m = max(1, batch_size // len(self.past))
        for c in self.past:
            labels = torch.full((m,), c, dtype=torch.long, device=self.seen.device)
            z = torch.randn(m, self.cfg.z_dim, device=labels.device)
            with torch.no_grad():
                old = self.replay(z, labels)
            with torch.set_grad_enabled(train_generator and torch.is_grad_enabled()):
                new = self.generator(z, labels)
            yield labels, new, old

    def on_experience_start(self, experience) -> None:
        super().on_experience_start(experience)
        current = set(experience.classes)
        self.past = [c for c in experience.seen_classes if c not in current]

    def extra_state(self) -> dict:
        """The past classes of the current experience (a resumed run restarts mid-experience)."""
        return {"past": list(self.past)}

    def load_extra_state(self, state: dict) -> None:
        self.past = list(state["past"])

    def on_experience_end(self, experience) -> None:
        """Freeze a copy of the current generator as the replay generator."""
        self.replay.load_state_dict(self.generator.state_dict())


@METHODS.register("mergan-jtr")
class MeRGANJTR(MeRGAN):
    stream_name = "MeRGAN-JTR"

    def critic_replay_loss(self, batch_size: int) -> torch.Tensor | float:
        loss = 0.0
        for labels, new, old in self.replay_passes(batch_size, train_generator=False):
            score_new, _ = self.critic_outputs(new)
            score_old, logits_old = self.critic_outputs(old)
            loss = loss + score_new.mean() - score_old.mean() + self.cfg.acgan_weight * F.cross_entropy(logits_old, labels)
        return loss

    def generator_replay_loss(self, batch_size: int) -> torch.Tensor | float:
        loss = 0.0
        for labels, new, _ in self.replay_passes(batch_size):
            score, logits = self.critic_outputs(new)
            loss = loss - score.mean() + self.cfg.acgan_weight * F.cross_entropy(logits, labels)
        return loss


@METHODS.register("mergan-ra")
class MeRGANRA(MeRGAN):
    stream_name = "MeRGAN-RA"

    @dataclass
    class Config(ACGAN.Config):
        ra_weight: float = field(default=1e-3, metadata={"min": 0.0})

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return ACGAN.tiny_configs()

    def generator_replay_loss(self, batch_size: int) -> torch.Tensor | float:
        return sum(replay_alignment_loss(new, old, len(self.past), self.cfg.ra_weight)
                   for _, new, old in self.replay_passes(batch_size))
