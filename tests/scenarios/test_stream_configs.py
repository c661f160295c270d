from pathlib import Path

import pytest

from memgan_bench.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs" / "streams").rglob("*.yaml")) + sorted((ROOT / "configs" / "main" / "stream").glob("*.yaml")) + \
    sorted((ROOT / "configs" / "paper").glob("mergan-*.yaml"))


def test_stream_and_paper_configs_exist():
    names = {p.stem for p in CONFIGS}
    assert {f"mergan-mnist-{n}tasks-{v}" for n in (5, 10) for v in ("sft", "ewc", "jtr", "ra", "jt")} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_is_a_valid_class_incremental_run(path):
    cfg = load_config(path)
    assert cfg.scenario_name == "class-incremental" and "continual_eval" in cfg.plugins
    variant = path.stem.rsplit("-", 1)[1]
    assert cfg.scenario.cumulative == (variant == "jt")
    assert ("ewc" in cfg.plugins) == (variant == "ewc")
    if path.parent.name == "paper":
        assert cfg.scenario.classes_per_experience == 1 and cfg.model.critic_iters == 5
        assert (cfg.model.lr, cfg.model.betas, cfg.model.gp_weight) == (1e-4, (0.0, 0.9), 10.0)
        assert len(cfg.scenario.class_order) == int(path.stem.split("-")[2].removesuffix("tasks"))
