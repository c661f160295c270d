"""DCGAN networks (Radford et al. 2016) for 28, 32, 40 and 64 px images, and MLPs for 2-D data.

The generator maps a flat input vector (z, possibly concatenated with a code) to a sample in [-1, 1];
the discriminator trunk maps a sample to ``out_dim`` features (1 logit for DCGAN, the query for
MemoryGAN, logit + class logits for ACGAN). Strided (transposed) 4×4 convolutions, batch norm,
ReLU in G and LeakyReLU(0.2) in D, no batch norm on D's first layer.
"""

from __future__ import annotations

from torch import nn

from memgan_bench.data.base import DataSpec

UPSAMPLINGS = {28: 2, 32: 3, 40: 3, 64: 4}


def _upsamplings(spec: DataSpec) -> int:
    height = spec.sample_shape[1]
    if spec.sample_shape[1] != spec.sample_shape[2] or height not in UPSAMPLINGS:
        raise ValueError(f"DCGAN nets support square images of {sorted(UPSAMPLINGS)} px, got {spec.sample_shape}")
    return UPSAMPLINGS[height]


class DCGANGenerator(nn.Module):
    def __init__(self, in_dim: int, spec: DataSpec, width: int = 64):
        super().__init__()
        channels, height = spec.sample_shape[0], spec.sample_shape[1]
        n_up = _upsamplings(spec)
        self.base = height // 2**n_up
        self.base_channels = width * 2 ** (n_up - 1)
        self.project = nn.Sequential(
            nn.Linear(in_dim, self.base_channels * self.base**2, bias=False),
            nn.BatchNorm1d(self.base_channels * self.base**2),
            nn.ReLU(True),
        )
        layers: list[nn.Module] = []
        ch = self.base_channels
        for _ in range(n_up - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1), nn.Tanh()]
        self.deconv = nn.Sequential(*layers)

    def forward(self, latent):
        h = self.project(latent).view(-1, self.base_channels, self.base, self.base)
        return self.deconv(h)


class DCGANTrunk(nn.Module):
    def __init__(self, spec: DataSpec, out_dim: int, width: int = 64):
        super().__init__()
        channels = spec.sample_shape[0]
        n_down = _upsamplings(spec)
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = width
        for _ in range(n_down - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2, True)]
            ch *= 2
        self.features = nn.Sequential(*layers, nn.Flatten())
        side = spec.sample_shape[1] // 2**n_down
        self.head = nn.Linear(ch * side * side, out_dim)

    def forward(self, x):
        return self.head(self.features(x))


class MLPGenerator(nn.Module):
    def __init__(self, in_dim: int, spec: DataSpec, width: int = 128):
        super().__init__()
        out = spec.sample_shape[0]
        self.net = nn.Sequential(nn.Linear(in_dim, width), nn.ReLU(True), nn.Linear(width, width),
                                 nn.ReLU(True), nn.Linear(width, out))

    def forward(self, latent):
        return self.net(latent)


class MLPTrunk(nn.Module):
    def __init__(self, spec: DataSpec, out_dim: int, width: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(spec.sample_shape[0], width), nn.LeakyReLU(0.2, True),
                                 nn.Linear(width, width), nn.LeakyReLU(0.2, True), nn.Linear(width, out_dim))

    def forward(self, x):
        return self.net(x)


def build_generator(in_dim: int, spec: DataSpec, width: int) -> nn.Module:
    """DCGAN generator for images, MLP for flat samples (2-D mixtures)."""
    return DCGANGenerator(in_dim, spec, width) if spec.is_image else MLPGenerator(in_dim, spec, max(width, 64))


def build_trunk(spec: DataSpec, out_dim: int, width: int) -> nn.Module:
    """DCGAN discriminator trunk for images, MLP for flat samples."""
    return DCGANTrunk(spec, out_dim, width) if spec.is_image else MLPTrunk(spec, out_dim, max(width, 64))


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
