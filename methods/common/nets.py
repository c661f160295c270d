"""DCGAN networks (Radford et al. 2016) for 28, 32, 40 and 64 px images, and PacGAN's MLPs for 2-D data.

The generator maps a flat input vector (z, possibly concatenated with a code) to a sample (in [-1, 1]
for images); the discriminator trunk maps a sample to ``out_dim`` outputs (1 logit for DCGAN, the query
for MemoryGAN, logit + class logits for ACGAN) as ``head(features(x))``. Images: strided (transposed)
4×4 convolutions, batch norm, ReLU in G and LeakyReLU(0.2) in D, no batch norm on D's first layer.
2-D data (PacGAN's synthetic experiments, Lin et al. 2018): G has 4 hidden layers of 2·width ReLU units
with batch norm and a linear output; D has 3 hidden layers of ``width`` maxout units with 5 pieces; at
width 200 these are PacGAN's networks (G 4 × 400, D 3 × 200).

``tap = V > 0`` ends ``features`` in a narrow layer f = tanh(W_f h + b_f) ∈ (−1, 1)^V that ``head`` reads
(the AAN's associative memory models f).

``num_classes = K > 0`` makes a class-conditional generator G(z, c) as the MeRGAN authors' code
(WuChenshen/MeRGAN ``network/gan32_model.py``, ``tflib/ops/cond_batchnorm.py``): z alone enters the first
layer, and every batch norm of G is a ``ConditionalBatchNorm`` whose scale and offset are looked up by c.

``MixtureGenerator``: K generators that share every layer but their first block (MGAN, Hoang et al. 2018).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.data.base import DataSpec

UPSAMPLINGS = {28: 2, 32: 3, 40: 3, 64: 4}


def _upsamplings(spec: DataSpec) -> int:
    height = spec.sample_shape[1]
    if spec.sample_shape[1] != spec.sample_shape[2] or height not in UPSAMPLINGS:
        raise ValueError(f"DCGAN nets support square images of {sorted(UPSAMPLINGS)} px, got {spec.sample_shape}")
    return UPSAMPLINGS[height]


class ConditionalBatchNorm(nn.Module):
    """Class-conditional batch norm (Dumoulin et al. 2017), as ``tflib/ops/cond_batchnorm.py`` of the MeRGAN
    authors: y = γ_c · (x − μ_B) / √(σ²_B + 10⁻⁵) + β_c, with μ_B, σ²_B the statistics of the batch as
    given, per channel (over the batch, and the spatial axes of a feature map), in every mode (the authors'
    op has no running statistics), and γ_c (init 1), β_c (init 0) rows of per-class tables."""

    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(num_classes, num_features))
        self.offset = nn.Parameter(torch.zeros(num_classes, num_features))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = F.batch_norm(x, None, None, training=True, eps=1e-5)
        shape = (x.shape[0], x.shape[1]) + (1,) * (x.dim() - 2)
        return h * self.scale[labels].view(shape) + self.offset[labels].view(shape)


def run_layers(layers: nn.Sequential, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """``layers(h)``, handing ``labels`` to each ``ConditionalBatchNorm``."""
    for layer in layers:
        h = layer(h, labels) if isinstance(layer, ConditionalBatchNorm) else layer(h)
    return h


def norm_layer(features: int, dims: int, num_classes: int) -> nn.Module:
    """BatchNorm{dims}d, or its class-conditional form when ``num_classes`` > 0."""
    if num_classes:
        return ConditionalBatchNorm(features, num_classes)
    return nn.BatchNorm1d(features) if dims == 1 else nn.BatchNorm2d(features)


class DCGANGenerator(nn.Module):
    """Linear projection + BN + ReLU, then strided 4×4 transposed convolutions. Conditional
    (``num_classes`` > 0): the projection's output is reshaped to its feature map before the (conditional)
    batch norm, which then normalises per channel as the authors' ``Generator.BN1``."""

    def __init__(self, in_dim: int, spec: DataSpec, width: int = 64, num_classes: int = 0):
        super().__init__()
        channels, height = spec.sample_shape[0], spec.sample_shape[1]
        n_up = _upsamplings(spec)
        self.base = height // 2**n_up
        self.base_channels = width * 2 ** (n_up - 1)
        feature_map = (self.base_channels, self.base, self.base)
        self.project = nn.Sequential(
            nn.Linear(in_dim, self.base_channels * self.base**2, bias=False),
            *([nn.Unflatten(1, feature_map), ConditionalBatchNorm(self.base_channels, num_classes)] if num_classes else
              [nn.BatchNorm1d(self.base_channels * self.base**2)]),
            nn.ReLU(True),
        )
        layers: list[nn.Module] = []
        ch = self.base_channels
        for _ in range(n_up - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), norm_layer(ch // 2, 2, num_classes),
                       nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1), nn.Tanh()]
        self.deconv = nn.Sequential(*layers)

    def forward(self, latent, labels=None):
        h = run_layers(self.project, latent, labels).view(-1, self.base_channels, self.base, self.base)
        return run_layers(self.deconv, h, labels)


def tapped(features: list[nn.Module], feature_dim: int, tap: int) -> tuple[nn.Sequential, int]:
    """``features`` followed, for tap V > 0, by the V-unit tanh layer; returns it and its output width."""
    if tap:
        return nn.Sequential(*features, nn.Linear(feature_dim, tap), nn.Tanh()), tap
    return nn.Sequential(*features), feature_dim


