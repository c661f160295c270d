"""``goof`` plugin: GOoF memorization (Luzi 2020) of the final generator, on train and held-out points."""

from __future__ import annotations

from dataclasses import dataclass, field

from memgan_bench.engine.seeding import derive_seed, seeded_rng
from memgan_bench.errors import UserError
from memgan_bench.metrics.goof import code_count, goof_report
from memgan_bench.metrics.sampling import random_rows, seen_data
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS


@dataclass
class GoofConfig:
    num_points: int = field(default=256, metadata={"min": 1})
    restarts: int = field(default=4, metadata={"min": 1})
    steps: int = field(default=200, metadata={"min": 0})
    lr: float = field(default=0.05, metadata={"min": 0.0})
    codes: int = field(default=0, metadata={"min": 0})
    max_exact_codes: int = field(default=100, metadata={"min": 1})
    proxy_z: int = field(default=8, metadata={"min": 1})
    chunk: int = field(default=2048, metadata={"min": 1})
    spin_rounds: int = field(default=50, metadata={"min": 0})
    flip_candidates: int = field(default=8, metadata={"min": 1})


@PLUGINS.register("goof")
class GoofPlugin(Plugin):
    """At the end of training: rows ``goof/{train,test}_{mean,median,q10,q90}``, ``goof/gap`` and
    ``goof/nn_test_train_*`` (nearest-training-image RMSE of the test points, the reference scale); for a
    spin latent (AAN) the same rows of the spin-code search under ``goof_spin/``. ``codes``: 0 searches
    every discrete code exactly (refused before training above ``max_exact_codes`` codes, e.g. MemoryGAN's
    slots), m > 0 the m codes a proxy ranks nearest."""

    Config = GoofConfig

    def before_training(self, ctx) -> None:
        count = code_count(ctx.method.latent_spec())
        if not self.cfg.codes and count > self.cfg.max_exact_codes:
            raise UserError(f"plugins.goof: the exact search over all {count} codes of '{ctx.cfg.method}' exceeds "
                            f"max_exact_codes ({self.cfg.max_exact_codes}); set plugins.goof.codes to m > 0 "
                            f"(a proxy picks m codes per point) or raise max_exact_codes")

    def after_training(self, ctx) -> None:
        seed = derive_seed(ctx.cfg.seed, "goof")
        train, test = seen_data(ctx.train_data, ctx), seen_data(ctx.test_data, ctx)
        with seeded_rng(ctx.device, ctx.cfg.seed, "goof"):
            report = goof_report(ctx.method, random_rows(train, self.cfg.num_points, seed),
                                 random_rows(test, self.cfg.num_points, seed), train.images,
                                 restarts=self.cfg.restarts, steps=self.cfg.steps, lr=self.cfg.lr,
                                 codes=self.cfg.codes, proxy_z=self.cfg.proxy_z, chunk=self.cfg.chunk,
                                 spin_rounds=self.cfg.spin_rounds, flip_candidates=self.cfg.flip_candidates)
        ctx.record(report)
