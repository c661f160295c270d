"""``sweep --executor local``: runs in parallel fresh processes give what one in-process ``train`` gives, and
``sweep --resume`` keeps ended runs, restarts one killed before its first checkpoint, records a crash and
goes on to the report."""

import os

import pytest

from memgan_bench.cli import main
from memgan_bench.config import load_config
from memgan_bench.engine.trainer import train


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
