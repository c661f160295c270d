"""Verdicts against hand-computed cases: Welch's t and degrees of freedom written out here, Holm's
correction across an entry's pairs, the interval-inclusion rule of targets."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from memgan_bench.reproductions import Entry, OrderCheck, Source, TargetCheck, parse_order
from reports.stats import welch_interval
from reports.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, judge

RUNS = {label: Path(f"{label}.yaml") for label in ("A", "B", "C")}


def entry(*checks) -> Entry:
    return Entry("case", Path("case.yaml"), "case", "claim", Source("paper", "Table 1"), "cpu", (0, 1, 2), RUNS,
                 (), checks)


def order(text: str, metric: str = "m", margin=None) -> OrderCheck:
    return OrderCheck(metric, text, parse_order(text, RUNS, pytest.fail), margin)


def welch_by_hand(a, b):
    """(t, df, two-sided p) of Welch's test from its formulas."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return t, df, 2 * stats.t.sf(abs(t), df)


def test_clear_separation_reproduces_and_the_reverse_claim_does_not():
    a, b = [10.0, 11.0, 12.0], [1.0, 2.0, 3.0]
    t, df, p = welch_by_hand(a, b)
    assert (t, df) == pytest.approx((9 / math.sqrt(2 / 3), 4.0)) and p < 0.001
    values = {"m": {"A": a, "B": b}}
    result = judge(entry(order("A > B")), values)
    assert result.verdict == REPRODUCED
    assert f"Welch p = {p:.3g}" in result.checks[0].details[0]
    assert judge(entry(order("B > A")), values).verdict == NOT_REPRODUCED
    assert judge(entry(order("B < A")), values).verdict == REPRODUCED


def test_overlapping_wide_intervals_are_inconclusive():
    values = {"m": {"A": [0.0, 10.0, 4.0], "B": [1.0, 9.0, 6.0]}}
    assert welch_by_hand(values["m"]["A"], values["m"]["B"])[2] > 0.5
    assert judge(entry(order("A > B")), values).verdict == INCONCLUSIVE
    assert judge(entry(order("A ≈ B", margin=1.0)), values).verdict == INCONCLUSIVE


def test_holm_corrects_across_the_pairs_of_an_entry():
    """Two pairs each at raw p ≈ 0.03: alone each holds; together Holm doubles the smaller p past α."""
    base = np.array([0.0, 1.0, 2.0, 3.0])
    values = {"m": {"A": list(base + 2.6), "B": list(base)}, "n": {"A": list(base + 2.6), "B": list(base)}}
    p = welch_by_hand(values["m"]["A"], values["m"]["B"])[2]
    assert 0.025 < p < 0.05 and 2 * p > 0.05
    assert judge(entry(order("A > B")), values).verdict == REPRODUCED
    both = judge(entry(order("A > B"), order("A > B", metric="n")), values)
    assert [check.verdict for check in both.checks] == [INCONCLUSIVE, INCONCLUSIVE]
    assert both.verdict == INCONCLUSIVE


def test_approximately_equal_uses_the_welch_interval_of_the_difference():
    a, b = [5.0, 5.1, 4.9, 5.0], [5.05, 4.95, 5.0, 5.0]
    t, df, _ = welch_by_hand(a, b)
    half = stats.t.ppf(0.975, df) * math.sqrt(np.var(a, ddof=1) / 4 + np.var(b, ddof=1) / 4)
    low, high = welch_interval(a, b)
    assert (low, high) == pytest.approx((-half, half), abs=1e-9)
    values = {"m": {"A": a, "B": b, "C": [10.0, 10.1, 9.9]}}
    assert judge(entry(order("A ≈ B", margin=0.5)), values).verdict == REPRODUCED
    assert judge(entry(order("A ≈ B", margin=0.05)), values).verdict == INCONCLUSIVE  # half > 0.05
    assert judge(entry(order("C ≈ A", margin=1.0)), values).verdict == NOT_REPRODUCED


def test_a_chain_needs_every_pair():
    values = {"m": {"A": [1.0, 1.1, 0.9], "B": [5.0, 5.2, 4.8], "C": [5.1, 4.9, 5.0]}}
    assert judge(entry(order("A < B ≈ C", margin=1.0)), values).verdict == REPRODUCED
    assert judge(entry(order("A < B > C")), values).verdict == INCONCLUSIVE  # B vs C: no difference
    assert judge(entry(order("B < A ≈ C", margin=1.0)), values).verdict == NOT_REPRODUCED


def test_zero_variance_groups_compare_exactly():
    assert judge(entry(order("A > B")), {"m": {"A": [8, 8, 8], "B": [7, 7, 7]}}).verdict == REPRODUCED
    assert judge(entry(order("A > B")), {"m": {"A": [8, 8, 8], "B": [8, 8, 8]}}).verdict == INCONCLUSIVE


def test_target_inside_outside_and_across_the_band():
    check = TargetCheck("m", "A", target=0.982, error=0.002, tolerance=0.006)
    inside = [0.980, 0.982, 0.984]  # mean 0.982, half-width t(0.975, 2) · 0.002/√3 = 0.00497 < 0.006
    assert stats.t.ppf(0.975, 2) * 0.002 / math.sqrt(3) == pytest.approx(0.00497, abs=1e-5)
    assert judge(entry(check), {"m": {"A": inside}}).verdict == REPRODUCED
    assert judge(entry(check), {"m": {"A": [0.50, 0.51, 0.52]}}).verdict == NOT_REPRODUCED
    assert judge(entry(check), {"m": {"A": [0.90, 1.06]}}).verdict == INCONCLUSIVE
    shifted = [x + 0.004 for x in inside]  # mean 0.986: interval [0.981, 0.991] crosses 0.988
    assert judge(entry(check), {"m": {"A": shifted}}).verdict == INCONCLUSIVE


def test_too_few_values_are_inconclusive_and_one_failure_decides_the_entry():
    target = TargetCheck("m", "A", target=1.0, error=0.0, tolerance=0.5)
    assert judge(entry(target), {"m": {"A": [1.0]}}).verdict == INCONCLUSIVE
    assert judge(entry(order("A > B")), {"m": {"A": [3.0, 4.0]}}).verdict == INCONCLUSIVE
    mixed = judge(entry(target, order("A > B")), {"m": {"A": [1.0, 1.0, 1.0], "B": [5.0, 5.0, 5.0]}})
    assert [c.verdict for c in mixed.checks] == [REPRODUCED, NOT_REPRODUCED] and mixed.verdict == NOT_REPRODUCED
