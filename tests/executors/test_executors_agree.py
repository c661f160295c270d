"""A 3-config × 2-seed sweep gives identical run directories under the local pool (P = 2), a local Ray
cluster and submitit's local executor; a submitit job that reaches its time limit is requeued and resumes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from memgan_bench.cli import main
from tests.packages import require
from memgan_bench.config import load_config
from memgan_bench.engine.trainer import train

SEEDS = ["--seeds", "0", "1"]
EXECUTORS = {
    "local": ["--executor", "local", "--max-parallel", "2"],
    "ray": ["--executor", "ray", "--max-parallel", "2"],
    "slurm": ["--executor", "slurm", "--slurm-cluster", "local", "--max-parallel", "2"],
}


@pytest.mark.slow
def test_every_executor_gives_the_same_run_directories(tmp_path, write_configs, run_outcome):
    for package in ("ray", "submitit"):
        require(package)
    configs = write_configs(3)
    outcomes = {}
    for name, options in EXECUTORS.items():
        out = tmp_path / name
        assert main(["sweep", str(configs), *SEEDS, "--out", str(out), *options]) == 0, name
        outcomes[name] = {run: run_outcome(out / run) for run in (f"c{c}-s{s}" for c in range(3) for s in (0, 1))}
    assert outcomes["ray"] == outcomes["local"]
    assert outcomes["slurm"] == outcomes["local"]
    assert all((tmp_path / "slurm" / run / "job_id").read_text().strip() for run in outcomes["slurm"])


def task_of(controller_pid: int) -> int:
    """The pid of the process whose parent is submitit's local job controller."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == controller_pid:
            return int(stat.parent.name)
    raise LookupError(f"no task under controller {controller_pid}")


@pytest.mark.slow
def test_a_timed_out_submitit_job_is_requeued_and_resumes_from_its_checkpoint(tmp_path, tiny_dcgan_config,
                                                                              run_outcome):
    """Under a sub-minute time limit submitit takes any USR2 for the time limit. The test sends it (what
    SLURM sends ``--slurm-signal-delay-s`` before the limit) once the first checkpoint exists, instead of
    relying on the local controller's timer, which would fire at a fixed offset from process start-up."""
    require("submitit")
    config = dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], steps=300, log_every=25,
                                                 checkpoint_every=25, sample_grid=0))
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "requeued"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "memgan_bench.cli", "sweep", str(tmp_path / "long.yaml"), "--out", str(out),
         "--executor", "slurm", "--slurm-cluster", "local", "--slurm-time-min", "0.9", "--slurm-signal-delay-s", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run_dir = out / "long-s3"
    deadline = time.time() + 300
    while not (run_dir / "checkpoints" / "last.pt").exists() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(task_of(int((run_dir / "job_id").read_text())), signal.SIGUSR2)
    assert sweep.wait(timeout=300) == 0, sweep.stderr.read().decode()

    job_id = (run_dir / "job_id").read_text().strip()
    log = "".join((out / ".submitit" / f"{job_id}_0_log.{kind}").read_text() for kind in ("err", "out"))
    assert "this job is timed-out" in log and "Requeued job" in log and "Job completed successfully" in log, log
    reference = train(load_config(tmp_path / "long.yaml"), tmp_path / "reference" / "long-s3", progress=False)
    assert run_outcome(run_dir) == run_outcome(reference.path)


def test_an_executor_whose_package_is_missing_names_the_extra(tmp_path, tiny_dcgan_config, monkeypatch, capsys):
    for name, package in (("ray", "ray"), ("slurm", "submitit")):
        monkeypatch.setitem(sys.modules, package, None)  # import fails as if not installed
        monkeypatch.delitem(sys.modules, f"memgan_bench.executors.{'ray_tasks' if name == 'ray' else name}",
                            raising=False)
        assert main(["sweep", "nonexistent.yaml", "--out", str(tmp_path), "--executor", name]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and f"pip install 'memgan-bench[{name}]'" in err, err


def test_a_ray_request_no_node_can_meet_fails_at_once(tmp_path, write_configs, capsys):
    require("ray")
    configs = write_configs(1)
    assert main(["sweep", str(configs), "--out", str(tmp_path / "out"), "--executor", "ray",
                 "--cpus-per-run", "1000"]) == 2
    err = capsys.readouterr().err
    assert "no Ray node offers 1000 CPU and 0 GPU per run" in err.strip().splitlines()[-1], err
    assert not (tmp_path / "out" / "c0-s3" / "results.csv").exists()


def test_joining_a_ray_cluster_that_is_not_there_is_one_line(tmp_path, write_configs, capsys):
    require("ray")
    configs = write_configs(1)
    assert main(["sweep", str(configs), "--out", str(tmp_path / "out"), "--executor", "ray",
                 "--ray-address", "auto"]) == 2  # no Ray cluster runs on this machine
    err = capsys.readouterr().err
    assert "cannot join the Ray cluster at --ray-address auto" in err.strip().splitlines()[-1], err


def free_port() -> int:
    """A port nothing listens on: bound once by this process and released."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("timeout", [None, "1"])
def test_a_ray_address_where_nothing_listens_fails_within_the_timeout(tmp_path, write_configs, capfd, monkeypatch,
                                                                      timeout):
    pytest.importorskip("ray")
    from memgan_bench.executors import ray_tasks

    spent = []

    def timed_connect(*args):
        started = time.monotonic()
        try:
            ray_tasks_connect(*args)
        finally:
            spent.append(time.monotonic() - started)

    ray_tasks_connect = ray_tasks.connect
    monkeypatch.setattr(ray_tasks, "connect", timed_connect)
    configs = write_configs(1)
    port = free_port()
    extra = ["--ray-connect-timeout-s", timeout] if timeout else []
    assert main(["sweep", str(configs), "--out", str(tmp_path / "out"), "--executor", "ray",
                 "--ray-address", f"127.0.0.1:{port}", *extra]) == 2
    assert spent[0] < (float(timeout) if timeout else 5.0) + 1.0  # the default is 5 s
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("sweep: 1 runs"), err  # none of Ray's own log lines
    assert err[1].startswith(f"memgan-bench: error: no Ray cluster at --ray-address 127.0.0.1:{port}")
    assert f"ray start --head --port={port}" in err[1] and "--ray-address local" in err[1]
