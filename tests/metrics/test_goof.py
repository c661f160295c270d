from dataclasses import dataclass

import pytest
import torch
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.metrics.goof import goof_distances, goof_report, nearest_neighbour_rmse
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
