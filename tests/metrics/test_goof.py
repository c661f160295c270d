from dataclasses import dataclass

import pytest
import torch
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.metrics.goof import goof_distances, goof_report, goof_searches, nearest_neighbour_rmse
from memgan_bench.method import GANMethod, LatentSpec


@dataclass
class NoConfig:
    pass


class LinearG(GANMethod):
    """G(z, c) = A z + b_c: its range for code c is the affine subspace b_c + col(A)."""

    Config = NoConfig

    def __init__(self, a, offsets, prior="normal"):
        super().__init__(NoConfig(), DataSpec((a.shape[0],), 1))
        self.a = nn.Parameter(a)
        self.offsets = nn.Parameter(offsets)
        self.prior = prior
        self.bn = nn.BatchNorm1d(a.shape[0])  # must be used in eval mode (identity at init)

    def latent_spec(self):
        sizes = (len(self.offsets),) if len(self.offsets) > 1 else ()
        return LatentSpec(self.a.shape[1], self.prior, sizes)

    def generate(self, z, codes=None):
        b = self.offsets[0] if codes is None else self.offsets[codes[:, 0]]
        return self.bn(z @ self.a.T + b)


def closed_form_rmse(a, b, x):
    z = torch.linalg.lstsq(a.double(), (x - b).double().T).solution.T
    return ((z @ a.double().T + b - x).norm(dim=1) / x.shape[1] ** 0.5).float()


def make_linear(dim=16, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(dim, k, generator=g))
    return q * 0.5, torch.randn(dim, generator=g) * 0.1, g


def test_points_in_range_are_at_zero_and_off_range_match_least_squares():
    a, b, g = make_linear()
    gen = LinearG(a, b[None])
    gen.train()
    on = torch.randn(5, 4, generator=g) @ a.T + b
    off = on + torch.randn(5, 16, generator=g) * 0.3
    torch.manual_seed(0)
    d = goof_distances(gen, torch.cat([on, off]), restarts=2, steps=300, lr=0.1)
    assert d[:5].max() < 1e-3
    expected = closed_form_rmse(a, b, off)
    assert expected.min() > 0.05
    assert d[5:] == pytest.approx(expected, abs=1e-3)
    assert gen.training and gen.a.grad is None  # mode restored, no parameter gradients


def test_discrete_codes_pick_the_right_component():
    a, _, g = make_linear(seed=1)
    offsets = torch.stack([torch.full((16,), -1.0), torch.zeros(16), torch.full((16,), 1.0)])
    gen = LinearG(a, offsets)
    x = offsets[[2, 0]] + torch.randn(2, 16, generator=g) * 0.2
    torch.manual_seed(0)
    d = goof_distances(gen, x, restarts=2, steps=300, lr=0.1, codes=1, proxy_z=4)
    expected = torch.stack([closed_form_rmse(a, offsets[2], x[:1])[0], closed_form_rmse(a, offsets[0], x[1:])[0]])
    assert d == pytest.approx(expected, abs=1e-3)


def test_uniform_prior_range_is_bounded():
    gen = LinearG(torch.eye(2), torch.zeros(1, 2), prior="uniform")
    torch.manual_seed(0)
    d = goof_distances(gen, torch.tensor([[2.0, 0.0], [0.5, -0.5]]), restarts=2, steps=200, lr=0.05)
    assert d == pytest.approx(torch.tensor([1 / 2 ** 0.5, 0.0]), abs=1e-3)  # nearest range point (1, 0)


def test_nearest_neighbour_and_report():
    ref = torch.tensor([[0.0, 0.0], [4.0, 0.0]])
    assert nearest_neighbour_rmse(torch.tensor([[1.0, 0.0], [4.0, 2.0]]), ref) == pytest.approx(
        torch.tensor([1 / 2 ** 0.5, 2 / 2 ** 0.5]))
    a, b, g = make_linear()
    gen = LinearG(a, b[None])
    train = torch.randn(6, 4, generator=g) @ a.T + b
    test = train + torch.randn(6, 16, generator=g) * 0.3
    torch.manual_seed(0)
    out = goof_report(gen, train, test, restarts=2, steps=300, lr=0.1)
    assert out["goof/train_mean"] < 1e-3
    assert out["goof/test_mean"] == pytest.approx(float(closed_form_rmse(a, b, test).mean()), abs=1e-3)
    assert out["goof/gap"] == pytest.approx(out["goof/test_mean"] - out["goof/train_mean"])
    assert out["goof/train_q10"] <= out["goof/train_median"] <= out["goof/train_q90"]
    assert out["goof/nn_test_train_mean"] > out["goof/test_mean"]


