import math
from types import SimpleNamespace

import pytest
import torch

from memgan_bench.config import resolve
from memgan_bench.engine.trainer import train
from memgan_bench.errors import UserError
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS as PLUGIN_REGISTRY
from memgan_bench.results import read_rows

PLUGINS = {
    "fidelity": {"num_samples": 60, "classifier_arch": "tiny", "isc_splits": 3},
    "coverage": {"num_samples": 60, "classifier_arch": "tiny"},
    "d_forgetting": {"archive_every": 4, "snapshot_size": 8, "real_size": 8, "horizon": 4, "max_snapshots": 2},
    "goof": {"num_points": 3, "restarts": 2, "steps": 3},
}


@pytest.fixture
def use_tiny_classifier(monkeypatch, tiny_classifier, tmp_path):
    """Plugins load the session's tiny classifier instead of training one; nothing touches the user cache."""
    import memgan_bench.evaluation.classifier as classifier

    monkeypatch.setenv("MEMGAN_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(classifier, "load_or_train_classifier", lambda *args, **kwargs: tiny_classifier)


def run_rows(config, out, plugins):
    cfg = resolve({**config, "train": {**config["train"], "eval_every": 4}, "plugins": plugins})
    train(cfg, out, progress=False)
    return read_rows(out / "results.csv")


def test_plugins_write_named_rows_and_leave_training_untouched(tiny_dcgan_config, tmp_path, use_tiny_classifier,
                                                                tiny_classifier):
    rows = run_rows(tiny_dcgan_config, tmp_path / "with", PLUGINS)
    metric = {(r["metric"], int(r["step"])): float(r["value"]) for r in rows}
    for name in ("is_mean", "is_std", "fid", "kid_mean", "precision", "recall", "classes_covered", "kl_class"):
        assert (name, 12) in metric, name
    assert metric["classifier_test_acc", 12] == pytest.approx(tiny_classifier.test_accuracy)
    # snapshots at steps 4 and 8 only (max_snapshots=2), evaluated at 4, 8, 12
    assert {k for k in metric if k[0].startswith("d_forgetting/acc/")} == {
        ("d_forgetting/acc/real_test", 4), ("d_forgetting/acc/real_test", 8), ("d_forgetting/acc/real_test", 12),
        ("d_forgetting/acc/s4", 4), ("d_forgetting/acc/s4", 8), ("d_forgetting/acc/s4", 12),
        ("d_forgetting/acc/s8", 8), ("d_forgetting/acc/s8", 12)}
    best_s4 = max(metric["d_forgetting/acc/s4", t] for t in (4, 8, 12))
    assert metric["d_forgetting/forgetting/s4", 12] == pytest.approx(best_s4 - metric["d_forgetting/acc/s4", 12])
    assert ("d_forgetting/mean_forgetting", 12) in metric and ("d_forgetting/mean_forgetting", 4) not in metric
    assert metric["goof/train_mean", 12] > 0 and math.isfinite(metric["goof/gap", 12])
    plain = run_rows(tiny_dcgan_config, tmp_path / "without", {})
    losses = lambda rs: [(r["step"], r["metric"], r["value"]) for r in rs if r["metric"].startswith("loss/")]
    assert losses(rows) == losses(plain)


def test_fidelity_rejects_unknown_metric(tiny_dcgan_config, tmp_path, use_tiny_classifier):
    with pytest.raises(UserError, match="unknown"):
        run_rows(tiny_dcgan_config, tmp_path / "bad", {"fidelity": {"metrics": ["is", "ppl"]}})


class CrashOnce(Plugin):
    """Interrupts the first run it is armed for right after ``step`` (a checkpoint was written before)."""

    armed_at = None

    def after_train_step(self, ctx):
        if ctx.step == CrashOnce.armed_at:
            CrashOnce.armed_at = None
            raise KeyboardInterrupt


def test_forgetting_state_survives_resume(tiny_dcgan_config, tmp_path, scoped_registries):
    PLUGIN_REGISTRY.register("test-crash-once")(CrashOnce)
    plugins = {"d_forgetting": PLUGINS["d_forgetting"], "test-crash-once": {}}
    full = run_rows(tiny_dcgan_config, tmp_path / "full", plugins)
    cfg = resolve({**tiny_dcgan_config, "train": {**tiny_dcgan_config["train"], "eval_every": 4}, "plugins": plugins})
    CrashOnce.armed_at = 10
    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "resumed", progress=False)
    train(cfg, tmp_path / "resumed", resume=True, progress=False)
    rows = read_rows(tmp_path / "resumed" / "results.csv")
    pick = lambda rs: sorted((r["step"], r["metric"], r["value"]) for r in rs if r["metric"].startswith("d_forgetting"))
    assert pick(rows) == pick(full) and any(m.endswith("/s8") for _, m, _ in pick(rows))


def test_per_class_real_probes_arrive_with_their_class(fmnist):
    from memgan_bench.plugins.d_forgetting import ForgettingConfig, ForgettingPlugin

    _, test = fmnist
    plugin = ForgettingPlugin(ForgettingConfig(real_size=5, per_class_real=True))
    ctx = SimpleNamespace(cfg=SimpleNamespace(seed=0), test_data=test, step=0,
                          experience=SimpleNamespace(classes=(0, 1)),
                          method=SimpleNamespace(discriminator_output="probability"))
    plugin.before_experience(ctx)
    ctx.step, ctx.experience = 40, SimpleNamespace(classes=(2,))
    plugin.before_experience(ctx)
    probes = plugin.tracker.probes
    assert {name: (p["created"], p["real"]) for name, p in probes.items()} == {
        "real_c0": (0, True), "real_c1": (0, True), "real_c2": (40, True)}
    for k in (0, 1, 2):
        x = probes[f"real_c{k}"]["x"]
        assert len(x) == 5 and all(any(torch.equal(img, t) for t in test.of_classes([k]).images) for img in x)


def test_fidelity_refuses_2d_data():
    from memgan_bench.data import load_dataset
    from memgan_bench.plugins.fidelity import FidelityConfig, FidelityPlugin

    ctx = SimpleNamespace(train_data=load_dataset("ring8", "train"))
    with pytest.raises(UserError, match="needs image data"):
        FidelityPlugin(FidelityConfig()).before_training(ctx)


def test_coverage_scores_2500_samples_of_one_latent_set_on_2d_data(tiny_dcgan_config, tmp_path, monkeypatch):
    import memgan_bench.plugins.coverage as coverage

    calls = []  # (number of samples, the RNG's next draws when they are generated) per evaluation
    monkeypatch.setattr(coverage, "generate", lambda method, n, classes=None: calls.append(
        (n, torch.randn(4))) or torch.zeros(n, 2))
    config = {**tiny_dcgan_config, "model": {"z_dim": 2, "width": 8}, "data": {"name": "ring8"}}
    rows = run_rows(config, tmp_path / "ring", {"coverage": {}})
    final = {r["metric"]: float(r["value"]) for r in rows if int(r["step"]) == 12}
    assert (final["modes_covered"], final["high_quality"]) == (0, 0.0) and math.isnan(final["reverse_kl"])
    assert [n for n, _ in calls] == [2500] * 3  # evaluations at steps 4, 8, 12
    assert all(torch.equal(draws, calls[0][1]) for _, draws in calls)
