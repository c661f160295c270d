"""Reports: read any set of run directories into one long-format pandas DataFrame, then write tables
and figures. Each report section is a module of this package registered in
:data:`memgan_bench.registry.REPORT_SECTIONS`; a section
writes what applies to the runs it is given and returns its :class:`reports.page.Part` s (files plus
their fragment of ``index.html``), in the order of ``ORDER``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

import pandas as pd

from memgan_bench.errors import UserError
from memgan_bench.registry import METHODS, REPORT_SECTIONS, REPORTS
from memgan_bench.results import ROW_FIELDS
from memgan_bench.rundir import RunDir, find_runs

ORDER = ("reproduction", "tables", "curves", "final", "samples", "continual", "appendix")  # sections not named here go last
NOT_VARIANT_KEYS = ("seed", "name", "device")  # runs that differ only in these are repeats of one config
SETTING = ["dataset", "scenario"]


@dataclass(frozen=True)
class ReportOptions:
    """``ci``: ``t`` (Student t) or ``bootstrap`` intervals; ``reference``: the variant the others are
    tested against (a variant label, or a method name with one variant in the setting), or several, each
    setting taking the first it has (:func:`resolve_reference`)."""

    ci: str = "t"
    reference: Optional[str | tuple[str, ...]] = None
    confidence: float = 0.95


def _flat(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def method_label(run_dir: str | Path, method: str) -> str:
    """The run's method as a table names it: ``pacgan<m>`` for DCGAN with packing m > 1 (PacGAN's name),
    ``memorygan (paper text)`` for MemoryGAN with ``fidelity: paper`` (plain ``memorygan`` being the
    authors' code); in a class-incremental stream the method's ``stream_name`` (``SFT`` for the plain
    conditional GAN, as in the MeRGAN paper), ``EWC`` for SFT with the EWC regulariser (``+EWC`` after any
    other method) and ``JT`` for SFT on a cumulative stream (joint training on every class seen so far;
    `` JT`` after any other method)."""
    cfg = RunDir(run_dir).saved_config()
    model = cfg.get("model") or {}
    scenario = cfg.get("scenario") or {}
    pack = model.get("pack", 1)
    label = f"pacgan{pack}" if method == "dcgan" and pack > 1 else method
    if method == "memorygan" and model.get("fidelity") == "paper":
        label += " (paper text)"
    if scenario.get("name") == "class-incremental" and method in METHODS.names():
        label = METHODS.get(method).stream_name or label
    if "ewc" in (cfg.get("plugins") or {}):
        label = "EWC" if label == "SFT" else f"{label}+EWC"
    if scenario.get("cumulative"):
        label = "JT" if label == "SFT" else f"{label} JT"
    return label


def variant_labels(run_dirs: list[Path], methods: dict[Path, str]) -> dict[Path, str]:
    """A label per run: its name in ``methods`` (the method, or a coarser label), followed by the config
    keys (from each run's saved config) in which runs of that name differ, seeds aside, e.g.
    ``memorygan [model.mcgn=False, model.update=em]``. Runs of one config share a label, so tables
    average seeds and never ablations."""
    configs = {run_dir: {k: v for k, v in _flat(RunDir(run_dir).saved_config()).items() if k not in NOT_VARIANT_KEYS}
               for run_dir in run_dirs}
    labels = {}
    for run_dir in run_dirs:
        peers = [configs[d] for d in run_dirs if methods[d] == methods[run_dir]]
        keys = sorted({k for c in peers for k in c if any(c.get(k) != p.get(k) for p in peers)})
        own = configs[run_dir]
        details = ", ".join(f"{k}={own.get(k, '-')}" for k in keys)
        labels[run_dir] = f"{methods[run_dir]} [{details}]" if details else methods[run_dir]
    return labels


def load_runs(paths: Iterable[str | Path]) -> pd.DataFrame:
    """All rows of all runs below ``paths`` with the run's ``status``, directory and ``variant`` label
    (:func:`variant_labels` of :func:`method_label` among the runs of its setting) added. A run whose files
    cannot be read is left out and named in ``df.attrs["unreadable"]`` ({run directory: the reason}); when
    no run can be read, the first reason is the error."""
    frames, run_dirs, unreadable = [], [], {}
    for run_dir in find_runs(paths, require=("results",)):
        run = RunDir(run_dir)
        try:
            rows, status = run.rows(), run.status()
            run.saved_config()  # read again for the variant labels
        except UserError as err:
            unreadable[str(run_dir)] = str(err)
            continue
        frame = pd.DataFrame(rows, columns=ROW_FIELDS).astype(
            {"seed": int, "step": int, "experience": int, "value": float})
        frame["status"] = status
        frame["run_dir"] = str(run_dir)
        frames.append(frame)
        run_dirs.append(run_dir)
    if not frames and unreadable:
        first = next(iter(unreadable.values()))
        raise UserError(first if len(unreadable) == 1 else f"none of the {len(unreadable)} runs can be read: {first}")
    if not frames:
        raise UserError(f"no runs (with results) found under {', '.join(map(str, paths))}")
    df = pd.concat(frames, ignore_index=True)
    methods, by_setting = {}, {}
    for run_dir, frame in zip(run_dirs, frames):
        if len(frame):
            methods[run_dir] = method_label(run_dir, str(frame["method"].iloc[0]))
            by_setting.setdefault(tuple(frame[SETTING].iloc[0]), []).append(run_dir)
    labels = {d: label for dirs in by_setting.values() for d, label in variant_labels(dirs, methods).items()}
    df = df.assign(variant=df["run_dir"].map({str(d): label for d, label in labels.items()}))
    df.attrs["unreadable"] = unreadable
    return df


def settings(df: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """(title, rows) per setting (dataset × scenario), e.g. ``fashion-mnist · unsupervised``."""
    for (dataset, scenario), rows in df.groupby(SETTING, sort=True):
        yield f"{dataset} · {scenario}", rows


def slug(title: str) -> str:
    """A file-name part for a setting title: ``fashion-mnist_unsupervised``."""
    return "_".join(part.strip().replace(" ", "-") for part in title.split("·"))


def references_of(reference: str | Sequence[str]) -> tuple[str, ...]:
    """``--reference`` as given: one label, or several (one per kind of setting, first match wins)."""
    return (reference,) if isinstance(reference, str) else tuple(reference)


def resolve_reference(df: pd.DataFrame, reference: str | Sequence[str]) -> dict[str, str]:
    """The reference variant of each setting title: the variant labelled ``reference``, else the one
    variant of method ``reference``; with several references, the first that the setting has (e.g.
    ``dcgan`` for the unsupervised settings and ``SFT`` for a stream). A reference found in no setting is
    a user error."""
    def matches(variants, candidate: str) -> list[str]:
        return [v for v in variants if v == candidate] or [v for v in variants if v.split(" [")[0] == candidate]

    found = {}
    for title, rows in settings(df):
        variants = sorted(rows["variant"].unique())
        for candidate in references_of(reference):
            hits = matches(variants, candidate)
            if len(hits) > 1:
                raise UserError(f"--reference {candidate!r} matches several variants in {title}: {', '.join(hits)}")
            if hits:
                found[title] = hits[0]
                break
    every = sorted(df["variant"].unique())
    for candidate in references_of(reference):
        if not matches(every, candidate):
            raise UserError(f"--reference {candidate!r} is no variant of these runs (variants: {', '.join(every)})")
    return found


def write_report(df: pd.DataFrame, out_dir: str | Path, options: ReportOptions = ReportOptions()) -> list[Path]:
    """Run every report section, then the page ``index.html`` holding all their tables and figures;
    returns the files written."""
    from reports.page import write_index

    if options.reference is not None:
        resolve_reference(df, options.reference)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(REPORT_SECTIONS.names(), key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    parts = [part for name in names for part in REPORT_SECTIONS.get(name)(df, out, options)]
    return [path for part in parts for path in part.files] + [write_index(df, parts, out, options)]


@REPORTS.register("report")
def report(paths: Iterable[str | Path], out_dir: str | Path, ci: str = "t", reference: Optional[str | tuple[str, ...]] = None
           ) -> list[Path]:
    """The report of ``memgan-bench report`` and ``sweep``: :func:`write_report` of the runs below ``paths``
    into ``out_dir`` (``ci``, ``reference``: :class:`ReportOptions`); returns the files written. Each run
    left out as unreadable is one line on stderr (and listed under the tables)."""
    df = load_runs(paths)
    for run_dir, reason in df.attrs["unreadable"].items():
        print(f"report: left out unreadable run {run_dir}: {reason}", file=sys.stderr)
    return write_report(df, out_dir, ReportOptions(ci=ci, reference=reference))
