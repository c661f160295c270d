"""``d_forgetting`` plugin: discriminator forgetting probes (definition in :mod:`.forgetting`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from memgan_bench.engine.seeding import derive_seed, seeded_rng
from memgan_bench.method import evaluation_mode
from memgan_bench.metrics.forgetting import ForgettingTracker
from memgan_bench.metrics.sampling import generate, random_rows, seen_classes
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS


def fakes_for_threshold(ctx, real: torch.Tensor) -> torch.Tensor | None:
    """A fake batch as large as ``real`` to place a critic's decision threshold (None for a method whose
    discriminator outputs a probability: its threshold is ½)."""
    if ctx.method.discriminator_output == "probability":
        return None
    with seeded_rng(ctx.device, ctx.cfg.seed, "d_forgetting/threshold", ctx.step), torch.no_grad(), \
            evaluation_mode(ctx.method):
        return generate(ctx.method, len(real), seen_classes(ctx))


def add_real_probe(tracker: ForgettingTracker, ctx, name: str, real: torch.Tensor) -> None:
    """A real probe set with its decision threshold (``GANMethod.decision_threshold``)."""
    fake = fakes_for_threshold(ctx, real)
    threshold = 0.5 if fake is None else ctx.method.decision_threshold(real, fake)
    tracker.add_probe(name, real, is_real=True, step=ctx.step, threshold=threshold)


def add_class_probes(tracker: ForgettingTracker, ctx, classes, size: int) -> None:
    """One real probe ``real_c{k}`` per class k not probed yet: ``size`` held-out test images of k in a
    seeded random order, created when the class arrives (streams)."""
    for k in classes:
        if f"real_c{k}" not in tracker.probes:
            x = random_rows(ctx.test_data.of_classes([k]), size, derive_seed(ctx.cfg.seed, "d_forgetting", k))
            add_real_probe(tracker, ctx, f"real_c{k}", x)


@dataclass
class ForgettingConfig:
    """Every ``archive_every`` steps a snapshot of ``snapshot_size`` fakes is archived, at most
    ``max_snapshots`` (later ones are not archived: memory and checkpoint size stay bounded);
    ``real_size`` held-out test images form the real probe; with ``per_class_real`` each class also gets
    a real probe of ``real_size`` test images of that class when it first arrives (streams);
    ``horizon`` H as in the definition."""

    archive_every: int = field(default=500, metadata={"min": 1})
    snapshot_size: int = field(default=256, metadata={"min": 1})
    max_snapshots: int = field(default=32, metadata={"min": 1})
    real_size: int = field(default=256, metadata={"min": 1})
    horizon: int = field(default=1000, metadata={"min": 0})
    per_class_real: bool = False


@PLUGINS.register("d_forgetting")
class ForgettingPlugin(Plugin):
    """Rows ``d_forgetting/{acc,p_real,forgetting}/{probe}`` (probes ``s{step}`` for fake snapshots,
    ``real_test`` for held-out real data, ``real_c{k}`` per class with ``per_class_real``; other code may
    add probe sets through ``self.tracker.add_probe``) and
    ``d_forgetting/mean_forgetting`` (fake snapshots at least ``horizon`` steps old) and
    ``d_forgetting/mean_forgetting_real``."""

    Config = ForgettingConfig
    needs = ("discriminate",)

    def __init__(self, cfg):
        super().__init__(cfg)
        self.tracker = ForgettingTracker()

    def before_training(self, ctx) -> None:
        if "real_test" not in self.tracker.probes:
            x = random_rows(ctx.test_data, self.cfg.real_size, derive_seed(ctx.cfg.seed, "d_forgetting"))
            add_real_probe(self.tracker, ctx, "real_test", x)

    def before_experience(self, ctx) -> None:
        if self.cfg.per_class_real:
            add_class_probes(self.tracker, ctx, ctx.experience.classes, self.cfg.real_size)

    def after_train_step(self, ctx) -> None:
        snapshots = sum(not probe["real"] for probe in self.tracker.probes.values())
        if ctx.step % self.cfg.archive_every or snapshots >= self.cfg.max_snapshots:
            return
        with seeded_rng(ctx.device, ctx.cfg.seed, "d_forgetting", ctx.step), torch.no_grad(), \
                evaluation_mode(ctx.method):
            x = generate(ctx.method, self.cfg.snapshot_size, seen_classes(ctx))
            threshold = ctx.method.decision_threshold(self.tracker.probes["real_test"]["x"], x)
        self.tracker.add_probe(f"s{ctx.step}", x, is_real=False, step=ctx.step, threshold=threshold)

    def evaluate(self, ctx) -> None:
        rows = self.tracker.evaluate(ctx.method.discriminate, ctx.step, device=ctx.device)
        values = {}
        for row in rows:
            for key in ("acc", "p_real", "forgetting"):
                values[f"d_forgetting/{key}/{row['probe']}"] = row[key]
        for name, real in (("mean_forgetting", False), ("mean_forgetting_real", True)):
            mean = ForgettingTracker.summary(rows, self.cfg.horizon, real=real)
            if mean is not None:
                values[f"d_forgetting/{name}"] = mean
        ctx.record(values)

    def state_dict(self) -> dict:
        return self.tracker.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.tracker.load_state_dict(state)
