"""Reproduction entries: one YAML file per published claim in ``reproductions/`` (reference:
docs/reproductions.md), read strictly.

An entry names its source (paper, table or figure, row), the configs it runs under labels, the seeds, the
scale (``cpu`` or ``paper``), overrides applied alike to every config, and its checks:

- an ordering of one metric's final values, e.g. ``SFT < EWC < JTR ≈ RA`` (``>``, ``<``, ``≈`` or ``~``
  between run labels; ``≈`` needs ``margin``, the largest difference of means that still counts as equal);
- a target: the published value of one run's metric with its published error and a ``tolerance``
  (≥ the error), the half-width of the band the measured mean must lie in.

Every field is checked when the file is read: an unknown key, a wrong type, a missing config, a label or
metric that does not exist, is a :class:`UserError` naming the file and the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from memgan_bench.config import read_yaml
from memgan_bench.errors import UserError
from memgan_bench.metrics.names import METRICS

ROOT = Path(__file__).resolve().parents[1]  # relative config paths are relative to the project root
ENTRIES = ROOT / "reproductions"
SCALES = ("cpu", "paper")
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*")
RELATIONS = {">": ">", "<": "<", "≈": "≈", "~": "≈"}
RELATION_SPLIT = re.compile(r"\s*(>|<|≈|~)\s*")
RESERVED = ("list",)  # subcommand words an entry cannot be called


@dataclass(frozen=True)
class Source:
    paper: str
    where: str  # table or figure and row(s)


@dataclass(frozen=True)
class OrderCheck:
    """``relations``: the adjacent pairs of the chain, (left label, ``>``/``<``/``≈``, right label)."""

    metric: str
    order: str
    relations: tuple[tuple[str, str, str], ...]
    margin: Optional[float] = None
    published: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetCheck:
    metric: str
    run: str
    target: float
    error: float
    tolerance: float


Check = Union[OrderCheck, TargetCheck]


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    title: str
    claim: str
    source: Source
    scale: str
    seeds: tuple[int, ...]
    runs: dict[str, Path]  # label -> config file
    overrides: tuple[str, ...]
    checks: tuple[Check, ...]
    notes: str = ""


class _Fields:
    """Reads one mapping of an entry, each key at most once, and refuses the keys it did not read."""

    def __init__(self, file: Path, tree, where: str):
        self.file, self.where = file, where
        if not isinstance(tree, dict):
            self.fail("", f"must be a mapping, not {type(tree).__name__}")
        self.tree, self.read = tree, set()

    def fail(self, key: str, problem: str):
        name = f"{self.where}.{key}" if self.where and key else (self.where or key)
        subject = f"field '{name}' " if name else ""
        raise UserError(f"reproduction entry {self.file}: {subject}{problem}")

    def get(self, key: str, required: bool = True):
        self.read.add(key)
        if key not in self.tree or self.tree[key] is None:
            if required:
                self.fail(key, "is missing")
            return None
        return self.tree[key]

    def text(self, key: str, required: bool = True) -> Optional[str]:
        value = self.get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be non-empty text")
        return value.strip()

    def number(self, key: str, required: bool = True, positive: bool = False) -> Optional[float]:
        value = self.get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(key, f"must be a finite number, not {value!r}")
        if value < 0 or (positive and value == 0):
            self.fail(key, f"must be {'> 0' if positive else '>= 0'}, not {value!r}")
        return float(value)

    def done(self) -> None:
        unknown = sorted(set(map(str, self.tree)) - self.read)
        if unknown:
            self.fail(unknown[0], "is not a known field")


def load_entry(path: str | Path) -> Entry:
    """The entry in ``path``, validated completely (see the module docstring)."""
    path = Path(path)
    name = path.stem
    fields = _Fields(path, read_yaml(path), "")
    if not NAME.fullmatch(name) or name in RESERVED:
        fields.fail("", f"has a file name {name!r} that is no entry name (lower-case letters, digits and "
                        f"'-', not {', '.join(RESERVED)})")
    title, claim = fields.text("title"), fields.text("claim")
    source_fields = _Fields(path, fields.get("source"), "source")
    source = Source(source_fields.text("paper"), source_fields.text("where"))
    source_fields.done()
    scale = fields.get("scale")
    if scale not in SCALES:
        fields.fail("scale", f"must be one of {', '.join(SCALES)}, not {scale!r}")
    seeds = _seeds(fields)
    runs = _runs(fields)
    overrides = _overrides(fields)
    checks = fields.get("checks")
    if not isinstance(checks, list) or not checks:
        fields.fail("checks", "must be a non-empty list")
    parsed = tuple(_check(path, check, f"checks[{i}]", runs) for i, check in enumerate(checks))
    notes = fields.text("notes", required=False) or ""
    fields.done()
    return Entry(name, path, title, claim, source, scale, seeds, runs, overrides, parsed, notes)


def _seeds(fields: _Fields) -> tuple[int, ...]:
    seeds = fields.get("seeds")
    if not isinstance(seeds, list) or len(seeds) < 2:
        fields.fail("seeds", "must be a list of at least 2 seeds (a verdict needs intervals)")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            fields.fail("seeds", f"must hold integers >= 0, not {seed!r}")
    if len(set(seeds)) != len(seeds):
        fields.fail("seeds", "repeats a seed")
    return tuple(seeds)


def _runs(fields: _Fields) -> dict[str, Path]:
    runs = fields.get("runs")
    if not isinstance(runs, dict) or not runs:
        fields.fail("runs", "must map run labels to config files")
    resolved: dict[str, Path] = {}
    for label, config in runs.items():
        if not isinstance(label, str) or not LABEL.fullmatch(label):
            fields.fail("runs", f"has label {label!r}: a label starts with a letter and holds letters, digits, "
                                "'_', '.', '+' or '-'")
        if not isinstance(config, str) or not config.endswith(".yaml"):
            fields.fail(f"runs.{label}", f"must be a .yaml config file, not {config!r}")
        file = Path(config) if Path(config).is_absolute() else ROOT / config
        if not file.is_file():
            fields.fail(f"runs.{label}", f"names a config that does not exist: {config}")
        resolved[label] = file
    stems = [file.stem for file in resolved.values()]
    if len(set(stems)) != len(stems):
        fields.fail("runs", "has two configs with one file stem (their runs would share a run directory)")
    return resolved


def _overrides(fields: _Fields) -> tuple[str, ...]:
    overrides = fields.get("overrides", required=False) or []
    if not isinstance(overrides, list):
        fields.fail("overrides", "must be a list of 'key=value' texts")
    for item in overrides:
        if not isinstance(item, str) or "=" not in item or not item.split("=", 1)[0].strip():
            fields.fail("overrides", f"must hold 'key=value' texts, not {item!r}")
        if item.split("=", 1)[0].strip() == "seed":
            fields.fail("overrides", "may not set 'seed' (the entry's seeds are its field 'seeds')")
    return tuple(overrides)


def _metric(fields: _Fields) -> str:
    metric = fields.text("metric")
    if metric not in METRICS:
        fields.fail("metric", f"is {metric!r}, no headline metric (known: {', '.join(METRICS)})")
    return metric


def _check(path: Path, tree, where: str, runs: dict[str, Path]) -> Check:
    fields = _Fields(path, tree, where)
    if "order" in tree and "target" in tree:
        fields.fail("", "has both 'order' and 'target'; a check is one of them")
    if "order" not in tree and "target" not in tree:
        fields.fail("", "needs 'order' (e.g. 'A > B ≈ C') or 'target'")
    metric = _metric(fields)
    if "target" in tree:
        run = fields.text("run")
        if run not in runs:
            fields.fail("run", f"is {run!r}, not a label of 'runs' ({', '.join(runs)})")
        target = fields.get("target")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
            fields.fail("target", f"must be a finite number, not {target!r}")
        error = fields.number("error")
        tolerance = fields.number("tolerance", positive=True)
        if tolerance < error:
            fields.fail("tolerance", f"({tolerance:g}) is below the published error ({error:g})")
        fields.done()
        return TargetCheck(metric, run, float(target), error, tolerance)
    order = fields.text("order")
    relations = parse_order(order, runs, lambda problem: fields.fail("order", problem))
    needs_margin = any(relation == "≈" for _, relation, _ in relations)
    margin = fields.number("margin", required=needs_margin, positive=True)
    if margin is not None and not needs_margin:
        fields.fail("margin", "is given but the order has no '≈'")
    published = fields.get("published", required=False) or {}
    if not isinstance(published, dict):
        fields.fail("published", "must map run labels to the published values")
    for label, value in published.items():
        if label not in runs:
            fields.fail("published", f"names {label!r}, not a label of 'runs'")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            fields.fail(f"published.{label}", f"must be a number or text, not {value!r}")
    fields.done()
    return OrderCheck(metric, order, relations, margin, {k: str(v).strip() for k, v in published.items()})


def parse_order(order: str, runs, fail) -> tuple[tuple[str, str, str], ...]:
    """``'A > B ≈ C'`` → ((A, >, B), (B, ≈, C)); ``fail(problem)`` is called on a malformed chain."""
    parts = RELATION_SPLIT.split(order.strip())
    labels, relations = parts[0::2], parts[1::2]
    if not relations:
        fail(f"{order!r} has no relation (>, <, ≈ or ~) between run labels")
    for label in labels:
        if label not in runs:
            fail(f"names {label!r}, not a label of 'runs' ({', '.join(runs)})")
    if len(set(labels)) != len(labels):
        fail(f"{order!r} names a run twice")
    return tuple((labels[i], RELATIONS[relations[i]], labels[i + 1]) for i in range(len(relations)))


def entry_files(folder: str | Path = ENTRIES) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"no reproductions folder: {folder}")
    return sorted(folder.glob("*.yaml"))


def load_entries(folder: str | Path = ENTRIES) -> list[Entry]:
    return [load_entry(path) for path in entry_files(folder)]


def find_entry(name: str, folder: str | Path = ENTRIES) -> Entry:
    path = Path(folder) / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(path.stem for path in entry_files(folder))
        raise UserError(f"no reproduction entry {name!r} (entries: {known}; `memgan-bench reproduce list`)")
    return load_entry(path)
