"""A checkpoint whose digest is right but whose state is impossible for its run is refused before training:
one line, exit code 2, and the run directory left as it was."""

import shutil

import pytest
import torch

from memgan_bench.cli import main
from memgan_bench.engine.checkpoint import load_checkpoint, save_checkpoint


def running_copy(tmp_path, finished_tiny_run):
    run = tmp_path / "run"
    shutil.copytree(finished_tiny_run, run)
    (run / "status").write_text("running\n")
    return run


def rewrite(run, change):
    path = run / "checkpoints" / "last.pt"
    state = load_checkpoint(path)
    state.pop("format_version")
    change(state)
    save_checkpoint(path, state)


def setter(**fields):
    return lambda state: state.update(fields)


def optimizer_slot(key, value):
    def change(state):
        state["method"]["optimizers"]["generator"]["state"][0][key] = value
    return change


# The tiny run trains 12 steps in one experience; its last checkpoint is at step 12, experience 1 (the end).
IMPOSSIBLE = {
    "negative step": (setter(step=-5), "step -5 is outside [0, 12]"),
    "step past the end": (setter(step=13), "step 13 is outside [0, 12]"),
    "experience outside the stream": (setter(experience=2, step=24), "experience 2 is outside the stream's 0..0"),
    "negative experience": (setter(experience=-1, step=0), "experience -1 is outside"),
    "step within its experience past its length": (setter(experience=0, step_in_experience=13, step=13),
                                                   "step 13 of experience 0 is outside [0, 12]"),
    "steps within the experience after the stream": (setter(step_in_experience=1, step=13),
                                                     "step 1 of experience 1 is outside [0, 0]"),
    "steps that do not add up": (setter(experience=0, step_in_experience=4, step=8),
                                 "step 8 is not step 4 of experience 0 (4 at 12 steps per experience)"),
    "negative row count": (setter(results_rows=-1), "counts -1 rows of results.csv"),
    "row count past results.csv": (setter(results_rows=10**6), "rows but the checkpoint"),
    "rows counted that were logged later": (setter(experience=0, step_in_experience=8, step=8),
                                            "at step 8 counts rows of"),
    "RNG state of the wrong shape": (setter(rng={"torch": torch.zeros(3, dtype=torch.uint8)}),
                                     "RNG state 'torch' is a torch.uint8 tensor of shape [3], expected torch.uint8"),
    "RNG state missing": (setter(rng={}), "RNG state 'torch' is NoneType"),
    "Adam moment of the wrong shape": (optimizer_slot("exp_avg", torch.zeros(1)),
                                       "optimizer 'generator' state 'exp_avg' of parameter 0 has shape [1]"),
    "Adam step that is not one number": (optimizer_slot("step", torch.zeros(2)),
                                         "optimizer 'generator' state 'step' of parameter 0 has shape [2], expected []"),
    "another method's checkpoint": (setter(method_name="mgan"), "is of method 'mgan'; this run's method is 'dcgan'"),
    "another config's checkpoint": (setter(config_sha256="0" * 64), "written by a run of another config"),
}


@pytest.mark.parametrize("name", list(IMPOSSIBLE))
def test_an_impossible_checkpoint_is_refused_and_nothing_is_written(tmp_path, finished_tiny_run, capsys, name):
    change, fragment = IMPOSSIBLE[name]
    run = running_copy(tmp_path, finished_tiny_run)
    rewrite(run, change)
    before = {path.name: path.read_bytes() for path in (run / "results.csv", run / "status")}
    assert main(["run", "--resume", "--out", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert {path.name: path.read_bytes() for path in (run / "results.csv", run / "status")} == before


def test_sample_refuses_another_methods_checkpoint(tmp_path, finished_tiny_run, capsys):
    run = running_copy(tmp_path, finished_tiny_run)
    rewrite(run, setter(method_name="acgan"))
    assert main(["sample", str(run), "--out", str(tmp_path / "s.png")]) == 2
    assert "is of method 'acgan'" in capsys.readouterr().err and not (tmp_path / "s.png").exists()


def test_a_sane_checkpoint_mid_stream_still_resumes(tmp_path, finished_tiny_run, capsys):
    """The checks refuse only the impossible: the finished run's checkpoint moved back to step 8 of 12 with
    the rows logged up to step 8 resumes and finishes."""
    from memgan_bench.results import read_rows

    run = running_copy(tmp_path, finished_tiny_run)
    kept = sum(row["step"] <= 8 for row in read_rows(run / "results.csv"))
    rewrite(run, setter(experience=0, step_in_experience=8, step=8, results_rows=kept, log_window={}))
    assert main(["run", "--resume", "--out", str(run)]) == 0
    assert (run / "status").read_text().strip() == "finished"
    assert max(row["step"] for row in read_rows(run / "results.csv")) == 12
