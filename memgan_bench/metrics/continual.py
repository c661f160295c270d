"""Continual-learning summaries of a score matrix R (pure functions, numpy).

R[i, j] is the score on task j (a class or experience) measured after training experience i; entries
with j > i (not yet learnt) are NaN. Everything is computed on S = R if higher is better, S = −R
otherwise (FID-like), so a positive forgetting always means "got worse". At experience i:

- average score:                  A_i = 1/(i+1) Σ_{j≤i} R[i, j]
- forgetting, max-based (Chaudhry et al. 2018, "Riemannian Walk", eq. 5):
                                  f^max_{i,j} = max_{l∈[j, i−1]} S[l, j] − S[i, j]
- forgetting, Avalanche's (value right after learning minus now):
                                  f^last_{i,j} = S[j, j] − S[i, j]
- backward transfer (Lopez-Paz & Ranzato 2017, GEM, eq. 3):
                                  BWT_i = 1/i Σ_{j<i} (S[i, j] − S[j, j]) = −mean_j f^last_{i,j}

The forgetting of experience i is the mean over past tasks j < i (NaN at i = 0, where no task is past).
"""

from __future__ import annotations

import numpy as np


def _oriented(R, higher_is_better: bool) -> np.ndarray:
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] != R.shape[1]:
        raise ValueError(f"score matrix must be square (experiences × tasks), got shape {R.shape}")
    return R if higher_is_better else -R


def average_score(R, i: int) -> float:
    """A_i: the mean score over the tasks learnt up to experience i."""
    return float(np.mean(np.asarray(R, dtype=float)[i, : i + 1]))


def forgetting_max(R, i: int, higher_is_better: bool = True) -> np.ndarray:
    """f^max_{i,j} for every past task j < i (length i)."""
    S = _oriented(R, higher_is_better)
    return np.array([S[j:i, j].max() - S[i, j] for j in range(i)])


def forgetting_last(R, i: int, higher_is_better: bool = True) -> np.ndarray:
    """f^last_{i,j} = S[j, j] − S[i, j] for every past task j < i (Avalanche's definition)."""
    S = _oriented(R, higher_is_better)
    return np.array([S[j, j] - S[i, j] for j in range(i)])


def backward_transfer(R, i: int, higher_is_better: bool = True) -> float:
    """BWT_i (NaN at i = 0)."""
    return float(-np.mean(forgetting_last(R, i, higher_is_better))) if i else float("nan")


def summary(R, i: int | None = None, higher_is_better: bool = True) -> dict[str, float]:
    """Average score, both forgettings (mean over past tasks) and BWT after experience i (default: last)."""
    i = len(R) - 1 if i is None else i
    mean = lambda v: float(np.mean(v)) if len(v) else float("nan")
    return {
        "average": average_score(R, i),
        "forgetting_max": mean(forgetting_max(R, i, higher_is_better)),
        "forgetting_last": mean(forgetting_last(R, i, higher_is_better)),
        "bwt": backward_transfer(R, i, higher_is_better),
    }
