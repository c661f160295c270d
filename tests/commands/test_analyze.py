"""``memgan-bench analyze``: bad paths are one line and exit code 2, like every command."""

import pytest

from memgan_bench.cli import main


@pytest.mark.parametrize("analysis,no_runs", [("absorbing", "no MemoryGAN run directory under"),
                                              ("forgetting-coverage", "no runs (with results) found under")])
def test_a_missing_folder_and_a_folder_without_runs_are_one_line_and_exit_2(tmp_path, capsys, analysis, no_runs):
    (tmp_path / "empty").mkdir()
    for path, message in ((tmp_path / "missing", "no such run directory"), (tmp_path / "empty", no_runs)):
        assert main(["analyze", analysis, str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("memgan-bench: error: ") and message in err, err
