"""Methods in a two-class stream on a toy where forgetting is certain, and mid-stream resume.

Toy: two 2-D blobs (class 0 at x = −0.5, class 1 at x = +0.5, σ = 0.1); the classifier of a sample is
the sign of its x coordinate. Stream: class 0, then class 1, every batch of one class, so the generator
(class-conditional batch norm) can tell the classes apart only through its per-class parameters.
Deterministic single-thread runs (lr 2e-3, 300 steps per experience).
"""

import pytest
import torch

from memgan_bench.config import resolve
from memgan_bench.data import DataSpec
from memgan_bench.data.base import ImageData
from memgan_bench.engine import trainer
from memgan_bench.engine.checkpoint import load_checkpoint
from memgan_bench.registry import DATASETS
from memgan_bench.registry import METHODS
from memgan_bench.results import read_rows


def two_blobs(split, root, seed):
    g = torch.Generator().manual_seed(0 if split == "train" else 1)
    labels = torch.arange(2).repeat(256)
    x = torch.randn(512, 2, generator=g) * 0.1
    x[:, 0] += labels.float() - 0.5
    return ImageData("test-two-blobs", x, labels, ["left", "right"])


@pytest.fixture(autouse=True)
def two_blobs_dataset(scoped_registries):
    DATASETS.register("test-two-blobs")(two_blobs)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def config(method, steps=300, cumulative=False, model=None, plugins=None, checkpoint_every=0, log_every=50, seed=0):
    return resolve({
        "method": method, "model": {"width": 32, "z_dim": 4, "lr": 2e-3, **(model or {})},
        "data": {"name": "test-two-blobs"},
        "scenario": {"name": "class-incremental", "class_order": [0, 1], "cumulative": cumulative},
        "train": {"steps": steps, "batch_size": 32, "log_every": log_every, "checkpoint_every": checkpoint_every,
                  "sample_grid": 0},
        "plugins": plugins or {}, "seed": seed, "device": "cpu"})


def class_accuracy(out, cfg):
    method = METHODS.get(cfg.method)(cfg.model, DataSpec((2,), 2))
    method.load_state_dict(load_checkpoint(out / "checkpoints" / "last.pt")["method"])
    torch.manual_seed(5)
    left = method.sample(500, torch.zeros(500, dtype=torch.long))
    right = method.sample(500, torch.ones(500, dtype=torch.long))
    return (left[:, 0] < 0).float().mean().item(), (right[:, 0] > 0).float().mean().item()


@pytest.mark.parametrize("seed", [0, 1])
def test_replay_alignment_keeps_the_first_class_far_above_fine_tuning(tmp_path, seed):
    """SFT forgets class 0 once class 1 trains; MeRGAN-RA (λ_RA scaled up from the image-space 1e-3 for
    2-D samples) keeps it, and both learn class 1."""
    accuracies = {}
    for method, model in (("acgan", {}), ("mergan-ra", {"ra_weight": 1.0})):
        cfg = config(method, model=model, seed=seed)
        trainer.train(cfg, tmp_path / method, progress=False)
        accuracies[method] = class_accuracy(tmp_path / method, cfg)
    (sft0, sft1), (ra0, ra1) = accuracies["acgan"], accuracies["mergan-ra"]
    assert sft0 < 0.2 and ra0 > sft0 + 0.6, accuracies
    assert sft1 > 0.8 and ra1 > 0.8, accuracies


@pytest.mark.parametrize("method, cumulative, model", [
    ("acgan", True, {}),                      # JT: joint training on all classes seen so far
    ("mergan-jtr", False, {}),
])
def test_joint_training_and_memory_replay_keep_the_first_class(tmp_path, method, cumulative, model):
    cfg = config(method, cumulative=cumulative, model=model)
    trainer.train(cfg, tmp_path, progress=False)
    acc0, acc1 = class_accuracy(tmp_path, cfg)
    assert acc0 > 0.8 and acc1 > 0.8


class Stop(Exception):
    pass


def train_cut_and_resume(cfg, tmp_path, monkeypatch, stop_at: tuple[int, int]) -> int:
    """Train ``cfg`` whole into tmp_path/full, and into tmp_path/cut stopped right after the checkpoint at
    (experience, step in experience) ``stop_at``, then resumed; returns the step of the cut's checkpoint."""
    trainer.train(cfg, tmp_path / "full", progress=False)
    save = trainer.Loop.checkpoint

    def stop_there(self, experience, step_in_experience):
        save(self, experience, step_in_experience)
        if (experience, step_in_experience) == stop_at:
            raise Stop

    monkeypatch.setattr(trainer.Loop, "checkpoint", stop_there)
    with pytest.raises(Stop):
        trainer.train(cfg, tmp_path / "cut", progress=False)
    monkeypatch.setattr(trainer.Loop, "checkpoint", save)
    cut_step = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")["step"]
    trainer.train(cfg, tmp_path / "cut", resume=True, progress=False)
    return cut_step


def test_resume_mid_stream_reproduces_the_uninterrupted_run(tmp_path, monkeypatch):
    cfg = config("mergan-jtr", steps=40, plugins={"ewc": {"weight": 10.0, "fisher_samples": 16}}, checkpoint_every=10,
                 log_every=10)  # loss rows average over a log window: keep windows within checkpoints
    assert train_cut_and_resume(cfg, tmp_path, monkeypatch, (1, 20)) == 60

    full = load_checkpoint(tmp_path / "full" / "checkpoints" / "last.pt")
    cut = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")
    for key, value in full["method"]["modules"].items():
        assert torch.equal(value, cut["method"]["modules"][key]), key
    assert full["method"]["extra"] == cut["method"]["extra"] == {"past": [0]}
    for key, value in full["plugins"]["ewc"]["fisher"].items():
        assert torch.equal(value, cut["plugins"]["ewc"]["fisher"][key]), key
    rows = lambda d: [(r["step"], r["experience"], r["metric"], r["value"]) for r in read_rows(d / "results.csv")]
    assert rows(tmp_path / "full") == rows(tmp_path / "cut")
