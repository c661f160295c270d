"""IS / FID / KID / precision-recall through ``torch_fidelity.calculate_metrics`` in a classifier's space.

The project's evaluation classifier is registered with torch-fidelity as a custom feature extractor whose
``logits`` feed the Inception Score and whose ``penultimate`` features feed FID, KID and PR (Kynkäänniemi
et al. 2019: precision = share of generated samples inside the real manifold, recall = the converse).
Nothing is re-implemented: torch-fidelity computes every number.

Both inputs are converted the same way, as images saved to disk would be: [-1, 1] floats → uint8 0..255
(rounded), wrapped in a Dataset whose items are plain tensors. The classifier extractor maps uint8 back to
[-1, 1]; ``inception-v3-compat`` (only with a local weights file, for CIFAR-10 numbers comparable with
published ones) takes the uint8 images directly, grey images repeated to 3 channels.

torch-fidelity's disk cache keys features by input name only, so it is always off (``cache=False``).
torch-fidelity builds a feature extractor from its registered name alone, so the classifier reaches it
through :data:`BOUND_CLASSIFIERS`, which holds a classifier only while a ``compute_fidelity`` call that
scores with it runs.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Optional, Sequence

import torch
from torch.utils.data import Dataset

from memgan_bench.errors import UserError
from memgan_bench.evaluation.classifier import EvalClassifier

METRIC_FLAGS = {"is": "isc", "fid": "fid", "kid": "kid", "pr": "prc"}
RESULT_KEYS = {"inception_score_mean": "is_mean", "inception_score_std": "is_std",
               "frechet_inception_distance": "fid", "kernel_inception_distance_mean": "kid_mean",
               "kernel_inception_distance_std": "kid_std", "precision": "precision", "recall": "recall",
               "f_score": "f_score"}

def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats → uint8 0..255, as a PNG writer would store them."""
    return ((images.detach().float().cpu() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)


class ImageTensors(Dataset):
    """A fixed set of uint8 images; each item is a plain C×H×W tensor."""

    def __init__(self, images: torch.Tensor):
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


EXTRACTOR_NAME = "memgan-bench-classifier"


class BoundClassifiers:
    """The classifiers of the ``compute_fidelity`` calls in progress, innermost last: ``bind`` holds one for
    the length of a ``with`` block and drops it after, so no classifier outlives the call that scores
    with it."""

    def __init__(self) -> None:
        self._stack: list[EvalClassifier] = []

    @contextlib.contextmanager
    def bind(self, classifier: EvalClassifier):
        self._stack.append(classifier)
        try:
            yield
        finally:
            self._stack.pop()

    def current(self) -> EvalClassifier:
        if not self._stack:
            raise RuntimeError(f"torch-fidelity built '{EXTRACTOR_NAME}' outside compute_fidelity")
        return self._stack[-1]

    def __len__(self) -> int:
        return len(self._stack)


BOUND_CLASSIFIERS = BoundClassifiers()


def _extractor_class():
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    class ClassifierFeatureExtractor(FeatureExtractorBase):
        """torch-fidelity view of the innermost bound :class:`EvalClassifier`."""

        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)
            self.classifier = BOUND_CLASSIFIERS.current()

        @staticmethod
        def get_provided_features_list():
            return "logits", "penultimate"

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "logits" if metric == "isc" else "penultimate"

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():
            raise NotImplementedError

        def forward(self, x):
            features = self.classifier.features(x.float() / 127.5 - 1)
            out = {"penultimate": features, "logits": self.classifier.head(features)}
            return tuple(out[name] for name in self.features_list)

    return ClassifierFeatureExtractor


def _register_extractor() -> None:
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

    if EXTRACTOR_NAME not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(EXTRACTOR_NAME, _extractor_class())


def compute_fidelity(samples: torch.Tensor, reference: torch.Tensor, classifier: Optional[EvalClassifier],
                     metrics: Sequence[str] = ("is", "fid", "kid", "pr"), kid_subset_size: Optional[int] = None,
                     isc_splits: int = 10, batch_size: int = 256, device=None,
                     inception_weights: Optional[str] = None, seed: int = 2020) -> dict[str, float]:
    """Scores of ``samples`` against ``reference`` (both [N, C, H, W] in [-1, 1]).

    Returns a subset of ``is_mean, is_std, fid, kid_mean, kid_std, precision, recall, f_score``.
    ``kid_subset_size`` defaults to min(1000, both sample counts). With ``inception_weights`` the
    ``inception-v3-compat`` extractor loads that file instead of using ``classifier``.
    """
    from torch_fidelity import calculate_metrics

    unknown = [m for m in metrics if m not in METRIC_FLAGS]
    if unknown or not metrics:
        raise UserError(f"unknown fidelity metrics {unknown} (known: {', '.join(METRIC_FLAGS)})")
    n = min(len(samples), len(reference))
    if kid_subset_size is None:
        kid_subset_size = min(1000, n)
    if "kid" in metrics and not 2 <= kid_subset_size <= n:
        raise UserError(f"kid_subset_size {kid_subset_size} must be in [2, {n}] (the smaller sample count)")
    if "is" in metrics and not 1 <= isc_splits <= len(samples):
        raise UserError(f"isc_splits {isc_splits} must be in [1, {len(samples)}] (the sample count)")
    device = torch.device(device or "cpu")
    first, second = to_uint8(samples), to_uint8(reference)
    if inception_weights is not None:
        if not Path(inception_weights).is_file():
            raise UserError(f"inception weights file not found: {inception_weights}")
        extractor = {"feature_extractor": "inception-v3-compat",
                     "feature_extractor_weights_path": str(inception_weights)}
        if first.shape[1] == 1:
            first, second = first.expand(-1, 3, -1, -1), second.expand(-1, 3, -1, -1)
        binding = contextlib.nullcontext()
    else:
        _register_extractor()
        extractor = {"feature_extractor": EXTRACTOR_NAME}
        binding = BOUND_CLASSIFIERS.bind(classifier.to(device))
    with binding:
        raw = calculate_metrics(
            input1=ImageTensors(first), input2=ImageTensors(second), cuda=device.type == "cuda",
            batch_size=batch_size, isc_splits=isc_splits, kid_subset_size=kid_subset_size, cache=False,
            save_cpu_ram=True, verbose=False, rng_seed=seed,
            **{flag: name in metrics for name, flag in METRIC_FLAGS.items()}, **extractor)
    return {RESULT_KEYS[key]: float(value) for key, value in raw.items() if key in RESULT_KEYS}
