"""Every error a user can cause: one line on stderr, exit code 2, no traceback."""

import subprocess
import sys

import pytest
import yaml

from memgan_bench.cli import main


def one_line_error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("memgan-bench: error:")
    return err


@pytest.fixture
def config_file(tmp_path, tiny_dcgan_config):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_dcgan_config))
    return path


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("train.bogus=1", "unknown config key 'train.bogus'"),
        ("train.steps=many", "'train.steps' must be an integer"),
        ("train.batch_size=0", "'train.batch_size' must be >= 1"),
        ("model.loss=hinge", "'model.loss' must be one of"),
        ("device=tpu", "'device' must be one of"),
    ],
)
def test_bad_config_values(capsys, tmp_path, config_file, override, fragment):
    err = one_line_error(capsys, ["run", "--config", str(config_file), "--set", override, "--out", str(tmp_path / "r")])
    assert fragment in err


def test_missing_config_file_and_unknown_command(capsys, tmp_path):
    assert "config file not found" in one_line_error(capsys, ["run", "--config", str(tmp_path / "none.yaml")])
    assert "invalid choice" in one_line_error(capsys, ["frobnicate"])


def test_missing_dataset_names_how_to_get_it(capsys, tmp_path, config_file):
    err = one_line_error(capsys, ["run", "--config", str(config_file), "--set", "data.name=mnist",
                                  "--set", f"data.root={tmp_path}", "--out", str(tmp_path / "r")])
    assert "mnist-5k" in err and "data.root" in err


def test_corrupt_checkpoint_is_a_one_line_error(capsys, tmp_path, config_file):
    out = tmp_path / "run"
    assert main(["run", "--config", str(config_file), "--out", str(out)]) == 0
    capsys.readouterr()
    (out / "checkpoints" / "last.pt").write_bytes(b"\x00not a checkpoint" * 10)
    assert "corrupt checkpoint" in one_line_error(capsys, ["sample", str(out)])
    (out / "status").write_text("running\n")
    assert "corrupt checkpoint" in one_line_error(capsys, ["run", "--resume", "--out", str(out)])


def test_console_script_exit_code_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "memgan_bench.cli", "run", "--config", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
