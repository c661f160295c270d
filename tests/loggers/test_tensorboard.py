import pytest

from memgan_bench.config import resolve
from memgan_bench.engine.trainer import train
from memgan_bench.loggers.tensorboard import TensorBoardPlugin
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS
from memgan_bench.results import read_rows


def events(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def test_every_results_row_becomes_a_scalar_and_every_grid_an_image(tiny_dcgan_config, tmp_path):
    config = {**tiny_dcgan_config, "train": {**tiny_dcgan_config["train"], "eval_every": 4},
              "plugins": {"tensorboard": {}}}
    train(resolve(config), tmp_path / "run", progress=False)
    rows = read_rows(tmp_path / "run" / "results.csv")
    logged = events(tmp_path / "run")
    expected = {(r["metric"], int(r["step"])): float(r["value"]) for r in rows}
    scalars = {(tag, e.step): e.value for tag in logged.Tags()["scalars"] for e in logged.Scalars(tag)}
    assert scalars.keys() == expected.keys() and any(m.startswith("loss/") for m, _ in expected)
    assert all(scalars[k] == pytest.approx(v, rel=1e-6) for k, v in expected.items())
    grids = sorted((tmp_path / "run" / "samples").glob("*.png"))
    assert [e.step for e in logged.Images("samples")] == [4, 8, 12] and len(grids) == 3


def test_training_is_the_same_with_and_without_it(tiny_dcgan_config, tmp_path):
    losses = {}
    for name, plugins in (("with", {"tensorboard": {"samples": False}}), ("without", {})):
        train(resolve({**tiny_dcgan_config, "plugins": plugins}), tmp_path / name, progress=False)
        losses[name] = [(r["step"], r["metric"], r["value"]) for r in read_rows(tmp_path / name / "results.csv")]
    assert losses["with"] == losses["without"]


CRASHED = []


class CrashOnce(Plugin):
    def after_train_step(self, ctx):
        if ctx.step == 10 and not CRASHED:
            CRASHED.append(ctx.step)
            for plugin in ctx.plugins:  # as the writer's periodic flush would have: events of steps 9-10 on disk
                if isinstance(plugin, TensorBoardPlugin):
                    plugin.follow()
                    plugin.writer.flush()
            raise RuntimeError("crash")


def test_a_resumed_run_logs_each_row_once(tiny_dcgan_config, tmp_path, scoped_registries):
    PLUGINS.register("crash_once_at_10")(CrashOnce)
    # checkpoints at 4 and 8; the crashed process had flushed rows of steps 9 and 10, which the resumed run logs again
    config = resolve({**tiny_dcgan_config, "train": {**tiny_dcgan_config["train"], "eval_every": 4, "log_every": 1},
                      "plugins": {"tensorboard": {}, "crash_once_at_10": {}}})
    with pytest.raises(RuntimeError, match="crash"):
        train(config, tmp_path / "run", progress=False)
    train(config, tmp_path / "run", resume=True, progress=False)
    rows = read_rows(tmp_path / "run" / "results.csv")
    logged = events(tmp_path / "run")
    scalars = [(tag, e.step, e.value) for tag in logged.Tags()["scalars"] for e in logged.Scalars(tag)]
    assert sorted(scalars) == sorted((r["metric"], int(r["step"]), pytest.approx(float(r["value"]), rel=1e-6))
                                     for r in rows)
    assert [e.step for e in logged.Images("samples")] == [4, 8, 12]
