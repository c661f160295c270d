"""MGAN: a mixture of K generators with a classifier (Hoang, Nguyen, Le & Phung, ICLR 2018).

As the authors' code (qhoangdl/MGAN, ``models.py``, ``main.py``): the K generators share every layer but
their first block (``MixtureGenerator``: the DCGAN projection for images, the MLP's first linear + BN + ReLU
for 2-D data); one trunk carries the discriminator D (1 logit) and the classifier C (K logits), differing
only in their heads; mixture weights are uniform; z ∈ R^100 ~ U(−1, 1), one z batch fed to all K generators
(``same_input``). With fakes G_k(z), k = 1..K, ``g_batch_size`` per generator:

    L_D = −E log D(x) − E_k,z log(1 − D(G_k(z))) + L_C,    L_C = E_k,z CE(C(G_k(z)), k)   (fakes only)
    L_G = −E_k,z log D(G_k(z)) + β · E_k,z CE(C(G_k(z)), k)

D and C are one network updated by L_D (the classifier loss trains the shared trunk). Defaults from
``main.py``: K = 10, β = 0.01, Adam(2e-4, β1 = 0.5), 12 samples per generator per step, z_dim 100.
(``models.py``'s own defaults, K = 4, β = 1, z_dim 128, are overridden there.) Generator k is the discrete
code c = k (latent_spec discrete sizes (K,)), drawn uniformly by ``sample_codes``.

Differences from the authors' nets, kept for comparability with the harness's DCGAN: our DCGAN trunk has no
batch norm on D's first layer (theirs normalises every layer), 4×4 kernels (theirs 5×5, ``ops.py``), our
shared generator batch norms have a learned offset (theirs ``center=False``), and the G step reuses the D
step's fakes (theirs regenerates them from the same z after D's update: the same values, G being unchanged
in between).

``nets: authors-2d`` gives the 2-D networks of the first author's code for the synthetic experiment
(tund/male, ``male/models/deep_learning/generative/mggan2d.py``, ``_create_generator`` and
``_create_discriminator``; the paper's own 2-D setup text could not be read here and the released MGAN code has
only CIFAR-10): each generator its own fully connected layer of ``width`` ReLU units on z, then a shared one of
``width`` ReLU units and a shared linear output; D and C share one hidden layer of ``width`` LeakyReLU(0.2)
units and differ in their heads; no batch norm anywhere. That code's test gives the full-run sizes (z ∈ R^128 ~
N(0, I), width 128, real batch 512, 128 fakes per generator, Adam 2e-4 β1 0.5, 25,000 iterations); they are
config values (``configs/mgan/ring8.yaml``), as are K and β, which no source read here states for 2-D.
``nets: harness`` (default): the DCGAN nets for images and PacGAN's MLPs for 2-D data, as every other method of
the harness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.errors import UserError
from memgan_bench.method import Batch, GANMethod, LatentSpec, optimizer_step
from memgan_bench.registry import METHODS
from methods.common.losses import discriminator_loss, generator_loss
from methods.common.nets import MixtureGenerator, build_trunk, init_weights


class LeakyReLUTrunk(nn.Module):
    """The authors' 2-D D and C (``mggan2d.py`` ``_create_discriminator``): one shared hidden layer of ``width``
    LeakyReLU(0.2) units (``male/activations.py`` ``tf_lrelu``), then the heads."""

    def __init__(self, in_dim: int, out_dim: int, width: int):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(in_dim, width), nn.LeakyReLU(0.2, True))
        self.head = nn.Linear(width, out_dim)

    def forward(self, x):
        return self.head(self.features(x))


def component_labels(generators: int, per_generator: int, device) -> torch.Tensor:
    """k for every row of the component-major fake batch: [0]*n ++ [1]*n ++ …"""
    return torch.arange(generators, device=device).repeat_interleave(per_generator)


@METHODS.register("mgan")
class MGAN(GANMethod):
    @dataclass
    class Config:
        generators: int = field(default=10, metadata={"min": 1})
        beta: float = field(default=0.01, metadata={"min": 0.0})
        g_batch_size: int = field(default=12, metadata={"min": 1})
        same_input: bool = True
        z_dim: int = field(default=100, metadata={"min": 1})
        z_prior: Literal["uniform", "normal"] = "uniform"
        nets: Literal["harness", "authors-2d"] = "harness"
        width: int = field(default=64, metadata={"min": 1})
        lr: float = field(default=2e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.5, 0.999)

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return {"default": {"generators": 3, "z_dim": 8, "width": 8, "g_batch_size": 4},
                "separate-inputs": {"generators": 2, "z_dim": 8, "width": 8, "g_batch_size": 4, "same_input": False}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        if cfg.nets == "authors-2d":
            if spec.is_image:
                raise UserError("model.nets: 'authors-2d' is MGAN's network for flat 2-D samples, not images")
            self.generator = MixtureGenerator(cfg.z_dim, spec, cfg.width, cfg.generators, mlp=(2, False, cfg.width))
            self.discriminator = LeakyReLUTrunk(spec.sample_shape[0], 1 + cfg.generators, cfg.width)
        else:
            self.generator = MixtureGenerator(cfg.z_dim, spec, cfg.width, cfg.generators)
            self.discriminator = build_trunk(spec, 1 + cfg.generators, cfg.width)  # [D logit, C logits]
        init_weights(self)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def latent_spec(self) -> LatentSpec:
        return LatentSpec(z_dim=self.cfg.z_dim, z_prior=self.cfg.z_prior, discrete_sizes=(self.cfg.generators,))

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Uniform mixture weights: k ~ U{0, …, K−1}."""
        return torch.randint(self.cfg.generators, (n, 1), device=self.device)

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        if codes is None:
            raise ValueError("mgan.generate needs the generator index of every sample (codes [n, 1])")
        return self.generator(z, codes[:, 0])

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(D logit [n], C logits [n, K]) from the shared trunk."""
        out = self.discriminator(x)
        return out[:, 0], out[:, 1:]

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.heads(x)[0])

    def fakes(self, device) -> tuple[torch.Tensor, torch.Tensor]:
        """G_k(z) for every k, ``g_batch_size`` each (component-major), and their generator indices."""
        cfg, spec = self.cfg, self.latent_spec()
        if cfg.same_input:
            z = spec.sample_z(cfg.g_batch_size, device)
        else:
            z = spec.sample_z(cfg.generators * cfg.g_batch_size, device).view(cfg.generators, cfg.g_batch_size, -1)
        return self.generator(z), component_labels(cfg.generators, cfg.g_batch_size, device)

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        fake, k = self.fakes(batch.x.device)
        real_logit, _ = self.heads(batch.x)
        fake_logit, class_logits = self.heads(fake.detach())
        gan_loss = discriminator_loss(real_logit, fake_logit)
        classifier_loss = F.cross_entropy(class_logits, k)
        optimizer_step(self.opt_d, gan_loss + classifier_loss)

        g_logit, g_class_logits = self.heads(fake)
        diversity = F.cross_entropy(g_class_logits, k)
        g_loss = generator_loss(g_logit, "non-saturating") + self.cfg.beta * diversity
        optimizer_step(self.opt_g, g_loss)
        return {
            "loss/d_loss": gan_loss.detach(),
            "loss/c_loss": classifier_loss.detach(),
            "loss/g_loss": g_loss.detach(),
            "diag/d_real": torch.sigmoid(real_logit).mean().detach(),
            "diag/d_fake": torch.sigmoid(fake_logit).mean().detach(),
            "diag/c_accuracy": (class_logits.argmax(dim=1) == k).float().mean().detach(),
        }
