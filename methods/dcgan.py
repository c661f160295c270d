"""DCGAN (Radford et al. 2016): the "−Memory" row of MemoryGAN's Table 2.

The losses of :mod:`methods.common.losses`: L_D = −E log D(x) − E log(1 − D(G(z))), and the generator
loss ``g_loss`` a config choice (``saturating``, the minimax form of MemoryGAN eq. 7–8 without memory, or
``non-saturating``).

``pack: m > 1`` is PacGAN (Lin et al. 2018, §3): D judges packs of m samples, all real or all fake,
concatenated along the first sample axis (2-D points: a 2m-vector, as the released code's
``tensor.concatenate(..., axis=1)``; images: m·C channels). A step consumes m real batches
(``batches_per_step``: the m·B real points are consecutive positions of one shuffled epoch, so the slots of
a pack are distinct uniform draws) and m·B fakes, making B packs of each. Pack slot i of every fake pack
comes from its own generator pass G(z_i) on B latents (the released ``PacGAN.compute_losses`` applies the
decoder once per z in ``zs``), so G's batch norm normalises over B, never m·B. The losses are unchanged.
``discriminate`` gives each sample its pack's P(real), packs being consecutive samples (an incomplete
last pack is completed with the first samples).

``update``: ``alternating`` steps D, then G against the updated D (DCGAN's practice); ``simultaneous``
takes both players' gradients from one forward pass and steps both (ALI's ``ali_algorithm``, which
PacGAN's synthetic experiments train with): G's gradient then sees D as it was before this step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch

from memgan_bench.data.base import DataSpec
from memgan_bench.method import Batch, GANMethod, LatentSpec, optimizer_step, simultaneous_step
from memgan_bench.registry import METHODS
from methods.common.losses import adversarial_logs, discriminator_loss, generator_loss
from methods.common.nets import build_generator, build_trunk, init_weights


@METHODS.register("dcgan")
class DCGAN(GANMethod):
    @dataclass
    class Config:
        z_dim: int = field(default=100, metadata={"min": 1})
        width: int = field(default=64, metadata={"min": 1})
        loss: Literal["non-saturating", "saturating"] = "non-saturating"
        lr: float = field(default=2e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.5, 0.999)
        pack: int = field(default=1, metadata={"min": 1})
        update: Literal["alternating", "simultaneous"] = "alternating"

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return {"default": {"z_dim": 8, "width": 8},
                "packed-simultaneous": {"z_dim": 8, "width": 8, "pack": 2, "update": "simultaneous"}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        self.generator = build_generator(cfg.z_dim, spec, cfg.width)
        packed_spec = DataSpec((cfg.pack * spec.sample_shape[0], *spec.sample_shape[1:]), spec.num_classes)
        self.discriminator = build_trunk(packed_spec, 1, cfg.width)
        init_weights(self)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def batches_per_step(self) -> int:
        return self.cfg.pack

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """[m·B, C, …] → [B, m·C, …]: consecutive groups of m samples concatenated along the first axis."""
        return x.reshape(x.shape[0] // self.cfg.pack, self.cfg.pack * x.shape[1], *x.shape[2:])

    def latent_spec(self) -> LatentSpec:
        return LatentSpec(z_dim=self.cfg.z_dim, z_prior="normal")

    def generate(self, z: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        n, m = x.shape[0], self.cfg.pack
        whole = torch.cat([x, x[torch.arange(-n % m, device=x.device) % n]]) if n % m else x
        return torch.sigmoid(self.discriminator(self.packed(whole)).squeeze(1)).repeat_interleave(m)[:n]

    def packed_fakes(self, packs: int, device) -> torch.Tensor:
        """m·``packs`` fakes in pack order (row j·m + i is slot i of pack j), slot i from its own pass G(z_i)."""
        spec, m = self.latent_spec(), self.cfg.pack
        slots = [self.generator(spec.sample_z(packs, device)) for _ in range(m)]
        return torch.stack(slots, dim=1).flatten(0, 1)

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        fake = self.packed_fakes(batch.x.shape[0] // self.cfg.pack, batch.x.device)
        real_logits = self.discriminator(self.packed(batch.x)).squeeze(1)
        if self.cfg.update == "simultaneous":
            fake_logits = self.discriminator(self.packed(fake)).squeeze(1)
            d_loss = discriminator_loss(real_logits, fake_logits)
            g_loss = generator_loss(fake_logits, self.cfg.loss)
            simultaneous_step({self.opt_d: d_loss, self.opt_g: g_loss})
            return adversarial_logs(d_loss, g_loss, real_logits, fake_logits)

        fake_logits = self.discriminator(self.packed(fake.detach())).squeeze(1)
        d_loss = discriminator_loss(real_logits, fake_logits)
        optimizer_step(self.opt_d, d_loss)

        g_loss = generator_loss(self.discriminator(self.packed(fake)).squeeze(1), self.cfg.loss)
        optimizer_step(self.opt_g, g_loss)
        return adversarial_logs(d_loss, g_loss, real_logits, fake_logits)
