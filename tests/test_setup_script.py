"""scripts/setup.sh stops with pip's error when the install fails, and never marks a failed install done."""

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FAILING_PYTHON = """#!/usr/bin/env bash
echo "$@" >> "$(dirname "$0")/calls"
if [ "$1 $2 $3" = "-m pip install" ] && [ "$5" = "-e" ]; then
  echo "ERROR: No matching distribution found for torch==0.0.0" >&2
  exit 1
fi
exit 0
"""


def test_a_failed_pip_install_ends_setup_with_pips_error_and_no_stamp(tmp_path):
    assert list(Path("/usr/share/datasets/fashion-mnist").glob("train-images-idx3-ubyte*")), \
        "setup.sh installs Fashion-MNIST before the tests run"
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAILING_PYTHON)
    python.chmod(0o755)
    done = subprocess.run(["bash", "scripts/setup.sh"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert "No matching distribution found for torch==0.0.0" in done.stderr
    assert not (tmp_path / ".venv" / ".memgan-bench-installed").exists()
    calls = (python.parent / "calls").read_text().splitlines()
    assert not any(call.startswith("-c") for call in calls), "nothing runs after the failed install"
