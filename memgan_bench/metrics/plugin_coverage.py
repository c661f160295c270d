"""``coverage`` plugin: class coverage (images, via the evaluation classifier) or mode coverage (2-D)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from memgan_bench.metrics.classifier import ClassifierConfig
from memgan_bench.metrics.coverage import class_coverage, mixture_coverage
from memgan_bench.metrics.sampling import generate, seen_classes, seen_data
from memgan_bench.plugins import Plugin
from memgan_bench.registry import PLUGINS


@dataclass
class CoverageConfig(ClassifierConfig):
    num_samples: int = field(default=10000, metadata={"min": 1})
    threshold: Optional[float] = field(default=None, metadata={"min": 0.0, "max": 1.0})
    min_count: int = field(default=1, metadata={"min": 1})


def coverage_rows(samples, data, classifier=None, threshold=None, min_count=1) -> dict[str, float]:
    """Result rows for ``samples`` judged against ``data`` (a 2-D mixture, or labelled images + classifier)."""
    if data.mode_centers is not None:
        out = mixture_coverage(samples, data.mode_centers, data.mode_std, min_count)
        return {"modes_covered": out["modes_covered"], "high_quality": out["high_quality"]}
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
    ``classifier_test_acc``. 2-D mixtures: ``modes_covered``, ``high_quality``."""

    Config = CoverageConfig

    def before_training(self, ctx) -> None:
        self.classifier = None
        if ctx.train_data.mode_centers is None:
            self.classifier = self.cfg.load_classifier(ctx)

    def evaluate(self, ctx) -> None:
        samples = generate(ctx.method, self.cfg.num_samples, seen_classes(ctx))
        ctx.record(coverage_rows(samples, seen_data(ctx.train_data, ctx), self.classifier, self.cfg.threshold,
                                 self.cfg.min_count))
