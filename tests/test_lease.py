"""Run leases: one live holder per run directory; a dead or silent holder's lease is taken over."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from memgan_bench import lease
from memgan_bench.lease import Lease, LeaseHeld, read_lease


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lease(run_dir, **fields):
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {"host": socket.gethostname(), "pid": os.getpid(), "job_id": None, "started": time.time(),
              "heartbeat": time.time(), **fields}
    (run_dir / "lease").write_text(json.dumps(record))


def test_a_live_holder_keeps_the_directory_and_release_frees_it(tmp_path):
    with Lease.claim(tmp_path / "r"):
        holder = read_lease(tmp_path / "r" / "lease")
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        with pytest.raises(LeaseHeld, match=f"being trained by {socket.gethostname()} pid {os.getpid()}"):
            Lease.claim(tmp_path / "r")
    assert not (tmp_path / "r" / "lease").exists()
    Lease.claim(tmp_path / "r").release()


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over(tmp_path):
    write_lease(tmp_path, pid=dead_pid())
    with Lease.claim(tmp_path):
        assert read_lease(tmp_path / "lease")["pid"] == os.getpid()


def test_this_pid_without_holding_the_lease_is_a_restarted_container(tmp_path):
    write_lease(tmp_path, started=1.0, heartbeat=time.time())  # same host and pid, never claimed here
    with Lease.claim(tmp_path):
        record = read_lease(tmp_path / "lease")
        assert record["pid"] == os.getpid() and record["started"] > 1.0  # a new claim, not the old record
    assert not (tmp_path / "lease").exists()


def test_another_hosts_lease_is_held_until_its_heartbeat_is_old(tmp_path):
    write_lease(tmp_path, host="elsewhere", pid=1, job_id="77_3")
    with pytest.raises(LeaseHeld, match="elsewhere pid 1 job 77_3"):
        Lease.claim(tmp_path)
    write_lease(tmp_path, host="elsewhere", pid=1, heartbeat=time.time() - lease.STALE_AFTER_S - 5)
    with Lease.claim(tmp_path):
        assert read_lease(tmp_path / "lease")["host"] == socket.gethostname()


def test_a_requeued_job_takes_over_the_lease_of_its_earlier_attempt_on_another_host(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    write_lease(tmp_path, host="node-a", pid=1, job_id="4242")
    with Lease.claim(tmp_path):
        assert read_lease(tmp_path / "lease")["job_id"] == "4242"
    write_lease(tmp_path, host="node-a", pid=1, job_id="4243")
    with pytest.raises(LeaseHeld, match="job 4243"):
        Lease.claim(tmp_path)


def test_a_torn_lease_file_is_stale_once_its_mtime_is_old(tmp_path):
    (tmp_path / "lease").write_text('{"host": "x", "pi')
    with pytest.raises(LeaseHeld):
        Lease.claim(tmp_path)
    old = time.time() - lease.STALE_AFTER_S - 5
    os.utime(tmp_path / "lease", (old, old))
    with Lease.claim(tmp_path):
        assert read_lease(tmp_path / "lease")["pid"] == os.getpid()


def test_heartbeat_refreshes_and_release_leaves_a_taken_over_lease(tmp_path):
    held = Lease.claim(tmp_path)
    before = read_lease(tmp_path / "lease")["heartbeat"]
    time.sleep(0.01)
    held.heartbeat()
    assert read_lease(tmp_path / "lease")["heartbeat"] > before
    write_lease(tmp_path, host="elsewhere", pid=1)  # taken over meanwhile
    held.heartbeat()
    held.release()
    assert read_lease(tmp_path / "lease")["host"] == "elsewhere"


def test_job_id_names_the_slurm_array_task(monkeypatch):
    for name in ("MEMGAN_BENCH_JOB_ID", "SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"):
        monkeypatch.delenv(name, raising=False)
    assert lease.job_id() is None
    monkeypatch.setenv("SLURM_JOB_ID", "900")
    assert lease.job_id() == "900"
    monkeypatch.setenv("SLURM_ARRAY_JOB_ID", "899")
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")
    assert lease.job_id() == "899_1"
