"""A run's long-format results log (reference: docs/runs.md; its place in the run directory:
:mod:`memgan_bench.rundir`).

One row per measurement: ``run_id, method, scenario, dataset, seed, step, experience, metric, value``. The log
is append-only: each ``add`` appends its rows, flushed and fsynced, so a killed run loses no row it had
written; a torn last line (a kill mid-append) is ignored on read and cut off before the next append. Resuming
truncates the log to the rows that existed when the checkpoint was written, so no row is logged twice.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from memgan_bench.atomic import naming
from memgan_bench.errors import UserError

ROW_FIELDS = ("run_id", "method", "scenario", "dataset", "seed", "step", "experience", "metric", "value")
HEADER = ",".join(ROW_FIELDS) + "\n"


def format_row(row: dict) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([row[field] for field in ROW_FIELDS])
    return buffer.getvalue()


class ResultsLog:
    """Rows of one run, appended to its results file; ``count`` is the number of rows in it."""

    def __init__(self, path: str | Path, identity: dict, keep: int = 0):
        """Continue the log at ``path`` after its first ``keep`` rows (the rows a checkpoint counted);
        any later rows, and a torn last line, are cut off. ``keep=0`` starts an empty log."""
        self.path = Path(path)
        self.identity = {key: identity[key] for key in ("run_id", "method", "scenario", "dataset", "seed")}
        self.count = keep
        if keep == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.unlink(missing_ok=True)
            return
        if not self.path.exists():
            raise UserError(f"{self.path} is missing but the checkpoint counts {keep} rows in it")
        found = len(read_rows(self.path))
        if keep > found:
            raise UserError(f"{self.path} holds {found} rows but the checkpoint counts {keep}")
        with open(self.path, "r+b") as handle:
            handle.truncate(_line_ends(self.path)[keep])
            os.fsync(handle.fileno())

    def add(self, step: int, experience: int, values: dict[str, float]) -> None:
        text = "".join(format_row({**self.identity, "step": int(step), "experience": int(experience),
                                   "metric": metric, "value": float(value)}) for metric, value in values.items())
        self._append(text)
        self.count += len(values)

    def _append(self, text: str) -> None:
        with naming(self.path), open(self.path, "a", encoding="utf-8", newline="") as handle:
            if handle.tell() == 0:
                handle.write(HEADER)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())


def _line_ends(path: Path) -> list[int]:
    """Byte offset just past the header and past each complete row (a final line without a newline is
    torn, not counted)."""
    ends, offset = [], 0
    with open(path, "rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                offset += len(line)
                ends.append(offset)
    return ends


def _parse_row(record: list[str], path: Path, line: int) -> dict:
    if len(record) != len(ROW_FIELDS):
        raise UserError(f"{path} line {line}: expected {len(ROW_FIELDS)} fields, found {len(record)}")
    row = dict(zip(ROW_FIELDS, record))
    try:
        row.update(seed=int(row["seed"]), step=int(row["step"]), experience=int(row["experience"]),
                   value=float(row["value"]))
    except ValueError as err:
        raise UserError(f"{path} line {line}: {err}") from None
    return row


def read_rows(path: str | Path) -> list[dict]:
    """The complete rows of a results file (typed: seed/step/experience int, value float); a torn
    last line is skipped, anything else malformed is a one-line :class:`UserError` naming the line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UserError(f"{path} is a directory, not a results file") from None
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{path} is not UTF-8 text (byte {err.start})") from None
    *lines, _torn = text.split("\n")  # text after the last newline is a line torn by a kill mid-append
    lines = [line.removesuffix("\r") for line in lines]
    if not lines or lines[0] != HEADER.strip():
        raise UserError(f"{path} is not a results file: its first line must be '{HEADER.strip()}'")
    try:
        records = list(csv.reader(lines[1:], strict=True))
    except csv.Error as err:
        raise UserError(f"{path}: {err}") from None
    return [_parse_row(record, path, number) for number, record in enumerate(records, start=2)]
