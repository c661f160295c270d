"""``memgan-bench status``: one row per run from the run directories alone (config.yaml, status,
results.csv, lease, job_id), with elapsed and ETA computed from the lease's start and the steps logged."""

import json

from memgan_bench.cli import main
from memgan_bench.config import config_to_yaml, resolve
from memgan_bench.results import ROW_FIELDS
from memgan_bench.run_progress import progress

HEADER = ",".join(ROW_FIELDS)


def make_run(path, config, status=None, rows=(), lease=None, job_id=None):
    path.mkdir(parents=True)
    (path / "config.yaml").write_text(config_to_yaml(resolve(config)))
    if status:
        (path / "status").write_text(status + "\n")
    if rows:
        lines = [f"{path.name},dcgan,unsupervised,fashion-mnist,3,{step},0,{metric},{value}" for step, metric, value in rows]
        (path / "results.csv").write_text("\n".join([HEADER, *lines]) + "\n")
    if lease:
        (path / "lease").write_text(json.dumps(lease))
    if job_id:
        (path / "job_id").write_text(job_id + "\n")
    return path


def test_rows_hold_progress_host_job_elapsed_eta_and_last_metric(tmp_path, tiny_dcgan_config, capsys):
    import time

    now = time.time()  # the heartbeat is fresh when `status` reads it: node7's process counts as alive
    running = make_run(tmp_path / "sweep" / "a-s0", tiny_dcgan_config, "running",
                       rows=[(4, "loss/d_loss", 1.5), (4, "fid", 80.0), (4, "loss/g_loss", 0.5)],
                       lease={"host": "node7", "pid": 1, "job_id": "77_1", "started": now - 30, "heartbeat": now})
    row = progress(running, now=now)
    assert (row.status, row.step, row.total, row.host, row.job_id) == ("running", 4, 12, "node7", "77_1")
    assert row.elapsed_s == 30 and row.eta_s == 30 / 4 * (12 - 4)
    assert row.metric == "fid=80", "the headline metric, not the loss logged after it"

    stream = dict(tiny_dcgan_config, scenario={"name": "class-incremental", "classes_per_experience": 2})
    make_run(tmp_path / "sweep" / "b-s0", stream)
    ordered = dict(tiny_dcgan_config, scenario={"name": "class-incremental", "class_order": [3, 1, 4, 5],
                                                "classes_per_experience": 2})
    make_run(tmp_path / "sweep" / "c-s0", ordered, "finished", rows=[(24, "loss/d_loss", 1.25)], job_id="91")

    assert main(["status", str(tmp_path / "sweep")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "status", "step/total", "host", "job", "elapsed", "eta", "last", "metric"]
    cells = {line.split()[0]: line.split()[1:] for line in lines[1:-1]}
    assert cells["a-s0"][:4] == ["running", "4/12", "node7", "77_1"]
    assert cells["b-s0"] == ["pending", "0/?", "-", "-", "-", "-", "-"], "stream length needs the data"
    assert cells["c-s0"] == ["finished", "24/24", "-", "91", "-", "-", "loss/d_loss=1.25"]
    assert lines[-1] == "1 finished, 1 pending, 1 running"


def test_watch_returns_once_nothing_is_pending_or_running(tmp_path, tiny_dcgan_config, capsys):
    make_run(tmp_path / "a-s0", tiny_dcgan_config, "diverged", rows=[(8, "diverged", 1.0)])
    assert main(["status", str(tmp_path), "--watch", "0.01"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 diverged"
    assert main(["status", str(tmp_path / "missing")]) == 2


def dead_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_run_is_stale_and_watch_returns(tmp_path, tiny_dcgan_config):
    import socket
    import subprocess
    import sys
    import time

    make_run(tmp_path / "killed", tiny_dcgan_config, "running", rows=[(4, "loss/d_loss", 1.5)],
             lease={"host": socket.gethostname(), "pid": dead_pid(), "started": time.time() - 60,
                    "heartbeat": time.time()})
    make_run(tmp_path / "no-lease", tiny_dcgan_config, "running", rows=[(8, "loss/d_loss", 1.5)])
    make_run(tmp_path / "done", tiny_dcgan_config, "finished", rows=[(12, "loss/d_loss", 1.0)])
    watch = subprocess.run([sys.executable, "-m", "memgan_bench.cli", "status", str(tmp_path), "--watch", "0.05"],
                           capture_output=True, text=True, timeout=120)
    assert watch.returncode == 0 and watch.stderr == "", watch.stderr
    cells = {line.split()[0]: line.split()[1:] for line in watch.stdout.splitlines()[1:-1]}
    assert cells["killed"][:2] == ["stale", "4/12"] and cells["killed"][4:6] == ["-", "-"], "no elapsed, no ETA"
    assert cells["no-lease"][0] == "stale"
    assert watch.stdout.splitlines()[-1] == "1 finished, 2 stale"


def test_a_run_whose_lease_holder_lives_is_running(tmp_path, tiny_dcgan_config):
    import os
    import socket
    import time

    live = make_run(tmp_path / "live", tiny_dcgan_config, "running", rows=[(4, "loss/d_loss", 1.5)],
                    lease={"host": socket.gethostname(), "pid": os.getppid(), "started": time.time() - 5,
                           "heartbeat": time.time()})
    assert progress(live).status == "running"


def test_unreadable_run_files_are_one_row_each_naming_the_file(tmp_path, tiny_dcgan_config, capsys):
    junk = bytes(range(128, 256))
    make_run(tmp_path / "status", tiny_dcgan_config).joinpath("status").write_bytes(junk)
    make_run(tmp_path / "job", tiny_dcgan_config, "finished").joinpath("job_id").write_bytes(junk)
    make_run(tmp_path / "results", tiny_dcgan_config, "finished").joinpath("results.csv").write_bytes(junk)
    make_run(tmp_path / "lease", tiny_dcgan_config, "finished").joinpath("lease").mkdir()
    make_run(tmp_path / "torn-lease", tiny_dcgan_config, "finished", rows=[(12, "fid", 9.0)]).joinpath(
        "lease").write_bytes(junk)  # a lease being written reads as held, not as unreadable
    assert main(["status", str(tmp_path), "--watch", "0.01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines[1:-1]}
    for name, file, reason in (("status", "status", "is not UTF-8 text (byte 0)"),
                               ("job", "job_id", "is not UTF-8 text (byte 0)"),
                               ("results", "results.csv", "is not UTF-8 text (byte 0)"),
                               ("lease", "lease", "is not a file")):
        assert rows[name].split()[1] == "unreadable" and rows[name].endswith(f"{tmp_path / name / file} {reason}")
    assert rows["torn-lease"].split()[1:3] == ["finished", "12/12"]
    assert lines[-1] == "1 finished, 4 unreadable"
