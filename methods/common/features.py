"""A method's own feature space, trained for the method: never the evaluation classifier.

The evaluation classifier's features are the space FID, KID and precision/recall are scored in; a method
that partitions or trains on them optimises toward its own score. A method that needs learnt features
gets this network instead: the harness's DCGAN discriminator trunk (strided convolutions for images, the
maxout MLP for 2-D points; ``methods.common.nets.build_trunk``) ending in a ``dim``-unit tanh layer (its ``tap``)
with a linear class head, trained by cross-entropy on the labelled training data it is given: Adam
(lr 1e-3, β 0.9 / 0.999), batch 128, ``epochs`` shuffled passes seeded by ``seed``. The features are the
tap, in (−1, 1)^dim.

Identity and cache: ``features-<data name>-n<rows>-<content hash>-trunk-w<width>-t<dim>-seed<seed>-ep<epochs>-v1``
(the hash covers the images and labels), stored as ``<cache root>/method-features/<identity>.pt`` beside,
never inside, the evaluation classifier's ``classifiers/`` (cache root: ``$MEMGAN_BENCH_CACHE``, else
``~/.cache/memgan_bench``). Written atomically, loaded with ``weights_only=True``; a lock file beside the
entry makes parallel runs train it once. Loading or training runs under a forked RNG, so the caller's
random stream is the same whether the network was cached or not.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.atomic import atomic_write
from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.errors import UserError
from methods.common.nets import build_trunk

VERSION = 1


class FeatureNet(nn.Module):
    """``trunk.features`` (ending in the tanh tap) → ``trunk.head`` (class logits)."""

    def __init__(self, spec: DataSpec, width: int, dim: int, identity: str = ""):
        super().__init__()
        self.identity = identity
        self.trunk = build_trunk(spec, spec.num_classes, width, tap=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(x)

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """The tap's features of ``x`` (eval mode, in chunks, on the CPU)."""
        self.eval()
        device = next(self.parameters()).device
        return torch.cat([self.trunk.features(x[i:i + batch_size].to(device)).cpu()
                          for i in range(0, len(x), batch_size)])


def identity_of(data: ImageData, width: int, dim: int, seed: int, epochs: int) -> str:
    digest = hashlib.sha1(data.images.contiguous().numpy().tobytes())
    digest.update(data.labels.contiguous().numpy().tobytes())
    return (f"features-{data.name}-n{len(data)}-{digest.hexdigest()[:12]}-trunk-w{width}-t{dim}"
            f"-seed{seed}-ep{epochs}-v{VERSION}")


def cache_path(identity: str) -> Path:
    root = Path(os.environ.get("MEMGAN_BENCH_CACHE") or Path.home() / ".cache" / "memgan_bench")
    return root / "method-features" / f"{identity}.pt"


def train(net: FeatureNet, data: ImageData, epochs: int, seed: int, device: torch.device,
          batch_size: int = 128) -> FeatureNet:
    """Cross-entropy on ``data`` (module docstring's recipe), in place."""
    generator = torch.Generator().manual_seed(seed)
    net.to(device).train()
    images, labels = data.images.to(device), data.labels.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator).to(device)
        for index in order.split(batch_size):
            if len(index) < 2:  # batch norm needs two rows
                continue
            loss = F.cross_entropy(net(images[index]), labels[index])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return net.eval()


def load_or_train(data: ImageData, width: int, dim: int, seed: int, epochs: int, device) -> FeatureNet:
    """The cached feature network for ``data`` and these settings, trained first (saying so) if none is."""
    device = torch.device(device)
    identity = identity_of(data, width, dim, seed, epochs)
    path = cache_path(identity)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = DataSpec.of(data)
    with open(path.with_suffix(".lock"), "a") as lock, \
            torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        torch.manual_seed(seed)
        net = FeatureNet(spec, width, dim, identity)
        if path.exists():
            try:
                net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            except Exception as err:
                reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                raise UserError(f"method feature cache file {path} is corrupt ({reason}); delete it to retrain") \
                    from None
            return net.to(device).eval()
        print(f"no cached method features {identity}: training them on {len(data)} samples ({epochs} epochs)",
              file=sys.stderr)
        train(net, data, epochs, seed, device)
        state = {k: v.cpu() for k, v in net.state_dict().items()}
        atomic_write(path, lambda handle: torch.save(state, handle))
        return net
