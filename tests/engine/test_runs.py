"""Never lose, never duplicate: leases, restarts without a checkpoint, rows after a checkpoint, final runs."""

import os
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from memgan_bench.cli import main
from memgan_bench.config import resolve
from memgan_bench.engine import trainer
from memgan_bench.engine.runner import bring_to_finished
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS
from memgan_bench.results import read_rows


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def fake_killed_run(out):
    """What SIGKILL leaves behind: status 'running', a lease held by a dead process on this host and a temp
    file of an interrupted write (here one from another host, which only the lease holder may remove)."""
    import json
    import socket
    import time

    (out / "status").write_text("running\n")
    (out / "lease").write_text(json.dumps({"host": socket.gethostname(), "pid": dead_pid(), "job_id": None,
                                           "started": time.time(), "heartbeat": time.time()}))
    (out / ".config.yaml~otherhost~5~x1.tmp").write_text("partial")


class RowsThenCrash(Plugin):
    """Logs a row at each evaluation and at the end of training; raises once in the hook named ``crash_in``
    (after its rows are written), like a kill between a checkpoint and the next one."""

    crash_in = None

    def evaluate(self, ctx):
        ctx.record({"probe": float(ctx.step)})

    def after_experience(self, ctx):
        self._maybe_crash("after_experience")

    def after_training(self, ctx):
        ctx.record({"final": 1.0})
        self._maybe_crash("after_training")

    def _maybe_crash(self, hook):
        if RowsThenCrash.crash_in == hook:
            RowsThenCrash.crash_in = None
            raise KeyboardInterrupt


def rows_of(out):
    return [(r["step"], r["experience"], r["metric"], r["value"]) for r in read_rows(out / "results.csv")]


@pytest.fixture
def tiny_cfg(tiny_dcgan_config, scoped_registries):
    PLUGINS.register("test-rows-then-crash")(RowsThenCrash)
    return dict(tiny_dcgan_config, plugins={"test-rows-then-crash": {}})


@pytest.mark.parametrize("hook", ["after_experience", "after_training"])
def test_rows_written_after_a_checkpoint_are_not_duplicated_on_resume(tmp_path, tiny_cfg, hook):
    # steps 12, checkpoint_every 4: the checkpoint at step 12 precedes the final evaluation's rows, and the
    # end-of-experience checkpoint precedes after_training's rows
    cfg = resolve(tiny_cfg)
    bring_to_finished(tmp_path / "full", cfg)
    RowsThenCrash.crash_in = hook
    with pytest.raises(KeyboardInterrupt):
        bring_to_finished(tmp_path / "cut", cfg)
    assert bring_to_finished(tmp_path / "cut", cfg).status() == "finished"
    assert rows_of(tmp_path / "cut") == rows_of(tmp_path / "full")


@pytest.mark.parametrize("resume", [False, True])
@pytest.mark.parametrize("checkpoint_every", [0, 100])
def test_run_killed_before_its_first_checkpoint_restarts_from_step_zero(tmp_path, tiny_cfg, monkeypatch, capsys,
                                                                        resume, checkpoint_every):
    config = dict(tiny_cfg, train=dict(tiny_cfg["train"], checkpoint_every=checkpoint_every))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["run", "--config", str(path), "--out", str(tmp_path / "full")]) == 0

    log = trainer.Loop.log

    def killed_at_step_8(self, means):
        log(self, means)
        if self.ctx.step == 8:
            raise KeyboardInterrupt

    monkeypatch.setattr(trainer.Loop, "log", killed_at_step_8)
    out = tmp_path / "killed"
    assert main(["run", "--config", str(path), "--out", str(out)]) == 130
    monkeypatch.setattr(trainer.Loop, "log", log)
    assert not (out / "checkpoints" / "last.pt").exists() and rows_of(out)
    fake_killed_run(out)

    assert main(["run", "--config", str(path), "--out", str(out)] + (["--resume"] if resume else [])) == 0, \
        capsys.readouterr().err
    assert rows_of(out) == rows_of(tmp_path / "full")
    assert (out / "status").read_text() == "finished\n" and not (out / "lease").exists()
    assert not list(out.glob(".*.tmp"))


def test_two_runs_on_one_directory_train_it_once(tmp_path, tiny_dcgan_config):
    config = dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], steps=60))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "memgan_bench.cli", "run", "--config", str(path), "--out", str(tmp_path / "r")]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = sorted((proc.wait(timeout=300), proc.stderr.read()) for proc in procs)
    assert [code for code, _ in results] == [0, 2], results
    loser = results[1][1].strip()
    assert len(loser.splitlines()) == 1 and ("being trained by" in loser or "already holds a run" in loser), loser
    counts = Counter((step, metric) for step, _, metric, _ in rows_of(tmp_path / "r"))
    assert counts and max(counts.values()) == 1, "no row logged twice"
    assert {step for step, _ in counts} == set(range(4, 61, 4))


def test_resume_of_a_final_run_with_another_config_is_refused(tmp_path, tiny_dcgan_config, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(tiny_dcgan_config))
    out = tmp_path / "r"
    assert main(["run", "--config", str(path), "--out", str(out)]) == 0
    assert main(["run", "--resume", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", "--out", str(out), "--set", "train.steps=20"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "already finished" in err and "differs" in err