class DCGANTrunk(nn.Module):
    def __init__(self, spec: DataSpec, out_dim: int, width: int = 64, tap: int = 0):
        super().__init__()
        channels = spec.sample_shape[0]
        n_down = _upsamplings(spec)
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = width
        for _ in range(n_down - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2, True)]
            ch *= 2
        side = spec.sample_shape[1] // 2**n_down
        self.features, feature_dim = tapped([*layers, nn.Flatten()], ch * side * side, tap)
        self.head = nn.Linear(feature_dim, out_dim)

    def forward(self, x):
        return self.head(self.features(x))


class MLPGenerator(nn.Module):
    """``depth`` × (linear, batch norm or none, ReLU) of ``units`` (default 2·width), then linear; with
    ``num_classes`` > 0 every batch norm is class-conditional."""

    def __init__(self, in_dim: int, spec: DataSpec, width: int = 200, depth: int = 4, batch_norm: bool = True,
                 units: int | None = None, num_classes: int = 0):
        super().__init__()
        units = units or 2 * width
        layers: list[nn.Module] = []
        for i in range(depth):
            norm = norm_layer(units, 1, num_classes) if batch_norm or num_classes else nn.Identity()
            layers += [nn.Linear(in_dim if i == 0 else units, units), norm, nn.ReLU(True)]
        self.net = nn.Sequential(*layers, nn.Linear(units, spec.sample_shape[0]))

    def forward(self, latent, labels=None):
        return run_layers(self.net, latent, labels)


class Maxout(nn.Module):
    """max over ``pieces`` affine maps: y_j = max_k (W_k x + b_k)_j (Goodfellow et al. 2013)."""

    def __init__(self, in_dim: int, out_dim: int, pieces: int = 5):
        super().__init__()
        self.out_dim, self.pieces = out_dim, pieces
        self.linear = nn.Linear(in_dim, out_dim * pieces)

    def forward(self, x):
        return self.linear(x).view(-1, self.out_dim, self.pieces).max(dim=2).values


class MLPTrunk(nn.Module):
    def __init__(self, spec: DataSpec, out_dim: int, width: int = 200, tap: int = 0, depth: int = 3, pieces: int = 5):
        super().__init__()
        layers = [Maxout(spec.sample_shape[0] if i == 0 else width, width, pieces) for i in range(depth)]
        self.features, feature_dim = tapped(layers, width, tap)
        self.head = nn.Linear(feature_dim, out_dim)

    def forward(self, x):
        return self.head(self.features(x))


def build_generator(in_dim: int, spec: DataSpec, width: int, num_classes: int = 0) -> nn.Module:
    """DCGAN generator for images, PacGAN's MLP for flat samples (2-D mixtures); called as G(latent), or
    G(z, labels) with class-conditional batch norms when ``num_classes`` > 0 (see module doc)."""
    if spec.is_image:
        return DCGANGenerator(in_dim, spec, width, num_classes)
    return MLPGenerator(in_dim, spec, width, num_classes=num_classes)


def build_trunk(spec: DataSpec, out_dim: int, width: int, tap: int = 0) -> nn.Module:
    """DCGAN discriminator trunk for images, PacGAN's maxout MLP for flat samples; ``tap``: see module doc."""
    return DCGANTrunk(spec, out_dim, width, tap) if spec.is_image else MLPTrunk(spec, out_dim, width, tap)


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv/linear weights ~ N(0, 0.02), batch-norm scale ~ N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class BatchedFirstBlocks(nn.Module):
    """K first blocks h_k = ReLU(BN_k(z W_k)) computed at once: one batched matmul over a [K, in, out] weight
    and one batch norm over the K·out channels, so each generator's units are normalised over its own batch
    (no bias: the batch norm removes it). ``batch_norm=False``: h_k = ReLU(z W_k + b_k)."""

    def __init__(self, generators: int, in_dim: int, out_dim: int, batch_norm: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(generators, in_dim, out_dim) * 0.02)  # DCGAN's N(0, 0.02)
        self.norm = nn.BatchNorm1d(generators * out_dim) if batch_norm else None
        self.bias = None if batch_norm else nn.Parameter(torch.zeros(generators, out_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z [n, in] (the same input for every generator) or [K, n, in] → h [n, K, out]."""
        h = torch.matmul(z, self.weight).transpose(0, 1)  # [n, K, out]
        if self.norm is None:
            return torch.relu(h + self.bias)
        return torch.relu(self.norm(h.flatten(1))).view_as(h)


class MixtureGenerator(nn.Module):
    """K generators G_k = S ∘ F_k: F_k their own first block (the DCGAN projection, or the MLP's first
    linear + BN + ReLU), S every later layer, shared. 2-D data: ``mlp`` = (depth, batch norm, units) of the
    MLP (default PacGAN's: 4, True, 2·width)."""

    def __init__(self, in_dim: int, spec: DataSpec, width: int, generators: int,
                 mlp: tuple[int, bool, int | None] = (4, True, None)):
        super().__init__()
        batch_norm = True
        if spec.is_image:
            base = build_generator(in_dim, spec, width)
            out_dim = base.base_channels * base.base**2
            self.shared = nn.Sequential(nn.Unflatten(1, (base.base_channels, base.base, base.base)), base.deconv)
        else:
            depth, batch_norm, units = mlp
            base = MLPGenerator(in_dim, spec, width, depth, batch_norm, units)
            out_dim = base.net[0].out_features
            self.shared = base.net[3:]
        self.first = BatchedFirstBlocks(generators, in_dim, out_dim, batch_norm)

    def forward(self, z: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        """G_{c_i}(z_i) for codes c [n] (integer gather: capturable), or every G_k(z) when codes is None,
        component-major: rows k·n … (k+1)·n − 1 are G_k(z)."""
        h = self.first(z)
        if codes is None:
            h = h.transpose(0, 1).flatten(0, 1)
        else:
            h = h[torch.arange(len(codes), device=codes.device), codes]
        return self.shared(h)
