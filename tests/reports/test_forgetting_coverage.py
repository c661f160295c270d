"""Spearman ρ between final D forgetting and coverage, against hand-computed ranks."""

import json

import pandas as pd
import pytest

from memgan_bench.results import ROW_FIELDS
from memgan_bench.cli import main


def write_run(path, method, seed, forgetting, modes, quality, kl):
    path.mkdir(parents=True)
    base = dict(run_id=path.name, method=method, scenario="unsupervised", dataset="ring8", seed=seed, experience=0)
    values = {"d_forgetting/mean_forgetting": forgetting, "modes_covered": modes, "high_quality": quality,
              "reverse_kl": kl}
    rows = [dict(base, step=step, metric=m, value=v * step / 200) for step in (100, 200) for m, v in values.items()]
    pd.DataFrame(rows, columns=ROW_FIELDS).to_csv(path / "results.csv", index=False)


def test_rank_correlations_over_runs_and_within_variants(tmp_path, capsys):
    # forgetting ranks 1..4; modes reversed (ρ = −1); quality ranks 2,1,4,3 (ρ = 1 − 6·4/(4·15) = 0.6); KL constant
    for seed, (f, m, q) in enumerate([(0.1, 8, 0.2), (0.2, 7, 0.1), (0.3, 6, 0.4), (0.4, 5, 0.3)]):
        write_run(tmp_path / f"a{seed}", "dcgan" if seed < 2 else "mgan", seed, f, m, q, 1.0)
    assert main(["analyze", "forgetting-coverage", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_runs"] == 4
    assert out["all_runs"]["modes_covered"]["rho"] == -1.0
    assert out["all_runs"]["high_quality"]["rho"] == pytest.approx(0.6)
    assert out["all_runs"]["reverse_kl"] is None
    assert out["within_variant"]["dcgan"]["n"] == 2 and out["within_variant"]["mgan"]["high_quality"]["rho"] == -1.0


def test_runs_without_forgetting_rows_are_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "r"
    path.mkdir()
    pd.DataFrame([dict(run_id="r", method="m", scenario="unsupervised", dataset="d", seed=0, step=1, experience=0,
                       metric="fid", value=1.0)], columns=ROW_FIELDS).to_csv(path / "results.csv", index=False)
    assert main(["analyze", "forgetting-coverage", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "d_forgetting/mean_forgetting" in err
