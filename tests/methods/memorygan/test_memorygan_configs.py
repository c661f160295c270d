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
