"""Verdicts of reproduction entries (:mod:`memgan_bench.reproductions`) from the runs' final values.

Each check ends ``reproduced``, ``not reproduced`` or ``inconclusive``; an entry is not reproduced when
one of its checks is not, reproduced when all are, inconclusive otherwise. α = 0.05 throughout.

- Target: the measured mean's 95 % Student-t interval over seeds against the band target ± tolerance
  (an interval-inclusion equivalence test): inside the band → reproduced; disjoint from it → not
  reproduced; overlapping its edge (too wide to tell) → inconclusive.
- Order, per adjacent pair of the chain: ``A > B`` / ``A < B`` hold when Welch's t-test, Holm-corrected
  over every ``>``/``<`` pair of the entry, rejects equal means (p̃ < α) with the difference in the
  claimed direction, and are contradicted when it rejects with the difference the other way; ``A ≈ B``
  holds when the 95 % Welch interval of mean(A) − mean(B) lies within ±margin and is contradicted when
  it lies wholly outside. Anything else is undecided. A check holds when every pair holds and fails
  when one is contradicted. Two groups of zero variance (e.g. every seed covers all 8 modes) are
  compared exactly: p = 0 when their values differ, 1 when equal.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from memgan_bench.reproductions import OrderCheck
from reports.stats import holm, mean_interval, welch_interval, welch_p

ALPHA = 0.05
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
HOLDS, CONTRADICTED, UNDECIDED = "holds", "contradicted", "undecided"


@dataclass
class Estimate:
    """Mean of a run label's final values over seeds with its 95 % Student-t interval (NaN for n < 2)."""

    n: int
    mean: float
    low: float
    high: float


@dataclass
class CheckVerdict:
    kind: str  # "order" or "target"
    metric: str
    claim: str  # "SFT < EWC < JTR ≈ RA" or "PacGAN2 = 7.9 ± 0.3"
    verdict: str
    details: list[str]
    measured: dict[str, Estimate]
    published: dict[str, str] = field(default_factory=dict)


@dataclass
class EntryVerdict:
    name: str
    verdict: str
    checks: list[CheckVerdict]

    def to_dict(self) -> dict:
        return asdict(self)


def estimate(values) -> Estimate:
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return Estimate(0, math.nan, math.nan, math.nan)
    mean, low, high = mean_interval(x, "t", 1 - ALPHA)
    return Estimate(len(x), mean, low, high)


def pair_p(a, b) -> float:
    """Welch's two-sided p; exact (0 or 1) for two zero-variance groups; NaN when a group has n < 2."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return math.nan
    if a.std() == 0 and b.std() == 0:
        return 0.0 if a.mean() != b.mean() else 1.0
    return welch_p(a, b)


def combine(outcomes: list[str]) -> str:
    """Check verdict from its parts' outcomes (holds / contradicted / undecided, or verdicts)."""
    if any(outcome in (CONTRADICTED, NOT_REPRODUCED) for outcome in outcomes):
        return NOT_REPRODUCED
    if outcomes and all(outcome in (HOLDS, REPRODUCED) for outcome in outcomes):
        return REPRODUCED
    return INCONCLUSIVE


def judge_target(check, values: dict[str, list[float]]) -> CheckVerdict:
    measured = estimate(values.get(check.run, []))
    low_band, high_band = check.target - check.tolerance, check.target + check.tolerance
    claim = f"{check.run} = {check.target:g} (published ± {check.error:g}; tolerance ± {check.tolerance:g})"
    if measured.n < 2:
        verdict, why = INCONCLUSIVE, f"n = {measured.n}: no interval"
    elif low_band <= measured.low and measured.high <= high_band:
        verdict, why = REPRODUCED, "interval inside the band"
    elif measured.high < low_band or measured.low > high_band:
        verdict, why = NOT_REPRODUCED, "interval outside the band"
    else:
        verdict, why = INCONCLUSIVE, "interval overlaps the band's edge"
    detail = (f"measured {measured.mean:.4g} [{measured.low:.4g}, {measured.high:.4g}] (n = {measured.n}) "
              f"vs band [{low_band:.4g}, {high_band:.4g}]: {why}")
    return CheckVerdict("target", check.metric, claim, verdict, [detail], {check.run: measured},
                        {check.run: f"{check.target:g} ± {check.error:g}"})


