"""Run directories: one status default, one finder, the sample grids in the engine's order."""

import pytest

from memgan_bench.cli import main
from memgan_bench.errors import UserError
from memgan_bench.rundir import RunDir, find_runs


def test_a_run_without_a_status_file_is_pending_and_set_status_is_read_back(tmp_path):
    run = RunDir(tmp_path / "r")
    assert run.status() == "pending"
    run.path.mkdir()
    run.set_status("diverged")
    assert (run.status(), run.status_file.read_text()) == ("diverged", "diverged\n")


def test_find_runs_takes_folders_with_a_config_or_results_and_filters_by_require(tmp_path):
    (tmp_path / "configured").mkdir()
    (tmp_path / "configured" / "config.yaml").write_text("method: dcgan\n")
    (tmp_path / "nested" / "logged").mkdir(parents=True)
    (tmp_path / "nested" / "logged" / "results.csv").write_text("")
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "config.yaml").write_text("")
    (tmp_path / "both" / "results.csv").write_text("")
    (tmp_path / "neither").mkdir()
    (tmp_path / "neither" / "status").write_text("finished\n")
    names = lambda runs: sorted(run.relative_to(tmp_path).as_posix() for run in runs)  # noqa: E731
    assert names(find_runs([tmp_path])) == ["both", "configured", "nested/logged"]
    assert names(find_runs([tmp_path], require=("results",))) == ["both", "nested/logged"]
    assert names(find_runs([tmp_path], require=("config", "results"))) == ["both"]
    assert names(find_runs([tmp_path / "both", tmp_path])) == ["both", "configured", "nested/logged"]
    with pytest.raises(UserError, match="no such run directory"):
        find_runs([tmp_path / "missing"])


def test_sample_grids_come_in_experience_then_step_order(tmp_path):
    run = RunDir(tmp_path)
    for experience, step in ((1, 300), (0, 100), (0, 200)):
        path = run.sample_grid(experience, step)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"")
    run.last_sample.write_bytes(b"")  # not an engine grid
    assert [(e, s) for e, s, _ in run.sample_grids()] == [(0, 100), (0, 200), (1, 300)]
    assert run.sample_grids()[-1][2].name == "exp01_step0000300.png"


def test_status_sees_a_folder_that_holds_only_results(tmp_path, capsys):
    """A ``real --out`` folder (results and a status, no config) is a run to ``status`` as to ``report``."""
    run = RunDir(tmp_path / "real")
    run.path.mkdir()
    run.results.write_text("run_id,method,scenario,dataset,seed,step,experience,metric,value\n"
                           "real-x,real,real,x,0,0,0,fid,1.5\n")
    run.set_status("finished")
    assert main(["status", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["real", "finished", "0/?"] and lines[-1] == "1 finished"
