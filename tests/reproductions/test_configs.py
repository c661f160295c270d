"""The configs made for reproduction entries differ from the configs they derive from only where their
headers say, so the methods of an entry share every other setting."""

import pytest

from memgan_bench.config import read_yaml
from memgan_bench.reproductions import ROOT

DERIVED = [  # (config, the config it copies, the model keys that differ)
    *[(f"configs/reproductions/{data}-pacgan{m}.yaml", f"configs/bench2d/{data}/pacgan.yaml", {"pack": m})
      for data in ("ring8", "grid25") for m in (3, 4)],
    ("configs/reproductions/luzi-ring8-ensemble.yaml", "configs/bench2d/ring8/gan-ensemble-kmeans.yaml",
     {"components": 8, "width": 50}),
    ("configs/reproductions/luzi-ring8-single.yaml", "configs/bench2d/ring8/dcgan.yaml", {"width": 144}),
]


@pytest.mark.parametrize("config, base, model", DERIVED, ids=[d[0].rsplit("/", 1)[1] for d in DERIVED])
def test_derived_config_is_its_base_but_for_the_stated_model_keys(config, base, model):
    expected = read_yaml(ROOT / base)
    expected["model"] = {**expected["model"], **model}
    assert read_yaml(ROOT / config) == expected


def test_luzi_parameter_budgets_match_within_half_a_percent():
    """The ensemble's and the single GAN's parameter counts, counted on the built networks."""
    from memgan_bench.config import load_config
    from memgan_bench.data.base import DataSpec
    from memgan_bench.registry import METHODS

    spec = DataSpec((2,), 8)
    counts = {}
    for name in ("ensemble", "single"):
        cfg = load_config(ROOT / f"configs/reproductions/luzi-ring8-{name}.yaml")
        counts[name] = sum(p.numel() for p in METHODS.get(cfg.method)(cfg.model, spec).parameters())
    assert counts == {"ensemble": 8 * 57_903, "single": 464_547}
    assert abs(counts["single"] / counts["ensemble"] - 1) < 0.005
