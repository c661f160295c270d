"""The shipped MemoryGAN configs validate, build the method, and encode the settings they document."""

from pathlib import Path

import pytest

from memgan_bench.config import load_config

ROOT = Path(__file__).resolve().parents[3] / "configs"
FILES = [*sorted(ROOT.glob("memorygan/*.yaml")), ROOT / "main" / "fashion-mnist" / "fmnist-memorygan.yaml",
         *sorted(ROOT.glob("paper/table2-fashion-mnist-*.yaml"))]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_config_resolves(path):
    cfg = load_config(path)
    assert cfg.train.batch_size == 64 and cfg.model.lr == 2e-4


def test_table2_variants_differ_only_in_the_ablated_component():
    models = {p.stem.rsplit("-", 1)[-1]: load_config(p) for p in ROOT.glob("paper/table2-fashion-mnist-*.yaml")}
    assert set(models) == {"memorygan", "official", "em", "mcgn", "memory"}
    full = models["memorygan"].model
    assert (full.memory_size, full.key_dim, full.k, full.z_dim, full.lam) == (4096, 256, 128, 2, 0.01)
    assert (full.update, full.mcgn) == ("em", True)
    assert models["em"].model.__dict__ == {**full.__dict__, "update": "kaiser"}
    assert models["mcgn"].model.__dict__ == {**full.__dict__, "mcgn": False}
    assert models["official"].model.__dict__ == {**full.__dict__, "fidelity": "official"}
    assert models["memory"].method == "dcgan"
    assert len({(c.train.steps, c.data.name, c.seed) for c in models.values()}) == 1


def test_cifar10_settings():
    model = load_config(ROOT / "memorygan" / "cifar10.yaml").model
    assert (model.memory_size, model.key_dim, model.k, model.z_dim, model.lam) == (16384, 512, 256, 16, 1e-6)
    assert model.betas == (0.0, 0.9) and model.lr_decay_steps > 0


# Every unsupervised head-to-head (the main job's stream compares the conditional continual methods by
# class accuracy, which an unconditional MemoryGAN has none of).
HEAD_TO_HEAD = [ROOT / "bench2d" / "ring8", ROOT / "bench2d" / "grid25", ROOT / "main" / "ring8",
                ROOT / "main" / "fashion-mnist"]


@pytest.mark.parametrize("folder", HEAD_TO_HEAD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_head_to_heads_run_the_authors_code_with_the_paper_text_beside_it(folder):
    runs = {p.name: load_config(p) for p in sorted(folder.glob("*.yaml"))}
    memorygan = {name: cfg for name, cfg in runs.items() if cfg.method == "memorygan"}
    official = [cfg for cfg in memorygan.values() if cfg.model.fidelity == "official"]
    paper = [cfg for cfg in memorygan.values() if cfg.model.fidelity == "paper"]
    assert len(memorygan) == 2 and len(official) == len(paper) == 1, sorted(memorygan)
    assert paper[0].model.__dict__ == {**official[0].model.__dict__, "fidelity": "paper"}
    assert paper[0].as_dict() | {"model": None} == official[0].as_dict() | {"model": None}
