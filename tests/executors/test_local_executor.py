"""``sweep --executor local``: runs in parallel fresh processes give what one in-process ``train`` gives, and
``sweep --resume`` keeps ended runs, restarts one killed before its first checkpoint, records a crash and
goes on to the report."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from memgan_bench.cli import main
from memgan_bench.config import load_config
from memgan_bench.engine.checkpoint import load_checkpoint
from memgan_bench.engine.trainer import train
from memgan_bench.liveness import process_gone
from memgan_bench.results import read_rows


@pytest.fixture
def swept(tmp_path, write_configs):
    configs = write_configs(1)
    out = tmp_path / "out"
    assert main(["sweep", str(configs), "--seeds", "0", "1", "2", "--out", str(out), "--max-parallel", "2"]) == 0
    return configs, out


def test_parallel_runs_match_in_process_training_and_resume_keeps_restarts_and_records(
        swept, tmp_path, run_outcome, capsys):
    configs, out = swept
    reference = train(load_config(configs / "c0.yaml", ["seed=1"]), tmp_path / "reference" / "c0-s1", progress=False)
    assert run_outcome(out / "c0-s1") == run_outcome(reference.path)
    assert (out / "report" / "table.md").exists()
    before = {seed: run_outcome(out / f"c0-s{seed}") for seed in range(3)}

    kept = out / "c0-s0" / "results.csv"
    os.utime(kept, (1, 1))
    killed = out / "c0-s1"  # as if killed before its first checkpoint: rows of a partial attempt, no last.pt
    (killed / "checkpoints" / "last.pt").unlink()
    (killed / "status").write_text("running\n")
    (killed / "results.csv").write_text(kept.read_text().splitlines()[0] + "\n" + "c0-s1,dcgan,x,y,1,4,0,junk,1\n")
    crashing = out / "c0-s2"
    (crashing / "checkpoints" / "last.pt").write_bytes(b"not a checkpoint")
    (crashing / "status").write_text("failed\n")
    (out / "report" / "table.csv").unlink()
    capsys.readouterr()

    assert main(["sweep", str(configs), "--seeds", "0", "1", "2", "--out", str(out), "--resume"]) == 1
    err = capsys.readouterr().err
    assert "2 to run" in err and f"failed: {crashing}" in err
    assert kept.stat().st_mtime == 1, "a finished run is final"
    assert run_outcome(killed) == before[1], "restarted from step 0, partial rows dropped"
    assert '"failed,finished"' in (out / "report" / "table.csv").read_text(), "the report is written after a crash"


def start_sweep_past_a_checkpoint(tmp_path, tiny_dcgan_config, steps, log_every, eval_every, *options):
    """Write one tiny DCGAN config, start ``sweep`` on it in a subprocess and wait until its run (seed 3)
    has a checkpoint. Returns the sweep command (without ``--out``), the sweep process and the run dir."""
    config = dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], steps=steps, checkpoint_every=10,
                                                 log_every=log_every, eval_every=eval_every))
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "c.yaml").write_text(yaml.safe_dump(config))
    sweep = [sys.executable, "-m", "memgan_bench.cli", "sweep", str(tmp_path / "configs"), "--max-parallel", "1",
             *options]
    parent = subprocess.Popen([*sweep, "--out", str(tmp_path / "killed")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    run = tmp_path / "killed" / "c-s3"
    deadline = time.time() + 120
    while not (run / "checkpoints" / "last.pt").exists() and time.time() < deadline:
        time.sleep(0.005)
    return sweep, parent, run


def rows_of(out):
    return [(r["step"], r["metric"], r["value"]) for r in read_rows(out / "c-s3" / "results.csv")]


def test_a_sweep_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path, tiny_dcgan_config):
    """SIGKILL the worker process training a sweep's run (found through its lease) after a checkpoint, then
    ``sweep --resume``: the run ends with the rows and parameters of one uninterrupted run."""
    sweep, parent, run = start_sweep_past_a_checkpoint(tmp_path, tiny_dcgan_config, 150, 15, 30)
    worker = json.loads((run / "lease").read_text())["pid"]
    assert worker != parent.pid
    os.kill(worker, signal.SIGKILL)
    parent.communicate(timeout=300)
    assert parent.returncode == 1 and (run / "status").read_text().strip() == "running"
    assert 0 < load_checkpoint(run / "checkpoints" / "last.pt")["step"] < 150

    again = subprocess.run([*sweep, "--out", str(tmp_path / "killed"), "--resume"], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    done = subprocess.run([*sweep, "--out", str(tmp_path / "full")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert rows_of(tmp_path / "full") == rows_of(tmp_path / "killed")
    full = load_checkpoint(tmp_path / "full" / "c-s3" / "checkpoints" / "last.pt")["method"]["modules"]
    cut = load_checkpoint(run / "checkpoints" / "last.pt")["method"]["modules"]
    assert all(torch.equal(full[k], cut[k]) for k in full)


def test_no_report_trains_and_leaves_the_report_to_the_report_command(tmp_path, write_configs):
    out = tmp_path / "out"
    assert main(["sweep", str(write_configs(1)), "--seeds", "0", "--out", str(out), "--no-report"]) == 0
    assert (out / "c0-s0" / "status").read_text().strip() == "finished"
    assert not (out / "report").exists()
    assert main(["report", str(out), "--out", str(out / "report")]) == 0
    assert (out / "report" / "table.md").exists()


def test_workers_exit_when_the_sweep_is_killed_and_resume_completes_the_run(tmp_path, tiny_dcgan_config):
    """SIGKILL the sweep process (not its worker) while a run trains: the worker, found through its lease,
    exits within seconds instead of training on; ``sweep --resume`` then gives one uninterrupted run's rows."""
    sweep, parent, run = start_sweep_past_a_checkpoint(tmp_path, tiny_dcgan_config, 200, 20, 0, "--no-report")
    lease = json.loads((run / "lease").read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.communicate(timeout=30)
    deadline = time.time() + 15
    while not process_gone(lease["host"], lease["pid"]) and time.time() < deadline:
        time.sleep(0.05)
    assert process_gone(lease["host"], lease["pid"]), "the worker trains on after its sweep was killed"
    assert (run / "status").read_text().strip() == "running"

    again = subprocess.run([*sweep, "--out", str(tmp_path / "killed"), "--resume"], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    full = subprocess.run([*sweep, "--out", str(tmp_path / "full")], capture_output=True, text=True, timeout=300)
    assert full.returncode == 0, full.stderr
    assert rows_of(tmp_path / "full") == rows_of(tmp_path / "killed")


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_killing_any_process_of_a_sweep_is_one_line_each_never_a_traceback(tmp_path, tiny_dcgan_config):
    """SIGKILL every helper process a local sweep started (resource tracker, pool manager, whatever there
    is) and then its run's worker: the sweep's stderr holds one line per event and no traceback."""
    sweep, parent, run = start_sweep_past_a_checkpoint(tmp_path, tiny_dcgan_config, 150, 15, 30)
    worker = json.loads((run / "lease").read_text())["pid"]
    for pid in children_of(parent.pid):
        if pid != worker:
            os.kill(pid, signal.SIGKILL)
    time.sleep(1.0)
    os.kill(worker, signal.SIGKILL)
    _, err = parent.communicate(timeout=300)
    assert parent.returncode == 1 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[0].startswith("sweep: 1 runs") and lines[-1].startswith("sweep: 1 run(s) failed"), err
    assert lines[1:-1] == [f"failed: {run}: its worker process (pid {worker}) was killed by SIGKILL before the run "
                           "ended; continuing"], err
