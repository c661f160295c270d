"""The absorbing-state detector against hand-built run histories and known binomial intervals."""

import json

import pytest
import yaml

from memgan_bench.results import HEADER, ROW_FIELDS
from memgan_bench.cli import main
from reports import absorbing
from reports.stats import wilson


def write_run(root, name, history, fidelity="paper", eps=1e-3, method="memorygan", seed=0):
    """A run directory whose results.csv logs (reset_rate, d_real, d_fake[, query_cos]) at steps 100, 200, ..."""
    run = root / name
    run.mkdir()
    (run / "config.yaml").write_text(yaml.safe_dump({"method": method, "model": {"fidelity": fidelity, "eps": eps}}))
    lines = [HEADER]
    for i, values in enumerate(history, start=1):
        for metric, value in zip((*absorbing.METRICS, absorbing.QUERY_COS), values):
            row = dict(run_id=name, method=method, scenario="unsupervised", dataset="fashion-mnist", seed=seed,
                       step=100 * i, experience=0, metric=metric, value=value)
            lines.append(",".join(str(row[field]) for field in ROW_FIELDS) + "\n")
        lines.append(f"{name},{method},unsupervised,fashion-mnist,{seed},{100 * i},0,loss/d_loss,1.0\n")
    (run / "results.csv").write_text("".join(lines))
    return run


HEALTHY = (0.02, 0.6, 0.3)
STUCK = (0.5, 0.001, 0.001)


def test_run_that_falls_in_and_stays(tmp_path):
    state = absorbing.run_state(write_run(tmp_path, "a", [HEALTHY, HEALTHY, STUCK, STUCK]))
    assert (state.first_step, state.share_in_state, state.ends_in_state) == (300, 0.5, True)


def test_run_that_leaves_the_state(tmp_path):
    state = absorbing.run_state(write_run(tmp_path, "a", [STUCK, HEALTHY, HEALTHY, HEALTHY]))
    assert (state.first_step, state.share_in_state, state.ends_in_state) == (100, 0.25, False)


@pytest.mark.parametrize("row", [
    (0.44, 0.001, 0.001),  # reset rate below 0.45: some real query still reads a real slot
    (0.5, 0.011, 0.001),  # D(real) above 10 ε
    (0.5, 0.001, 0.5),  # D(fake) off the clip
])
def test_each_condition_is_needed(tmp_path, row):
    assert absorbing.run_state(write_run(tmp_path, "a", [row])).first_step is None


def test_clip_comes_from_the_run_config(tmp_path):
    history = [(0.5, 0.05, 0.05)]
    assert absorbing.run_state(write_run(tmp_path, "a", history, eps=1e-3)).first_step is None
    assert absorbing.run_state(write_run(tmp_path, "b", history, eps=1e-2)).first_step == 100


@pytest.mark.parametrize("k,n,expected", [(0, 10, (0.0, 0.2775)), (5, 10, (0.2366, 0.7634)), (10, 10, (0.7225, 1.0))])
def test_wilson_interval_known_values(k, n, expected):
    assert wilson(k, n) == pytest.approx(expected, abs=1e-4)


def test_summary_pools_the_seeds_of_each_config_and_skips_other_methods(tmp_path, capsys):
    for seed in range(3):
        write_run(tmp_path, f"paper-s{seed}", [HEALTHY, STUCK] if seed else [HEALTHY, HEALTHY], seed=seed)
        write_run(tmp_path, f"official-s{seed}", [HEALTHY, HEALTHY], fidelity="official", seed=seed)
    write_run(tmp_path, "dcgan", [STUCK], method="dcgan")
    assert main(["analyze", "absorbing", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["runs"]) == 6
    by_config = {g["config"]: (g["fidelity"], g["n"], g["entered"], g["ended"]) for g in out["summary"]}
    assert by_config == {"official": ("official", 3, 0, 0), "paper": ("paper", 3, 2, 2)}


def test_markdown_tables_name_each_config_and_run(tmp_path, capsys):
    write_run(tmp_path, "paper-s0", [HEALTHY, STUCK])
    assert main(["analyze", "absorbing", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "| paper | fashion-mnist | paper | 1 | 1 | 0.21–1.00 | 1 | 0.21–1.00 | – | – |" in lines
    assert "| paper-s0 | paper | 200 | 0.50 | yes | – | – |" in lines


COLLAPSED = (0.5, 0.808, 0.808, 0.9999)  # one query direction: the memory answers alike, every fake query reset
SPREAD = (0.02, 0.9, 0.1, -0.01)


def test_collapsed_queries_are_a_second_stall_away_from_the_clip(tmp_path, capsys):
    state = absorbing.run_state(write_run(tmp_path, "official-s0", [SPREAD, COLLAPSED, COLLAPSED, SPREAD]))
    assert (state.first_step, state.collapsed_first_step, state.collapsed_share) == (None, 200, 0.5)
    write_run(tmp_path, "official-s1", [SPREAD, SPREAD])
    assert main(["analyze", "absorbing", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "| official | fashion-mnist | paper | 2 | 0 | 0.00–0.66 | 0 | 0.00–0.66 | 1 of 2 | 0.09–0.91 |" in lines
    assert "| official-s0 | paper | – | 0.00 | no | 200 | 0.50 |" in lines


@pytest.mark.parametrize("row", [(0.44, 0.8, 0.8, 0.9999), (0.5, 0.8, 0.8, 0.98)])
def test_collapse_needs_both_the_reset_rate_and_the_query_cosine(tmp_path, row):
    state = absorbing.run_state(write_run(tmp_path, "a", [row]))
    assert (state.collapsed_first_step, state.collapsed_share) == (None, 0.0)


def test_no_memorygan_runs_is_one_line_and_exit_2(tmp_path, capsys):
    write_run(tmp_path, "dcgan", [STUCK], method="dcgan")
    assert main(["analyze", "absorbing", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1

