"""``fidelity`` plugin: IS / FID / KID / PR of generated samples against the seen classes' train data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from memgan_bench.errors import UserError
from memgan_bench.evaluation.classifier import ClassifierConfig
from memgan_bench.metrics.fidelity import METRIC_FLAGS, compute_fidelity
from memgan_bench.metrics.sampling import generate, random_rows, seen_classes, seen_data
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS


@dataclass
class FidelityConfig(ClassifierConfig):
    """The MemoryGAN paper scored Fashion-MNIST on 64,000 samples; the default is smaller for speed."""

    num_samples: int = field(default=10000, metadata={"min": 10})
    metrics: list[str] = field(default_factory=lambda: ["is", "fid", "kid", "pr"])
    kid_subset_size: Optional[int] = field(default=None, metadata={"min": 2})
    isc_splits: int = field(default=10, metadata={"min": 1})
    inception_weights: Optional[str] = None

    def __post_init__(self) -> None:
        unknown = [m for m in self.metrics if m not in METRIC_FLAGS]
        if unknown or not self.metrics:
            raise UserError(f"plugins.fidelity.metrics: unknown {unknown} (known: {', '.join(METRIC_FLAGS)})")


@PLUGINS.register("fidelity")
class FidelityPlugin(Plugin):
    """Rows ``is_mean, is_std, fid, kid_mean, kid_std, precision, recall, f_score, classifier_test_acc``."""

    Config = FidelityConfig

    def before_training(self, ctx) -> None:
        if ctx.train_data.images.dim() != 4:
            raise UserError("plugin 'fidelity' needs image data; use 'coverage' for 2-D mixtures")
        self.classifier = self.cfg.load_classifier(ctx)

    def evaluate(self, ctx) -> None:
        classes = seen_classes(ctx)
        samples = generate(ctx.method, self.cfg.num_samples, classes)
        reference = random_rows(seen_data(ctx.train_data, ctx), self.cfg.num_samples, ctx.cfg.seed)
        scores = compute_fidelity(samples, reference, self.classifier, self.cfg.metrics, self.cfg.kid_subset_size,
                                  self.cfg.isc_splits, device=ctx.device, inception_weights=self.cfg.inception_weights)
        ctx.record({**scores, "classifier_test_acc": self.classifier.test_accuracy})
