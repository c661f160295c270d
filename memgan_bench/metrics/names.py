"""What each logged metric is called in a report and which way is better: the one table of metric names.

A metric listed in ``METRICS`` is a headline metric (a column of the headline table, in this order).
``loss/*`` rows are the methods' losses and ``diag/*`` rows their diagnostics (``d_real``,
``mem_reset_rate``, …); both, and every metric not listed, appear only in table.csv and the appendix.
"""

from __future__ import annotations

from dataclasses import dataclass

LOWER, HIGHER = "lower", "higher"


@dataclass(frozen=True)
class MetricName:
    human: str
    better: str  # LOWER or HIGHER


METRICS: dict[str, MetricName] = {
    "fid": MetricName("FID", LOWER),
    "is_mean": MetricName("IS", HIGHER),
    "kid_mean": MetricName("KID", LOWER),
    "precision": MetricName("Precision", HIGHER),
    "recall": MetricName("Recall", HIGHER),
    "classes_covered": MetricName("Classes covered", HIGHER),
    "kl_class": MetricName("KL(class)", LOWER),
    "modes_covered": MetricName("Modes covered", HIGHER),
    "high_quality": MetricName("High-quality share", HIGHER),
    "reverse_kl": MetricName("Reverse KL (modes)", LOWER),
    "d_forgetting/mean_forgetting": MetricName("D forgetting", LOWER),
    "goof/gap": MetricName("GOoF gap", LOWER),
    "goof_spin/gap": MetricName("GOoF gap (spin codes)", LOWER),
    "cl/acc_avg": MetricName("Final acc.", HIGHER),
    "cl/acc_forgetting_max": MetricName("Forgetting (max)", LOWER),
    "cl/acc_forgetting_last": MetricName("Forgetting (last)", LOWER),
    "cl/acc_bwt": MetricName("BWT", HIGHER),
    "cl/reverse_acc": MetricName("Reverse acc.", HIGHER),
    "cl/fid": MetricName("FID", LOWER),
    "cl/kid": MetricName("KID", LOWER),
    "cl/seen_coverage": MetricName("Seen-class coverage", HIGHER),
    "cl/d_forgetting_past": MetricName("D forgetting", LOWER),
}
HEADLINE = list(METRICS)
ARROWS = {LOWER: "↓", HIGHER: "↑"}
LOSS, DIAGNOSTIC = "loss/", "diag/"


def human(metric: str) -> str:
    """The metric's name in a table or figure; unlisted metrics keep their logged name."""
    return METRICS[metric].human if metric in METRICS else metric


def header(metric: str) -> str:
    """Human name with the direction arrow, e.g. ``FID ↓``."""
    return f"{human(metric)} {ARROWS[METRICS[metric].better]}" if metric in METRICS else metric


def family(metric: str) -> str:
    """``loss``, ``diagnostic`` or ``metric``: the appendix groups its panels by this."""
    if metric.startswith(LOSS):
        return "loss"
    if metric.startswith(DIAGNOSTIC):
        return "diagnostic"
    return "metric"
