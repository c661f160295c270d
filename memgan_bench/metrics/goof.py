"""GOoF memorization measure (Luzi 2020): distance from data points to the generator's range.

For a data point x ∈ R^D and generator G with continuous latent z and discrete code c,

    d(x) = min_{c ∈ C(x)} min_z ‖G(z, c) − x‖₂ / √D            (RMSE per pixel, in [-1, 1] units)

approximated by Adam on z from R restarts drawn from the latent prior (uniform priors: z projected back
onto [-1, 1]^k after each step), keeping the best distance seen along each trajectory. All points ×
codes × restarts are optimised as one batch (chunked only to bound memory); the generator is in eval
mode and gradients are taken with respect to z only. For methods with discrete codes (class labels,
mixture components, MemoryGAN slots) C(x) is every code (``codes = 0``, the default: the exact minimum
over components, Luzi's definition for a mixture), or, with ``codes = m`` > 0, the m codes whose proxy
distance min_{j ≤ P} ‖G(z0_j, c) − x‖ over P shared prior draws z0 is smallest (an upper bound on the
exact d, for code sets too large to search, e.g. thousands of memory slots); without codes C(x) = {none}.

Spin codes (``LatentSpec.spin``: G's input is s ∈ {−1, +1}^k, e.g. an RBM's visible sample): the search
above runs over the relaxed box [−1, 1]^k, a superset of G's inputs, so it can only find points at least
as close as the method's range (a downward bias). :func:`spin_distances` then searches the codes
themselves: from each trajectory's best relaxed z, s = sign(z), followed by greedy single-spin flips, each
round evaluating the ``flip_candidates`` flips with the largest first-order decrease −2 s_i ∂‖G(s) − x‖²/∂s_i
and taking the best one that lowers the distance. Every s it scores is a code, so its d bounds the exact
spin-code distance from above, as the relaxed d bounds it from below (when the descent finds the box
minimum).

Reported for n training points and n held-out test points: mean / median / 10% / 90% quantiles of d, the
memorization gap mean d(test) − mean d(train) (> 0 when the generator sits closer to the points it was
trained on), as a reference scale the RMSE from each test point to its nearest training image, and for
spin codes the same statistics of the spin-code search under ``goof_spin/``.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from memgan_bench.method import evaluation_mode


def _proxy_codes(method, x: torch.Tensor, m: int, proxy_z: int, chunk: int) -> torch.Tensor:
    """The m codes per point [n, m, len(discrete_sizes)] with the smallest proxy distance."""
    spec = method.latent_spec()
    codes = torch.cartesian_prod(*(torch.arange(k) for k in spec.discrete_sizes)).reshape(-1, len(spec.discrete_sizes))
    codes = codes.to(x.device)
    z0 = spec.sample_z(proxy_z, x.device)
    flat = x.reshape(len(x), -1)
    step = max(1, chunk // proxy_z)
    best = []
    with torch.no_grad():
        for start in range(0, len(codes), step):
            block = codes[start:start + step]
            images = method.generate(z0.repeat(len(block), 1), block.repeat_interleave(proxy_z, dim=0))
            dist = torch.cdist(flat, images.reshape(len(block) * proxy_z, -1))
            best.append(dist.reshape(len(x), len(block), proxy_z).min(dim=2).values)
    nearest = torch.cat(best, dim=1).topk(min(m, len(codes)), dim=1, largest=False).indices
    return codes[nearest]


def code_count(spec) -> int:
    """The number of discrete codes (1 without codes)."""
    return math.prod(spec.discrete_sizes)


def _code_rows(method, x: torch.Tensor, codes: int, proxy_z: int, chunk: int, restarts: int):
    """(rows per point, the code of every (point, code, restart) row or None)."""
    spec = method.latent_spec()
    if not spec.discrete_sizes:
        return restarts, None
    n = len(x)
    if codes:
        chosen = _proxy_codes(method, x, codes, proxy_z, chunk)  # [n, m, k]
    else:
        every = torch.cartesian_prod(*(torch.arange(k) for k in spec.discrete_sizes))
        chosen = every.reshape(1, -1, len(spec.discrete_sizes)).to(x.device).expand(n, -1, -1)
    per_point = chosen.shape[1] * restarts
    return per_point, chosen.repeat_interleave(restarts, dim=1).reshape(n * per_point, -1)


def goof_searches(method, x: torch.Tensor, restarts: int = 4, steps: int = 200, lr: float = 0.05,
                  codes: int = 0, proxy_z: int = 8, chunk: int = 2048, spin_rounds: int = 0,
                  flip_candidates: int = 8) -> dict[str, torch.Tensor]:
    """d(x) per point ([n], RMSE per pixel) as defined in the module docstring: ``{"goof": relaxed d}``, plus
    ``"goof_spin"`` (the spin-code search) for a spin latent when ``spin_rounds`` > 0."""
    spec = method.latent_spec()
    x = x.to(method.device)
    n, dim = len(x), x[0].numel()

    def per_point(sq: torch.Tensor) -> torch.Tensor:
        return (sq.reshape(n, -1).min(dim=1).values / dim).sqrt().cpu()

    with evaluation_mode(method):
        rows, all_codes = _code_rows(method, x, codes, proxy_z, chunk, restarts)
        targets = Rows(x, rows)
        best = torch.full((len(targets),), float("inf"), device=x.device)
        best_z = spec.sample_z(len(targets), x.device)
        with torch.enable_grad():
            _descend(method, spec, targets, all_codes, best, best_z, steps, lr, chunk)
            out = {"goof": per_point(best)}
            if spec.spin and spin_rounds:
                out["goof_spin"] = per_point(spin_distances(method, targets, all_codes, best_z, spin_rounds,
                                                            flip_candidates, chunk))
    return out


class Rows:
    """The target of every (point, code, restart) row, point i repeated ``per_point`` times, built per slice
    (never all at once: the exact search over K codes has n·K·R rows)."""

    def __init__(self, x: torch.Tensor, per_point: int):
        self.x, self.per_point = x, per_point

    def __len__(self) -> int:
        return len(self.x) * self.per_point

    def __getitem__(self, part: slice) -> torch.Tensor:
        index = torch.arange(part.start, min(part.stop, len(self)), device=self.x.device) // self.per_point
        return self.x[index]


def goof_distances(method, x: torch.Tensor, **options) -> torch.Tensor:
    """The relaxed search's d(x) per point ([n]); options as :func:`goof_searches`."""
    return goof_searches(method, x, **options)["goof"]


