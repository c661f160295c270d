"""Mode coverage of generated samples.

Labelled images (classes as modes), with the evaluation classifier's predictions ŷ on N samples:

- share p_gen(k) = |{i: ŷ_i = k}| / N; class k is *covered* when p_gen(k) ≥ τ, default τ = 0.1 / K
  (a tenth of the uniform share: a class the generator produces 10× less often than a balanced one
  counts as dropped);
- KL(p_gen ‖ p_real) = Σ_k p_gen(k) log(p_gen(k) / p_real(k)) (0 log 0 = 0), p_real the real class
  frequencies;
- per-class confidence: mean max-softmax over the samples predicted as k (NaN when none).

2-D mixtures with known centres μ_k and std σ (ring8, grid25), as in the mode-collapse literature
(Unrolled GAN, VEEGAN, PacGAN): a sample is *high quality* when its distance to the nearest centre is
< 3σ; mode k is *covered* when at least ``min_count`` high-quality samples have μ_k as nearest centre.
The default ``min_count = 1`` is the rule of PacGAN's released metric code (MetricLogger in
fjxmlzn/PacGAN synthetic_data_experiments: modes with a non-zero count of samples within 3σ);
a larger ``min_count`` gives a stricter count that ignores a few stray samples.
"""

from __future__ import annotations

from typing import Optional

import torch

from memgan_bench.metrics.classifier import EvalClassifier, batched


def class_histogram_stats(predicted: torch.Tensor, confidence: torch.Tensor, real_freq: torch.Tensor,
                          threshold: Optional[float] = None) -> dict:
    """Coverage statistics from predicted classes [N], their confidences [N] and real frequencies [K]."""
    k = len(real_freq)
    threshold = 0.1 / k if threshold is None else threshold
    counts = torch.bincount(predicted, minlength=k).double()
    share = counts / counts.sum()
    real = real_freq.double() / real_freq.double().sum()
    terms = torch.where(share > 0, share * (share / real).log(), torch.zeros_like(share))
    conf_sum = torch.zeros(k, dtype=torch.float64).index_add_(0, predicted, confidence.double())
    return {
        "classes_covered": int((share >= threshold).sum()),
        "kl_class": float(terms.sum()),
        "class_share": share.tolist(),
        "class_confidence": (conf_sum / counts).tolist(),
    }


def class_coverage(samples: torch.Tensor, classifier: EvalClassifier, real_labels: torch.Tensor,
                   threshold: Optional[float] = None, device=None) -> dict:
    """:func:`class_histogram_stats` of the classifier's predictions on ``samples`` ([-1, 1] images)."""
    device = device or next(classifier.parameters()).device
    classifier.eval()
    probs = batched(lambda x: classifier.logits(x).softmax(dim=1), samples, device=device)
    confidence, predicted = probs.max(dim=1)
    real_freq = torch.bincount(real_labels, minlength=classifier.num_classes)
    return class_histogram_stats(predicted, confidence, real_freq, threshold)


def mixture_coverage(samples: torch.Tensor, centers: torch.Tensor, std: float, min_count: int = 1,
                     radius: float = 3.0) -> dict:
    """Modes covered and share of high-quality samples (within ``radius``·σ of a centre) for 2-D mixtures."""
    dist = torch.cdist(samples.double(), centers.double())
    nearest_dist, nearest = dist.min(dim=1)
    good = nearest_dist < radius * std
    per_mode = torch.bincount(nearest[good], minlength=len(centers))
    return {
        "modes_covered": int((per_mode >= min_count).sum()),
        "num_modes": len(centers),
        "high_quality": float(good.double().mean()),
    }
