"""Partitions of a training set into K subsets (the subsampled mixtures of Luzi et al. 2020).

``random_partition``: a uniformly random equal split (sizes differ by at most one).
``kmeans``: Lloyd's algorithm (Lloyd 1982) from k-means++ seeds (Arthur & Vassilvitskii 2007: the first
centre a uniformly drawn point, each next one a point drawn with probability ∝ its squared distance to the
nearest centre so far; scikit-learn's default initialisation): assign every point to its nearest centre
(squared Euclidean distance, ties to the lower index), move each centre to the mean of its points (a centre
left with no points stays where it is), until no assignment changes or ``max_iters``. (Uniformly drawn
initial centres leave ring8's 8 modes merged in pairs or a cluster empty for most seeds.)
Both draw from the global torch RNG, so a run's partition is determined by its seed.
"""

from __future__ import annotations

import torch


def random_partition(n: int, k: int) -> torch.Tensor:
    """Component of each of n points: a random permutation dealt round-robin into k subsets."""
    assignment = torch.empty(n, dtype=torch.long)
    assignment[torch.randperm(n)] = torch.arange(n) % k
    return assignment


def nearest(points: torch.Tensor, centres: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """argmin_j ‖x_i − c_j‖² for every point (‖x‖² is common to all j and dropped)."""
    centre_norms = centres.pow(2).sum(dim=1)
    return torch.cat([(centre_norms - 2 * part @ centres.T).argmin(dim=1) for part in points.split(chunk)])


def lloyd(points: torch.Tensor, centres: torch.Tensor, max_iters: int) -> torch.Tensor:
    """Lloyd iterations from ``centres`` [k, d]; returns the final assignment [n]."""
    points, centres = points.float(), centres.float().clone()
    assignment = nearest(points, centres)
    for _ in range(max_iters):
        sums = torch.zeros_like(centres).index_add_(0, assignment, points)
        counts = torch.bincount(assignment, minlength=len(centres)).unsqueeze(1)
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)
        updated = nearest(points, centres)
        if torch.equal(updated, assignment):
            break
        assignment = updated
    return assignment


def kmeans_plus_plus(points: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of k seed points: the first uniform, each next drawn ∝ squared distance to the nearest seed."""
    points = points.float()
    chosen = [int(torch.randint(len(points), ()))]
    nearest_sq = (points - points[chosen[0]]).pow(2).sum(dim=1)
    for _ in range(1, k):
        weights = nearest_sq.clamp(min=0)
        index = int(torch.multinomial(weights, 1)) if weights.sum() > 0 else int(torch.randint(len(points), ()))
        chosen.append(index)
        nearest_sq = torch.minimum(nearest_sq, (points - points[index]).pow(2).sum(dim=1))
    return torch.tensor(chosen)


def kmeans(points: torch.Tensor, k: int, max_iters: int = 100) -> torch.Tensor:
    """k-means assignment of ``points`` [n, d], from k-means++ seeds."""
    if len(points) < k:
        raise ValueError(f"k-means into {k} clusters needs at least {k} points, got {len(points)}")
    return lloyd(points, points[kmeans_plus_plus(points, k)], max_iters)
