"""Mode coverage of generated samples.

Labelled images (classes as modes), with the evaluation classifier's predictions ŷ on N samples:

- share p_gen(k) = |{i: ŷ_i = k}| / N; class k is *covered* when p_gen(k) ≥ τ, default τ = 0.1 / K
  (a tenth of the uniform share: a class the generator produces 10× less often than a balanced one
  counts as dropped);
- KL(p_gen ‖ p_real) = Σ_k p_gen(k) log(p_gen(k) / p_real(k)) (0 log 0 = 0), p_real the real class
  frequencies;
- per-class confidence: mean max-softmax over the samples predicted as k (NaN when none).

2-D mixtures with known centres μ_k and std σ (ring8, grid25), as PacGAN defines them (Lin et al. 2018;
released metric code: fjxmlzn/PacGAN, ``synthetic_data_experiments/PacGAN/pacgan/extensions.py``,
``MetricLogger``), on N samples x_i (2,500 in PacGAN: ``num_log_figure_sample``):

- each sample goes to its nearest mode in σ units, m(x) = argmin_k ‖x − μ_k‖ / σ (their distance
  √Σ_d (x_d − μ_kd)² / σ²_kd with one σ for every mode and axis; ties to the lowest k);
- x is *high quality* when ‖x − μ_m(x)‖ / σ < 3 (their ``dis_thre = 3``, strict); the histogram
  c_k = |{i: x_i high quality, m(x_i) = k}| counts high-quality samples only (their
  ``detail_of_coverage``);
- ``modes_covered`` = |{k: c_k ≥ min_count}|; PacGAN's rule is ``min_count = 1`` (modes with a non-zero
  count), a larger value gives a stricter count that ignores a few stray samples;
- ``high_quality`` = Σ_k c_k / N (their "good points percentage");
- ``reverse_kl`` = KL(p ‖ u) = Σ_{k: p_k > 0} p_k log(K p_k), with p_k = c_k / Σ_j c_j and u the uniform
  true mode distribution 1/K. The released 2-D code logs the entropy H(p) and JSD(p, u) of this same
  histogram, not the KL (KL(p ‖ u) = log K − H(p) exactly); the KL here is the released code's own
  ``KLD(p, q)`` (terms with p_k = 0 dropped, no smoothing: u has no zero) as its Stacked-MNIST metric
  applies it (``stacked_MNIST_experiments/*/model.py``, ``log_metrics``: KLD(mode histogram, uniform)).
  With no high-quality sample p is undefined (0/0 in the released code) and ``reverse_kl`` is NaN.
"""

from __future__ import annotations

from typing import Optional

import torch

from memgan_bench.evaluation.classifier import EvalClassifier, batched
from memgan_bench.evaluation.modes import nearest_mode


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> float:
    """KL(p ‖ q) = Σ_{k: p_k > 0} p_k log(p_k / q_k) of two distributions over the same bins (0 log 0 = 0)."""
    p, q = p.double(), q.double()
    return float(torch.where(p > 0, p * (p / q).log(), torch.zeros_like(p)).sum())


def class_histogram_stats(predicted: torch.Tensor, confidence: torch.Tensor, real_freq: torch.Tensor,
                          threshold: Optional[float] = None) -> dict:
    """Coverage statistics from predicted classes [N], their confidences [N] and real frequencies [K]."""
    k = len(real_freq)
    threshold = 0.1 / k if threshold is None else threshold
    counts = torch.bincount(predicted, minlength=k).double()
    share = counts / counts.sum()
    real = real_freq.double() / real_freq.double().sum()
    conf_sum = torch.zeros(k, dtype=torch.float64).index_add_(0, predicted, confidence.double())
    return {
        "classes_covered": int((share >= threshold).sum()),
        "kl_class": kl_divergence(share, real),
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


def mode_histogram(samples: torch.Tensor, centers: torch.Tensor, std: float, radius: float = 3.0) -> torch.Tensor:
    """c_k: the number of samples within ``radius``·σ of centre k, k their nearest centre (int64 [K])."""
    nearest_dist, nearest = nearest_mode(samples, centers, std)
    return torch.bincount(nearest[nearest_dist < radius], minlength=len(centers))


def reverse_kl_to_uniform(counts: torch.Tensor) -> float:
    """KL(p ‖ u) = Σ_{p_k > 0} p_k log(K p_k) of the histogram p = counts / Σ counts (NaN when empty)."""
    if int(counts.sum()) == 0:
        return float("nan")
    p = counts.double() / counts.sum()
    return kl_divergence(p, torch.full_like(p, 1.0 / len(p)))


def mixture_coverage(samples: torch.Tensor, centers: torch.Tensor, std: float, min_count: int = 1,
                     radius: float = 3.0) -> dict:
    """Modes covered, share of high-quality samples and reverse KL of a 2-D mixture's samples (module doc)."""
    counts = mode_histogram(samples, centers, std, radius)
    return {
        "modes_covered": int((counts >= min_count).sum()),
        "num_modes": len(centers),
        "high_quality": float(counts.sum()) / len(samples),
        "reverse_kl": reverse_kl_to_uniform(counts),
    }
