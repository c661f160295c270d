"""GOoF memorization measure (Luzi 2020): distance from data points to the generator's range.

For a data point x ∈ R^D and generator G with continuous latent z and discrete code c,

    d(x) = min_{c ∈ C(x)} min_z ‖G(z, c) − x‖₂ / √D            (RMSE per pixel, in [-1, 1] units)

approximated by Adam on z from R restarts drawn from the latent prior (uniform priors: z projected back
onto [-1, 1]^k after each step), keeping the best distance seen along each trajectory. All points ×
codes × restarts are optimised as one batch (chunked only to bound memory); the generator is in eval
mode and gradients are taken with respect to z only. For methods with discrete codes (class labels,
MemoryGAN slots, mixture components) C(x) is the m codes whose proxy distance
min_{j ≤ P} ‖G(z0_j, c) − x‖ over P shared prior draws z0 is smallest; without codes C(x) = {none}.

Reported for n training points and n held-out test points: mean / median / 10% / 90% quantiles of d, the
memorization gap mean d(test) − mean d(train) (> 0 when the generator sits closer to the points it was
trained on), and as a reference scale the RMSE from each test point to its nearest training image.
"""

from __future__ import annotations

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


def goof_distances(method, x: torch.Tensor, restarts: int = 4, steps: int = 200, lr: float = 0.05,
                   codes: int = 4, proxy_z: int = 8, chunk: int = 2048) -> torch.Tensor:
    """d(x) per point ([n], RMSE per pixel) as defined in the module docstring."""
    spec = method.latent_spec()
    x = x.to(method.device)
    n, dim = len(x), x[0].numel()
    with evaluation_mode(method):
        if spec.discrete_sizes:
            chosen = _proxy_codes(method, x, codes, proxy_z, chunk)  # [n, m, k]
            per_point = chosen.shape[1] * restarts
            all_codes = chosen.repeat_interleave(restarts, dim=1).reshape(n * per_point, -1)
        else:
            per_point, all_codes = restarts, None
        targets = x.repeat_interleave(per_point, dim=0)
        best = torch.full((len(targets),), float("inf"), device=x.device)
        with torch.enable_grad():
            _descend(method, spec, targets, all_codes, best, steps, lr, chunk)
    return (best.reshape(n, per_point).min(dim=1).values / dim).sqrt().cpu()


def _descend(method, spec, targets, all_codes, best, steps, lr, chunk) -> None:
    """Adam on z for every (point, code, restart) row, chunked; ``best`` keeps each row's min ‖G − x‖²."""
    device = targets.device
    for start in range(0, len(targets), chunk):
        part = slice(start, start + chunk)
        c = None if all_codes is None else all_codes[part]
        z = spec.sample_z(len(targets[part]), device).requires_grad_(True)
        opt = torch.optim.Adam([z], lr=lr)
        for step in range(steps + 1):
            sq = (method.generate(z, c) - targets[part]).pow(2).reshape(len(z), -1).sum(dim=1)
            best[part] = torch.minimum(best[part], sq.detach())
            if step == steps:
                break
            z.grad, = torch.autograd.grad(sq.sum(), z)
            opt.step()
            if spec.z_prior == "uniform":
                with torch.no_grad():
                    z.clamp_(-1, 1)


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
    """Train / test GOoF statistics, the gap, and the test→nearest-train reference scale."""
    d_train = goof_distances(method, train_points, **options)
    d_test = goof_distances(method, test_points, **options)
    nn = nearest_neighbour_rmse(test_points, train_points if train_all is None else train_all)
    return {**summarize("goof/train", d_train), **summarize("goof/test", d_test),
            "goof/gap": float(d_test.mean() - d_train.mean()), **summarize("goof/nn_test_train", nn)}