def _descend(method, spec, targets, all_codes, best, best_z, steps, lr, chunk) -> None:
    """Adam on z for every (point, code, restart) row, chunked; ``best`` keeps each row's min ‖G − x‖² and
    ``best_z`` the z that reached it."""
    for start in range(0, len(targets), chunk):
        part = slice(start, start + chunk)
        c = None if all_codes is None else all_codes[part]
        x = targets[part]
        z = spec.sample_z(len(x), x.device).requires_grad_(True)
        opt = torch.optim.Adam([z], lr=lr)
        for step in range(steps + 1):
            sq = (method.generate(z, c) - x).pow(2).reshape(len(z), -1).sum(dim=1)
            better = sq.detach() < best[part]
            best[part] = torch.where(better, sq.detach(), best[part])
            best_z[part] = torch.where(better[:, None], z.detach(), best_z[part])
            if step == steps:
                break
            z.grad, = torch.autograd.grad(sq.sum(), z)
            opt.step()
            if spec.z_prior == "uniform":
                with torch.no_grad():
                    z.clamp_(-1, 1)


def spin_distances(method, targets, all_codes, start_z, rounds: int, flip_candidates: int, chunk: int):
    """min ‖G(s) − x‖² over the spin codes s ∈ {−1, +1}^k visited by greedy flips from sign(start_z) (rows)."""
    best = torch.empty(len(targets), device=start_z.device)
    for start in range(0, len(targets), chunk):
        part = slice(start, start + chunk)
        c = None if all_codes is None else all_codes[part]
        x = targets[part].flatten(1)
        s = torch.where(start_z[part] >= 0, 1.0, -1.0)
        rows = torch.arange(len(s), device=s.device)
        for _ in range(rounds):
            s.requires_grad_(True)
            sq = (method.generate(s, c).reshape(len(s), -1) - x).pow(2).sum(dim=1)
            grad, = torch.autograd.grad(sq.sum(), s)
            s, sq = s.detach(), sq.detach()
            m = min(flip_candidates, s.shape[1])
            flips = (2 * s * grad).topk(m, dim=1).indices  # largest predicted decrease 2 s_i g_i
            trial = s[:, None, :].repeat(1, m, 1)
            trial[rows[:, None], torch.arange(m, device=s.device)[None, :], flips] *= -1
            trial_c = None if c is None else c.repeat_interleave(m, dim=0)
            with torch.no_grad():
                trial_sq = (method.generate(trial.flatten(0, 1), trial_c).reshape(len(s), m, -1)
                            - x[:, None]).pow(2).sum(dim=2)
            value, which = trial_sq.min(dim=1)
            improve = value < sq
            s = torch.where(improve[:, None], trial[rows, which], s)
            if not bool(improve.any()):
                break
        with torch.no_grad():
            best[part] = (method.generate(s, c).reshape(len(s), -1) - x).pow(2).sum(dim=1)
    return best


def nearest_neighbour_rmse(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """RMSE per pixel from each query to its nearest reference image ([n])."""
    q, r = queries.reshape(len(queries), -1).float(), reference.reshape(len(reference), -1).float()
    out = torch.cat([torch.cdist(q[i:i + chunk], r).min(dim=1).values for i in range(0, len(q), chunk)])
    return out / q.shape[1] ** 0.5


def summarize(prefix: str, d: torch.Tensor) -> dict[str, float]:
    q = torch.quantile(d.double(), torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64))
    return {f"{prefix}_mean": float(d.mean()), f"{prefix}_median": float(q[1]),
            f"{prefix}_q10": float(q[0]), f"{prefix}_q90": float(q[2])}


def goof_report(method, train_points: torch.Tensor, test_points: torch.Tensor,
                train_all: Optional[torch.Tensor] = None, **options) -> dict[str, float]:
    """Train / test GOoF statistics and the gap for every search (``goof/``, and ``goof_spin/`` for a spin
    latent with ``spin_rounds`` > 0), and the test→nearest-train reference scale."""
    d_train = goof_searches(method, train_points, **options)
    d_test = goof_searches(method, test_points, **options)
    nn = nearest_neighbour_rmse(test_points, train_points if train_all is None else train_all)
    report: dict[str, float] = {}
    for name in d_train:
        report.update({**summarize(f"{name}/train", d_train[name]), **summarize(f"{name}/test", d_test[name]),
                       f"{name}/gap": float(d_test[name].mean() - d_train[name].mean())})
    return {**report, **summarize("goof/nn_test_train", nn)}
