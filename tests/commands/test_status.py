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
    now = 1_000_000.0
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
