"""``memgan-bench reproduce`` end to end on a test-only entry (2-D ring, 6 steps of tiny nets, 2 seeds)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from memgan_bench.cli import main

ENTRIES = Path(__file__).parent / "reproductions"  # test-only entries


def final_value(run_dir: Path, metric: str) -> float:
    """The metric's value at its last logged step, read straight from results.csv."""
    with open(run_dir / "results.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["metric"] == metric]
    return float(max(rows, key=lambda row: (int(row["step"]), int(row["experience"])))["value"])


def test_reproduce_runs_the_entry_judges_it_and_puts_the_verdict_on_the_report(tmp_path, capsys):
    out = tmp_path / "tiny"
    argv = ["reproduce", "tiny-ring", "--entries", str(ENTRIES), "--out", str(out), "--max-parallel", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    record = json.loads((out / "reproduction.json").read_text())
    assert record["name"] == "tiny-ring" and record["seeds"] == [0, 1]
    assert record["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    assert f"## tiny-ring: {record['verdict']}" in printed
    stems = {"GAN": "dcgan", "PacGAN2": "pacgan"}
    for check in record["checks"]:
        for label, measured in check["measured"].items():
            values = [final_value(out / f"{stems[label]}-s{seed}", check["metric"]) for seed in (0, 1)]
            assert measured["n"] == 2
            assert measured["mean"] == pytest.approx(np.mean(values))
    assert [check["kind"] for check in record["checks"]] == ["order", "target"]
    assert record["checks"][0]["published"] == {"GAN": "6.3 ± 0.5", "PacGAN2": "7.9 ± 0.1"}
    page = (out / "report" / "index.html").read_text()
    assert page.index("<h2>Reproduction</h2>") < page.index("<h2>ring8 · unsupervised</h2>")
    assert f"tiny-ring: {record['verdict']}" in page and "memgan-bench reproduce tiny-ring" in page

    # a second call without --resume refuses the used folder; with --resume it trains nothing and judges again
    assert main(argv) == 2
    capsys.readouterr()
    assert main(argv + ["--resume"]) == 0
    assert "0 to run" in capsys.readouterr().err
    assert json.loads((out / "reproduction.json").read_text()) == record
