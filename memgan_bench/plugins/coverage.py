"""``coverage`` plugin: class coverage (images, via the evaluation classifier) or mode coverage (2-D).

``num_samples`` defaults to 10,000 for images and to 2,500 for 2-D mixtures (PacGAN's count). Every
evaluation of a run scores the generator on the same latent draws (seeded by the run seed), as PacGAN
scores one fixed z set every epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from memgan_bench.engine.seeding import seeded_rng
from memgan_bench.evaluation.classifier import ClassifierConfig
from memgan_bench.metrics.coverage import class_coverage, mixture_coverage
from memgan_bench.metrics.sampling import generate, seen_classes, seen_data
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS

DEFAULT_SAMPLES = {"images": 10_000, "mixture": 2_500}


@dataclass
class CoverageConfig(ClassifierConfig):
    num_samples: Optional[int] = field(default=None, metadata={"min": 1})
    threshold: Optional[float] = field(default=None, metadata={"min": 0.0, "max": 1.0})
    min_count: int = field(default=1, metadata={"min": 1})


def coverage_rows(samples, data, classifier=None, threshold=None, min_count=1) -> dict[str, float]:
    """Result rows for ``samples`` judged against ``data`` (a 2-D mixture, or labelled images + classifier)."""
    if data.mode_centers is not None:
        out = mixture_coverage(samples, data.mode_centers, data.mode_std, min_count)
        return {key: out[key] for key in ("modes_covered", "high_quality", "reverse_kl")}
    out = class_coverage(samples, classifier, data.labels, threshold)
    rows = {"classes_covered": out["classes_covered"], "kl_class": out["kl_class"],
            "classifier_test_acc": classifier.test_accuracy}
    rows.update({f"class_share/{k}": share for k, share in enumerate(out["class_share"])})
    rows.update({f"class_confidence/{k}": c for k, c in enumerate(out["class_confidence"]) if not math.isnan(c)})
    return rows


@PLUGINS.register("coverage")
class CoveragePlugin(Plugin):
    """Images: ``classes_covered``, ``kl_class`` (vs the seen classes' train frequencies; infinite when a
    sample is classified as an unseen class), ``class_share/k``, ``class_confidence/k``,
    ``classifier_test_acc``. 2-D mixtures: ``modes_covered``, ``high_quality``, ``reverse_kl``."""

    Config = CoverageConfig

    def before_training(self, ctx) -> None:
        self.classifier = None
        if ctx.train_data.mode_centers is None:
            self.classifier = self.cfg.load_classifier(ctx)

    def evaluate(self, ctx) -> None:
        kind = "images" if ctx.train_data.mode_centers is None else "mixture"
        with seeded_rng(ctx.device, ctx.cfg.seed, "coverage"):
            samples = generate(ctx.method, self.cfg.num_samples or DEFAULT_SAMPLES[kind], seen_classes(ctx))
        ctx.record(coverage_rows(samples, seen_data(ctx.train_data, ctx), self.classifier, self.cfg.threshold,
                                 self.cfg.min_count))
