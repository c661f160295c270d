"""The evaluation classifier: a small ResNet trained on a dataset's train split, cached on disk.

Inception weights cannot be downloaded here, and the MemoryGAN paper itself scored Fashion-MNIST with its
own ResNet (test accuracy 0.9407). IS/FID/KID/PR (``fidelity.py``) and class coverage (``coverage.py``)
are computed in this classifier's logit / penultimate-feature space, so its identity
(dataset/arch/seed/epochs/code version) and test accuracy travel with every score it produces.

Architectures (any square input size, e.g. 28/32/40 px, via global average pooling):

- ``resnet``: 3×3 stem (32 ch) → three basic residual blocks (He et al. 2016) of widths 32/64/128, each
  halving the resolution → global average pool → 128-d penultimate features → linear logits.
- ``tiny``: the same with widths 8/16/32 (for tests).

Training: SGD with Nesterov momentum 0.9, weight decay 1e-4, one-cycle learning rate (peak 0.1),
batch 128, random ±2 px translations (no flips: not label-preserving for digits), 15 epochs for
``resnet``; whole splits held in memory, batches by indexing.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.atomic import atomic_write
from memgan_bench.data import load_dataset
from memgan_bench.engine.seeding import pick_device
from memgan_bench.errors import UserError
from memgan_bench.evaluation.modes import ModeClassifier

CODE_VERSION = 2
ClassifierArch = Literal["resnet", "tiny"]  # the keys of ARCHS
ARCHS = {"resnet": (32, 64, 128), "tiny": (8, 16, 32)}
DEFAULT_EPOCHS = {"resnet": 15, "tiny": 1}


class BasicBlock(nn.Module):
    """y = relu(BN(conv(relu(BN(conv(x))))) + shortcut(x)), stride 2 in the first conv."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=2, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class EvalClassifier(nn.Module):
    """Classifier on images in [-1, 1]; ``features`` = penultimate (pooled) layer, ``logits`` = head."""

    def __init__(self, arch: str, in_channels: int, num_classes: int, identity: str = "",
                 test_accuracy: float = float("nan")):
        super().__init__()
        if arch not in ARCHS:
            raise UserError(f"unknown classifier architecture '{arch}' (known: {', '.join(ARCHS)})")
        widths = ARCHS[arch]
        self.arch = arch
        self.identity = identity
        self.test_accuracy = test_accuracy
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.blocks = nn.Sequential(*(BasicBlock(a, b) for a, b in zip((widths[0],) + widths[:-1], widths)))
        self.head = nn.Linear(widths[-1], num_classes)

    @property
    def feature_dim(self) -> int:
        return self.head.in_features

    @property
    def num_classes(self) -> int:
        return self.head.out_features

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x)).mean(dim=(2, 3))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    forward = logits

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).argmax(dim=1)


def batched(fn, x: torch.Tensor, batch_size: int = 1000, device=None) -> torch.Tensor:
    """``fn`` applied to ``x`` in chunks under no_grad, results concatenated on the CPU."""
    device = device or x.device
    with torch.no_grad():
        return torch.cat([fn(x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])


def accuracy(classifier: EvalClassifier, images: torch.Tensor, labels: torch.Tensor, device=None) -> float:
    classifier.eval()
    predicted = batched(classifier.predict, images, device=device or next(classifier.parameters()).device)
    return (predicted == labels).float().mean().item()


def random_translate(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each image by an integer offset in [-max_shift, max_shift]² (zero padding = -1, background)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)).to(x.device)
    rows = (torch.arange(h, device=x.device)[None, :] + dy[:, None])[:, :, None]
    cols = (torch.arange(w, device=x.device)[None, :] + dx[:, None])[:, None, :]
    return padded.permute(0, 2, 3, 1)[torch.arange(n, device=x.device)[:, None, None], rows, cols].permute(0, 3, 1, 2)


def train_classifier(classifier: EvalClassifier, images: torch.Tensor, labels: torch.Tensor, epochs: int,
                     seed: int = 0, device=None, progress: bool = True, batch_size: int = 128) -> EvalClassifier:
    """Train in place on in-memory tensors (see module docstring for the recipe)."""
    from tqdm import tqdm

    device = torch.device(device or "cpu")
    generator = torch.Generator().manual_seed(seed)
    classifier.to(device).train()
    images, labels = images.to(device), labels.to(device)
    steps_per_epoch = len(images) // batch_size
    opt = torch.optim.SGD(classifier.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs * steps_per_epoch)
    bar = tqdm(total=epochs * steps_per_epoch, disable=not progress, desc=f"training classifier {classifier.identity}",
               file=sys.stderr)
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator).to(device)
        for i in range(steps_per_epoch):
            index = order[i * batch_size:(i + 1) * batch_size]
            x = random_translate(images[index], 2, generator)
            loss = F.cross_entropy(classifier(x), labels[index])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if i % 50 == 0:
                bar.set_postfix(loss=f"{loss.item():.3f}")
            bar.update(1)
    bar.close()
    return classifier.eval()


def cache_root(cache_dir=None) -> Path:
    return Path(cache_dir or os.environ.get("MEMGAN_BENCH_CACHE") or Path.home() / ".cache" / "memgan_bench")


