"""Every benchmark script under bench/ runs at its ``--tiny`` size and prints one JSON document, so none
can rot unseen (a script added later is picked up by the glob)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(ROOT.glob("bench/*.py"))


def test_the_bench_folder_has_scripts():
    assert len(SCRIPTS) >= 7


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_bench_script_runs_tiny_and_prints_json(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MEMGAN_BENCH_CACHE": str(tmp_path)}
    done = subprocess.run([sys.executable, str(script), "--tiny"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)  # minutes only on a loaded machine
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert isinstance(report, (dict, list)) and report