def test_search_over_every_component_equals_the_min_over_per_component_searches():
    """Exact enumeration: d over all K codes = min_c of the single-component searches = min_c closed form."""
    a, _, g = make_linear(seed=2)
    offsets = torch.randn(3, 16, generator=g) * 0.8
    x = offsets[[0, 1, 2, 1]] + torch.randn(4, 16, generator=g) * 0.4
    torch.manual_seed(0)
    d_all = goof_distances(LinearG(a, offsets), x, restarts=2, steps=300, lr=0.1)  # codes=0: every code
    per_component = []
    for c in range(3):
        torch.manual_seed(0)
        per_component.append(goof_distances(LinearG(a, offsets[c:c + 1]), x, restarts=2, steps=300, lr=0.1))
    assert d_all == pytest.approx(torch.stack(per_component).min(dim=0).values, abs=1e-4)
    closed = torch.stack([closed_form_rmse(a, offsets[c], x) for c in range(3)]).min(dim=0).values
    assert d_all == pytest.approx(closed, abs=1e-3)


def test_the_proxy_can_pick_the_wrong_component_and_only_overestimates():
    """x lies on component 1's range far from its centre; component 0's centre is nearer but its range
    misses x by 1 in a direction outside col(A): the proxy's one code is 0, the exact search finds 1."""
    a = torch.zeros(16, 4)
    a[:4, :4] = 0.5 * torch.eye(4)
    offsets = torch.zeros(2, 16)
    offsets[0, 0], offsets[0, 5] = 2.5, 1.0
    x = torch.zeros(1, 16)
    x[0, 0] = 3.0  # = A z with z = (6, 0, 0, 0): on component 1's range
    gen = LinearG(a, offsets)
    torch.manual_seed(0)
    exact = goof_distances(gen, x, restarts=2, steps=300, lr=0.1)
    torch.manual_seed(0)
    proxy = goof_distances(gen, x, restarts=2, steps=300, lr=0.1, codes=1, proxy_z=8)
    assert float(exact[0]) < 1e-3 and float(proxy[0]) == pytest.approx(1 / 16 ** 0.5, abs=1e-3)


class SpinG(LinearG):
    """G(s) = A s on spin codes s ∈ {−1, +1}^k (the uniform box being their relaxation)."""

    def latent_spec(self):
        return LatentSpec(self.a.shape[1], "uniform", (), spin=True)


def all_spin_codes(k):
    return torch.cartesian_prod(*[torch.tensor([-1.0, 1.0])] * k)


def test_spin_code_search_is_bounded_by_the_relaxed_search_and_exact_on_a_separable_case():
    g = torch.Generator().manual_seed(3)
    for a, exact_expected in ((torch.randn(10, 6, generator=g), False), (torch.eye(6) * 0.7, True)):
        gen = SpinG(a, torch.zeros(1, 10 if not exact_expected else 6))
        x = torch.randn(5, a.shape[0], generator=g)
        codes = all_spin_codes(a.shape[1])
        exact = (torch.cdist(x, codes @ a.T).min(dim=1).values / a.shape[0] ** 0.5)  # enumeration of 2^6 codes
        torch.manual_seed(0)
        out = goof_searches(gen, x, restarts=2, steps=300, lr=0.1, spin_rounds=20, flip_candidates=3)
        assert bool((out["goof"] <= exact + 1e-4).all())  # the box contains every code
        assert bool((out["goof_spin"] >= exact - 1e-5).all())  # every scored s is a code
        if exact_expected:
            assert out["goof_spin"] == pytest.approx(exact, abs=1e-5)
        else:  # the relaxation's downward bias: the box reaches much closer than any code
            assert float(out["goof"].mean()) < float(exact.mean()) - 0.2


def test_spin_rows_only_for_spin_latents_and_in_the_report():
    gen = SpinG(torch.eye(3), torch.zeros(1, 3))
    torch.manual_seed(0)
    report = goof_report(gen, torch.randn(4, 3), torch.randn(4, 3), restarts=1, steps=20, spin_rounds=5)
    assert {"goof_spin/train_mean", "goof_spin/test_mean", "goof_spin/gap", "goof/gap"} <= set(report)
    a, b, _ = make_linear()
    plain = goof_report(LinearG(a, b[None]), torch.randn(3, 16), torch.randn(3, 16), restarts=1, steps=5,
                        spin_rounds=5)
    assert not any(key.startswith("goof_spin/") for key in plain)


def test_plugin_refuses_an_exact_search_over_too_many_codes_before_training():
    from types import SimpleNamespace

    from memgan_bench.errors import UserError
    from memgan_bench.plugins.goof import GoofConfig, GoofPlugin

    ctx = SimpleNamespace(method=LinearG(torch.eye(2), torch.zeros(101, 2)), cfg=SimpleNamespace(method="toy"))
    with pytest.raises(UserError, match="101 codes"):
        GoofPlugin(GoofConfig()).before_training(ctx)
    GoofPlugin(GoofConfig(codes=4)).before_training(ctx)  # the proxy: allowed
    GoofPlugin(GoofConfig(max_exact_codes=101)).before_training(ctx)