def classifier_identity(dataset: str, arch: str, seed: int, epochs: int, subset: Optional[int] = None) -> str:
    size = "" if subset is None else f"-n{subset}"
    return f"{dataset}-{arch}-seed{seed}-ep{epochs}{size}-v{CODE_VERSION}"


def _load(path: Path, device) -> EvalClassifier:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        classifier = EvalClassifier(blob["arch"], blob["in_channels"], blob["num_classes"],
                                    blob["identity"], float(blob["test_accuracy"]))
        classifier.load_state_dict(blob["state_dict"])
    except UserError:
        raise
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UserError(f"classifier cache file {path} is corrupt ({reason}); delete it to retrain") from None
    return classifier.to(device).eval()


def load_or_train_classifier(dataset: str, root: Optional[str] = None, arch: str = "resnet", seed: int = 0,
                             epochs: Optional[int] = None, device=None, cache_dir=None,
                             progress: Optional[bool] = None, subset: Optional[int] = None) -> EvalClassifier:
    """The cached classifier for ``dataset``; trained on its train split first (saying so) if none is cached.
    ``progress`` (a bar while training) defaults to whether stderr is a terminal, so logs get no bar frames.

    ``subset`` trains on that many train images (a seeded random choice) instead of all of them; it is part
    of the cache key and identity. Test accuracy is always measured on the whole test split. Both paths run
    under a forked RNG (building or training a network draws random numbers), so the caller's RNG stream is
    the same whether the classifier was cached or not. An exclusive lock on ``<identity>.lock`` beside the
    cache entry makes processes that need the same classifier at once (a parallel sweep) train it once:
    the others wait, then load it.
    """
    if arch not in ARCHS:
        raise UserError(f"unknown classifier architecture '{arch}' (known: {', '.join(ARCHS)})")
    epochs = DEFAULT_EPOCHS[arch] if epochs is None else epochs
    if epochs < 1:
        raise UserError(f"classifier epochs must be >= 1, got {epochs}")
    device = pick_device(device)
    if subset is not None and subset < 1:
        raise UserError(f"classifier subset must be >= 1, got {subset}")
    progress = sys.stderr.isatty() if progress is None else progress
    identity = classifier_identity(dataset, arch, seed, epochs, subset)
    path = cache_root(cache_dir) / "classifiers" / f"{identity}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock, \
            torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _load(path, device) if path.exists() else _train_and_cache(
            dataset, root, arch, seed, epochs, subset, identity, path, device, progress)


@dataclass
class ClassifierConfig:
    """The config keys ``classifier_*`` of a plugin that scores with the evaluation classifier (a base of
    its ``Config``): architecture, epochs (default: per architecture), seed and train subset."""

    classifier_arch: ClassifierArch = "resnet"
    classifier_epochs: Optional[int] = field(default=None, metadata={"min": 1})
    classifier_seed: int = field(default=0, metadata={"min": 0})
    classifier_subset: Optional[int] = field(default=None, metadata={"min": 1})

    def load_classifier(self, ctx) -> EvalClassifier | ModeClassifier:
        """The classifier these keys name, for the run of ``ctx``: its dataset, on its device; for a 2-D
        mixture, the exact mode assignment (:mod:`memgan_bench.evaluation.modes`), whatever the keys say."""
        data = ctx.train_data
        if data.mode_centers is not None:
            return ModeClassifier(data.mode_centers, data.mode_std)
        return load_or_train_classifier(ctx.cfg.data.name, ctx.cfg.data.root, self.classifier_arch,
                                        self.classifier_seed, self.classifier_epochs, ctx.device,
                                        subset=self.classifier_subset)


def _train_and_cache(dataset, root, arch, seed, epochs, subset, identity, path, device, progress) -> EvalClassifier:
    """Train the classifier ``identity`` (seeded by ``seed``), measure its test accuracy and cache it at ``path``."""
    train = load_dataset(dataset, "train", root, seed)
    if len(train.sample_shape) != 3:
        raise UserError(f"dataset '{dataset}' is not an image dataset: no evaluation classifier applies")
    test = load_dataset(dataset, "test", root, seed)
    if subset is not None:
        train = train.subset(torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:subset])
    print(f"no cached classifier {identity}: training it on {len(train)} images ({epochs} epochs)", file=sys.stderr)
    torch.manual_seed(seed)
    classifier = EvalClassifier(arch, train.sample_shape[0], train.num_classes, identity)
    start = time.perf_counter()
    train_classifier(classifier, train.images, train.labels, epochs, seed, device, progress)
    seconds = time.perf_counter() - start
    classifier.test_accuracy = accuracy(classifier, test.images, test.labels, device)
    print(f"classifier {identity}: test accuracy {classifier.test_accuracy:.4f} after {seconds:.0f} s", file=sys.stderr)
    blob = {"arch": arch, "in_channels": train.sample_shape[0], "num_classes": train.num_classes,
            "identity": identity, "test_accuracy": classifier.test_accuracy, "train_seconds": seconds,
            "state_dict": {k: v.cpu() for k, v in classifier.state_dict().items()}}
    atomic_write(path, lambda handle: torch.save(blob, handle))
    return classifier
