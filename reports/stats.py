"""Statistics over seeds: confidence intervals of a mean, Welch's t-test (its p-value and the interval of a
difference of means), Holm's correction, and the Wilson interval of a proportion."""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np
from scipy import stats

CI_METHODS = ("t", "bootstrap")
BOOTSTRAP_RESAMPLES = 10_000


def mean_interval(values: Sequence[float], method: str = "t", confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the mean of ``values`` at ``confidence``; low = high = NaN for one value.

    ``t``: x̄ ± t_{(1+c)/2, n−1} · s/√n (Student t, s the sample standard deviation).
    ``bootstrap``: the (1−c)/2 and (1+c)/2 percentiles of the means of 10,000 resamples with
    replacement (a fixed generator, so a report is reproducible)."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    if method == "t":
        half = stats.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        return mean, mean - half, mean + half
    if method == "bootstrap":
        means = np.random.default_rng(0).choice(x, size=(BOOTSTRAP_RESAMPLES, len(x))).mean(axis=1)
        low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
        return mean, float(low), float(high)
    raise ValueError(f"unknown CI method {method!r} (known: {', '.join(CI_METHODS)})")


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of Welch's t-test of equal means (unequal variances):
    t = (ā − b̄) / √(s_a²/n_a + s_b²/n_b) with Welch–Satterthwaite degrees of freedom.
    NaN when a group has fewer than two values or both have zero variance."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2 or (a.std() == 0 and b.std() == 0):
        return math.nan
    with warnings.catch_warnings():  # near-identical values: scipy warns of precision loss, p stays valid
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: with the m valid p sorted ascending p_(1) ≤ … ≤ p_(m),
    p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j)). NaN entries stay NaN and do not count in m."""
    valid = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(valid):
        running = max(running, min(1.0, (len(valid) - rank) * p))
        adjusted[i] = running
    return adjusted


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (two-sided 95 % by default)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def welch_interval(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """The ``confidence`` interval of ā − b̄ that Welch's t-test inverts: (ā − b̄) ± t · √(s_a²/n_a + s_b²/n_b)
    with Welch–Satterthwaite degrees of freedom (scipy's ``ttest_ind(..., equal_var=False)``). Both ends
    equal ā − b̄ when both groups have zero variance; NaN when a group has fewer than two values."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    if a.std() == 0 and b.std() == 0:
        difference = float(a.mean() - b.mean())
        return difference, difference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence)
    return float(interval.low), float(interval.high)
