"""GAN ensembles on subsets of the data (Luzi 2020; Luzi, Balestriero & Baraniuk, arXiv 2006.14600).

The training set is partitioned into K subsets and one GAN is trained per subset; the ensemble samples
component k with probability π_k = n_k / N (our reading of the mixture weights: the subset's share of the
data). Partitions (``partition``):

- ``random``: an equal random split (``methods.common.partitions.random_partition``);
- ``kmeans``: k-means (Lloyd) on the pixels, or with ``kmeans_space: classifier`` on the evaluation
  classifier's penultimate features (``load_or_train_classifier`` with ``classifier_*``; the cached one the
  evaluation plugins use when the settings match; training one needs its dataset found without ``data.root``);
- ``experience`` (class-incremental streams): component e is trained on experience e alone and frozen after
  it: the "expansion" baseline, zero forgetting at a cost linear in the number of experiences. π covers the
  components trained so far.

Each component is the base method's networks and losses (``base: dcgan``, the only base supported: DCGAN's
nets, non-saturating or saturating loss, its Adam settings; the DCGAN config fields apply to every component).
The K components train in lock step in one ``train_step``, component k on its own batch of ``batch_size``
from its subset (``batch_schedule``); their parameters are stacked and run with one vmapped call
(``methods.common.stacked.Stacked``), and one Adam over the stacked parameters is K independent Adams. With the
``experience`` partition only the current component runs; the frozen ones get no gradient, no batch-norm
update and, as the Adam state is reset at each experience, no Adam move: they stay bit-identical.

``discriminate(x)`` is the mixture's Σ_k π_k D_k(x). The partition (each training sample's component) is
computed in ``on_experience_start`` and kept in ``extra_state``, so a resumed run batches the same subsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import torch

from memgan_bench.data.base import Batch, DataSpec, ImageData
from memgan_bench.engine.batching import BatchSchedule
from memgan_bench.engine.seeding import derive_seed
from memgan_bench.errors import UserError
from memgan_bench.evaluation import classifier as eval_classifier
from memgan_bench.method import GANMethod, LatentSpec, optimizer_step
from memgan_bench.registry import METHODS
from methods.common.losses import adversarial_logs, discriminator_loss, generator_loss
from methods.common.nets import build_generator, build_trunk, init_weights
from methods.common.partitions import kmeans, random_partition
from methods.common.stacked import Stacked
from methods.dcgan import DCGAN


class ComponentBatches:
    """Step s's batch for components lo … hi − 1: component k's ``batch_size`` rows come from its own subset,
    in an order seeded by (seed, k, experience), so the batch is a pure function of (seed, experience, s)."""

    def __init__(self, subsets: list[ImageData], components: range, batch_size: int, seed: int, experience: int,
                 device: torch.device):
        self.schedules = []
        for k, subset in zip(components, subsets):
            if len(subset) < batch_size:
                raise UserError(f"gan-ensemble component {k} holds {len(subset)} training samples, fewer than one "
                                f"batch of {batch_size}: lower model.components or train.batch_size")
            self.schedules.append(BatchSchedule(subset, batch_size, derive_seed(seed, "component", k), experience,
                                                device))

    def batch(self, step: int) -> Batch:
        batches = [schedule.batch(step) for schedule in self.schedules]
        return Batch(torch.cat([b.x for b in batches]), torch.cat([b.y for b in batches]))


@METHODS.register("gan-ensemble")
class GANEnsemble(GANMethod):
    @dataclass
    class Config(DCGAN.Config):
        components: int = field(default=10, metadata={"min": 1})
        partition: Literal["random", "kmeans", "experience"] = "random"
        kmeans_space: Literal["pixels", "classifier"] = "pixels"
        kmeans_iters: int = field(default=100, metadata={"min": 1})
        classifier_arch: eval_classifier.ClassifierArch = "resnet"
        classifier_epochs: Optional[int] = field(default=None, metadata={"min": 1})
        classifier_subset: Optional[int] = field(default=None, metadata={"min": 1})
        base: Literal["dcgan"] = "dcgan"

    @classmethod
    def check_config(cls, cfg: Config, run_cfg) -> None:
        if getattr(cfg, "pack", 1) != 1:  # a DCGAN option (PacGAN) the stacked components do not apply
            raise UserError("model.pack: gan-ensemble components are unpacked DCGANs (pack must be 1)")
        if cfg.kmeans_space != "pixels" and cfg.partition != "kmeans":
            raise UserError(f"model.kmeans_space applies to partition kmeans only (partition is {cfg.partition})")
        if run_cfg is None:
            return
        if "ewc" in run_cfg.plugins:
            raise UserError("plugin ewc cannot run with gan-ensemble: its per-sample Fisher (vmap) cannot trace "
                            "generate, which picks each sample's component on the host")
        if cfg.partition != "experience":
            return
        if run_cfg.scenario_name == "unsupervised":
            raise UserError("model.partition experience needs a stream (scenario.name: class-incremental)")
        scenario = run_cfg.scenario
        experiences = getattr(scenario, "num_experiences", None)
        order = getattr(scenario, "class_order", None)
        if experiences is None and order is not None:
            experiences = len(order) // scenario.classes_per_experience
        if experiences is not None and experiences > cfg.components:
            raise UserError(f"model.partition experience needs one component per experience: the stream has "
                            f"{experiences}, model.components is {cfg.components}")

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        tiny = {"components": 2, "z_dim": 8, "width": 8}
        return {"random": tiny, "kmeans": {**tiny, "partition": "kmeans"},
                "experience": {**tiny, "partition": "experience"}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        generators, discriminators = [], []
        for _ in range(cfg.components):
            generators.append(build_generator(cfg.z_dim, spec, cfg.width))
            discriminators.append(build_trunk(spec, 1, cfg.width))
            init_weights(generators[-1])
            init_weights(discriminators[-1])
        self.generator = Stacked(generators)
        self.discriminator = Stacked(discriminators)
        self.register_buffer("subset_sizes", torch.ones(cfg.components))  # n_k: π_k = n_k / N
        self.active = (0, cfg.components)  # the components trained in this experience
        self.assignment = torch.zeros(0, dtype=torch.long)  # component of each training sample
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    # --- partition ------------------------------------------------------------------------------
    def partition_points(self, data: ImageData) -> torch.Tensor:
        """What k-means clusters: flattened samples, or the evaluation classifier's features."""
        if self.cfg.kmeans_space == "pixels":
            return data.images.flatten(1)
        cfg = self.cfg
        classifier = eval_classifier.load_or_train_classifier(
            data.name, arch=cfg.classifier_arch, epochs=cfg.classifier_epochs, subset=cfg.classifier_subset,
            device=self.device)
        return eval_classifier.batched(classifier.features, data.images, device=self.device)

    def on_experience_start(self, experience) -> None:
        cfg, n = self.cfg, len(experience.train)
        if cfg.partition == "experience":
            k = experience.index
            if k >= cfg.components:
                raise UserError(f"gan-ensemble has {cfg.components} components but the stream reached experience "
                                f"{k}; set model.components to the number of experiences")
            self.active, self.assignment = (k, k + 1), torch.full((n,), k, dtype=torch.long)
            self.subset_sizes[k:] = 0
            self.subset_sizes[k] = n
            for opt in self.optimizers().values():
                opt.state.clear()  # frozen components: zero gradient and zero moments, so Adam leaves them be
            return
        if cfg.partition == "random":
            self.assignment = random_partition(n, cfg.components)
        else:
            self.assignment = kmeans(self.partition_points(experience.train), cfg.components, cfg.kmeans_iters).cpu()
        self.active = (0, cfg.components)
        self.subset_sizes.copy_(torch.bincount(self.assignment, minlength=cfg.components))

    def batch_schedule(self, experience, batch_size: int, seed: int, device: torch.device) -> ComponentBatches:
        if len(self.assignment) != len(experience.train):
            raise RuntimeError("gan-ensemble: batch_schedule before on_experience_start partitioned this experience")
        components = range(*self.active)
        subsets = [experience.train.subset((self.assignment == k).nonzero().squeeze(1)) for k in components]
        return ComponentBatches(subsets, components, batch_size, seed, experience.index, device)

    def extra_state(self) -> dict:
        return {"assignment": self.assignment, "active": list(self.active)}

    def load_extra_state(self, state: dict) -> None:
        self.assignment = state["assignment"].cpu()
        self.active = tuple(state["active"])

    # --- generation and discrimination ------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        return LatentSpec(z_dim=self.cfg.z_dim, z_prior="normal", discrete_sizes=(self.cfg.components,))

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Component k with probability π_k = n_k / N."""
        return torch.multinomial(self.subset_sizes, n, replacement=True).view(n, 1)

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """G_{c_i}(z_i), each component run on its own rows (grouped on the host: not used in train_step)."""
        if codes is None:
            raise ValueError("gan-ensemble.generate needs the component of every sample (codes [n, 1])")
        order = torch.argsort(codes[:, 0], stable=True)
        sizes = torch.bincount(codes[:, 0], minlength=self.cfg.components).tolist()
        parts = [self.generator.component(k, rows) for k, rows in enumerate(z[order].split(sizes)) if len(rows)]
        return torch.cat(parts)[torch.argsort(order)]

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """The mixture's P(real | x) = Σ_k π_k D_k(x)."""
        k = self.cfg.components
        scores = torch.sigmoid(self.discriminator(x.expand(k, *x.shape)).squeeze(-1))  # [K, n]
        return (self.subset_sizes / self.subset_sizes.sum()) @ scores

    # --- training -------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Every active component's DCGAN step at once; the losses summed over components, so each
        component's gradient is its own GAN's."""
        lo, hi = self.active
        count = hi - lo
        x = batch.x.view(count, -1, *batch.x.shape[1:])
        z = torch.randn(count, x.shape[1], self.cfg.z_dim, device=x.device)
        fake = self.generator(z, lo, hi)
        real_logits = self.discriminator(x, lo, hi).squeeze(-1)
        fake_logits = self.discriminator(fake.detach(), lo, hi).squeeze(-1)
        d_loss = discriminator_loss(real_logits, fake_logits)
        optimizer_step(self.opt_d, count * d_loss)

        g_loss = generator_loss(self.discriminator(fake, lo, hi).squeeze(-1), self.cfg.loss)
        optimizer_step(self.opt_g, count * g_loss)
        return adversarial_logs(d_loss, g_loss, real_logits, fake_logits)