def judge(entry, values: dict[str, dict[str, list[float]]]) -> EntryVerdict:
    """The entry's verdict; ``values[metric][label]``: the final values of that run label's seeds (NaN
    values dropped by the caller)."""
    directional = [(i, j) for i, check in enumerate(entry.checks) if isinstance(check, OrderCheck)
                   for j, (_, relation, _) in enumerate(check.relations) if relation != "≈"]
    raw = {}
    for i, j in directional:
        check = entry.checks[i]
        left, _, right = check.relations[j]
        metric_values = values.get(check.metric, {})
        raw[i, j] = pair_p(metric_values.get(left, []), metric_values.get(right, []))
    adjusted = dict(zip(directional, holm([raw[key] for key in directional])))
    verdicts = []
    for i, check in enumerate(entry.checks):
        metric_values = values.get(check.metric, {})
        if not isinstance(check, OrderCheck):
            verdicts.append(judge_target(check, metric_values))
            continue
        outcomes, details = [], []
        for j, (left, relation, right) in enumerate(check.relations):
            a, b = metric_values.get(left, []), metric_values.get(right, [])
            if relation == "≈":
                outcome, detail = _equal(a, b, check.margin)
            else:
                outcome, detail = _ordered(a, b, relation, raw[i, j], adjusted[i, j])
            outcomes.append(outcome)
            details.append(f"{left} {relation} {right}: {detail} → {outcome}")
        measured = {label: estimate(metric_values.get(label, [])) for label in _labels(check)}
        verdicts.append(CheckVerdict("order", check.metric, check.order, combine(outcomes), details, measured,
                                     dict(check.published)))
    return EntryVerdict(entry.name, combine([v.verdict for v in verdicts]), verdicts)


def _labels(check) -> list[str]:
    return [check.relations[0][0]] + [right for _, _, right in check.relations]


def _ordered(a, b, relation: str, p: float, p_holm: float) -> tuple[str, str]:
    if len(a) < 2 or len(b) < 2:
        return UNDECIDED, f"n = {len(a)}, {len(b)}: no test"
    difference = float(np.mean(a) - np.mean(b))
    text = f"difference {difference:.4g}, Welch p = {p:.3g}, Holm p = {p_holm:.3g}"
    if not p_holm < ALPHA:
        return UNDECIDED, text + " (not significant)"
    claimed = difference > 0 if relation == ">" else difference < 0
    return (HOLDS if claimed else CONTRADICTED), text


def _equal(a, b, margin: float) -> tuple[str, str]:
    low, high = welch_interval(a, b, 1 - ALPHA)
    if math.isnan(low):
        return UNDECIDED, f"n = {len(a)}, {len(b)}: no interval"
    text = f"difference in [{low:.4g}, {high:.4g}] vs margin ± {margin:g}"
    if -margin <= low and high <= margin:
        return HOLDS, text
    if low > margin or high < -margin:
        return CONTRADICTED, text
    return UNDECIDED, text + " (too wide to tell)"


def cell(estimate_: Estimate) -> str:
    """``mean [low, high] (n)`` of a measured value."""
    if estimate_.n == 0:
        return "–"
    if math.isnan(estimate_.low):
        return f"{estimate_.mean:.4g} (n={estimate_.n})"
    return f"{estimate_.mean:.4g} [{estimate_.low:.4g}, {estimate_.high:.4g}] (n={estimate_.n})"


def markdown(entry, result: EntryVerdict) -> str:
    """The verdict as Markdown: per check, published against measured per run label, and the reasons."""
    lines = [f"## {entry.name}: {result.verdict}", "", f"{entry.title}. Source: {entry.source.paper}, "
             f"{entry.source.where}. Claim: {entry.claim}", "",
             "| check | metric | run | published | measured (mean [95 % CI] (n)) | verdict |",
             "|---|---|---|---|---|---|"]
    for check in result.checks:
        for k, (label, measured) in enumerate(check.measured.items()):
            first = k == 0
            lines.append(f"| {check.claim if first else ''} | {check.metric if first else ''} | {label} | "
                         f"{check.published.get(label, '–')} | {cell(measured)} | {check.verdict if first else ''} |")
    lines.append("")
    lines += [f"- {detail}" for check in result.checks for detail in check.details]
    if entry.notes:
        lines += ["", entry.notes]
    return "\n".join(lines) + "\n"
