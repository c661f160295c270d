"""How often a MemoryGAN run falls into the memory's absorbing state (docs/results.md, Table 2).

The state: every real query's top-k neighbourhood S holds only fake-valued slots, so every real query is reset
(``diag/mem_reset_rate`` = 0.5, the real half of the 2B queries of a D step) and D(x) = clip(Σ p_i v_i, ε, 1 − ε)
sits at ε for real and fake alike; the clip passes no gradient to the query head, so nothing pulls the run out.
A logged row is *in the state* when all three hold:

    reset_rate ≥ 0.45,   D(real) ≤ 10 ε,   D(fake) ≤ 10 ε      (ε: the run's ``model.eps``, the memory's clip)

Per run this reports the first step in the state, the share of logged rows in it, and whether the run ends in
it (its last logged row); per config (run directories ``<config>-s<seed>``, seeds pooled), how many runs
entered it and ended in it. Run as ``memgan-bench analyze absorbing RUN_DIR_OR_PARENT... [--json]``.

It also reports a second stall, *collapsed queries* (docs/memorygan.md, the 2-D ring): the real and fake
queries point one way, the memory answers alike for every input (D(real) = D(fake), anywhere in (ε, 1 − ε)) and
half the queries are reset. A logged row has collapsed queries when

    reset_rate ≥ 0.45,   query_cos ≥ 0.99      (``diag/query_cos``: mean cosine of the step's real–fake query pairs)

counted over the runs that log ``diag/query_cos`` (None for the others).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from memgan_bench.errors import UserError
from memgan_bench.registry import REPORTS
from memgan_bench.rundir import RunDir, find_runs
from reports.stats import wilson

RESET_RATE_MIN = 0.45
CLIP_MULTIPLE = 10
QUERY_COS_MIN = 0.99
METRICS = ("diag/mem_reset_rate", "diag/d_real", "diag/d_fake")
QUERY_COS = "diag/query_cos"


@dataclass(frozen=True)
class RunState:
    run_id: str
    config: str  # the run's name without its "-s<seed>" suffix (a sweep's config stem)
    dataset: str
    fidelity: str
    seed: int
    logged_rows: int
    first_step: int | None  # first logged step in the state; None: never
    share_in_state: float  # of logged rows
    ends_in_state: bool
    collapsed_first_step: int | None = None  # first logged step with collapsed queries; None: never or not logged
    collapsed_share: float | None = None  # of the rows that log diag/query_cos; None: the run logs none


def in_state(reset_rate: float, d_real: float, d_fake: float, eps: float) -> bool:
    return reset_rate >= RESET_RATE_MIN and max(d_real, d_fake) <= CLIP_MULTIPLE * eps


def queries_collapsed(reset_rate: float, query_cos: float) -> bool:
    return reset_rate >= RESET_RATE_MIN and query_cos >= QUERY_COS_MIN


def run_state(run_dir: Path) -> RunState:
    """The absorbing-state record of one MemoryGAN run directory (its results and saved config)."""
    rows = [row for row in RunDir(run_dir).rows() if row["metric"] in (*METRICS, QUERY_COS)]
    if not any(row["metric"] == METRICS[0] for row in rows):
        raise UserError(f"{run_dir}: no {METRICS[0]} rows; is it a MemoryGAN run that has logged?")
    by_step: dict[int, dict[str, float]] = {}
    for row in rows:
        by_step.setdefault(row["step"], {})[row["metric"]] = row["value"]
    steps = sorted(step for step, values in by_step.items() if all(name in values for name in METRICS))
    model = _model_config(run_dir)
    flags = [in_state(*(by_step[step][name] for name in METRICS), eps=model["eps"]) for step in steps]
    cos_steps = [step for step in steps if QUERY_COS in by_step[step]]
    collapsed = [queries_collapsed(by_step[step][METRICS[0]], by_step[step][QUERY_COS]) for step in cos_steps]
    return RunState(run_id=rows[0]["run_id"], config=re.sub(r"-s\d+$", "", run_dir.name),
                    dataset=rows[0]["dataset"], fidelity=model["fidelity"], seed=rows[0]["seed"],
                    logged_rows=len(steps), first_step=_first(steps, flags), share_in_state=sum(flags) / len(steps),
                    ends_in_state=flags[-1], collapsed_first_step=_first(cos_steps, collapsed),
                    collapsed_share=sum(collapsed) / len(cos_steps) if cos_steps else None)


def _first(steps: list[int], flags: list[bool]) -> int | None:
    return next((step for step, flag in zip(steps, flags) if flag), None)


def _model_config(run_dir: Path) -> dict:
    """The resolved model section a run wrote (``fidelity``, ``eps``)."""
    run = RunDir(run_dir)
    model = run.saved_config().get("model") or {}
    if "fidelity" not in model or "eps" not in model:
        raise UserError(f"{run.config} has no model.fidelity / model.eps: not a resolved MemoryGAN config")
    return model


def run_dirs(paths: list[Path]) -> list[Path]:
    """The MemoryGAN run directories that have logged, at or below ``paths``."""
    found = [run for run in find_runs(paths, require=("config", "results"))
             if RunDir(run).saved_config().get("method") == "memorygan"]
    if not found:
        raise UserError(f"no MemoryGAN run directory under {', '.join(map(str, paths))}")
    return found


def summary(states: list[RunState]) -> list[dict]:
    """Per config (seeds pooled): n, runs that ever enter the state, runs that end in it, and (over the runs
    that log ``diag/query_cos``) runs whose queries ever collapse, each with a Wilson 95 % interval."""
    out = []
    for config in sorted({s.config for s in states}):
        group = [s for s in states if s.config == config]
        entered = sum(s.first_step is not None for s in group)
        ended = sum(s.ends_in_state for s in group)
        logging = [s for s in group if s.collapsed_share is not None]
        collapsed = sum(s.collapsed_first_step is not None for s in logging)
        out.append({"config": config, "dataset": group[0].dataset, "fidelity": group[0].fidelity, "n": len(group),
                    "entered": entered, "entered_ci": wilson(entered, len(group)),
                    "ended": ended, "ended_ci": wilson(ended, len(group)),
                    "n_query_cos": len(logging), "collapsed": collapsed,
                    "collapsed_ci": wilson(collapsed, len(logging)) if logging else None})
    return out


@REPORTS.register("absorbing")
def analyze(paths: list[Path], as_json: bool = False) -> str:
    """The per-config and per-run tables (Markdown, or JSON with ``as_json``) of the runs below ``paths``."""
    states = [run_state(run) for run in run_dirs(paths)]
    groups = summary(states)
    if as_json:
        return json.dumps({"runs": [asdict(s) for s in states], "summary": groups}, indent=1)
    lines = ["| config | data | fidelity | n | entered the state | 95 % CI | ends in it | 95 % CI "
             "| queries collapsed (of runs logging it) | 95 % CI |", "|---|---|---|---|---|---|---|---|---|---|"]
    for g in groups:
        collapsed, ci = (f"{g['collapsed']} of {g['n_query_cos']}", _interval(g["collapsed_ci"])) if g["n_query_cos"] \
            else ("–", "–")
        lines.append(f"| {g['config']} | {g['dataset']} | {g['fidelity']} | {g['n']} "
                     f"| {g['entered']} | {_interval(g['entered_ci'])} | {g['ended']} | {_interval(g['ended_ci'])} "
                     f"| {collapsed} | {ci} |")
    lines += ["", "| run | fidelity | first step in state | share of logged rows | ends in it "
              "| first step with collapsed queries | share |", "|---|---|---|---|---|---|---|"]
    for s in states:
        lines.append(f"| {s.run_id} | {s.fidelity} | {_step(s.first_step)} | {s.share_in_state:.2f} "
                     f"| {'yes' if s.ends_in_state else 'no'} | {_step(s.collapsed_first_step)} "
                     f"| {'–' if s.collapsed_share is None else f'{s.collapsed_share:.2f}'} |")
    return "\n".join(lines)


def _interval(ci: tuple[float, float]) -> str:
    return f"{ci[0]:.2f}–{ci[1]:.2f}"


def _step(step: int | None) -> str:
    return "–" if step is None else str(step)
