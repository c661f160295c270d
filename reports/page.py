"""The report page: sections return :class:`Part` s (files plus an HTML fragment) and ``index.html``
puts them together, grouped by setting, with every figure embedded as a base64 PNG so the page opens
correctly on its own."""

from __future__ import annotations

import base64
import html
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from memgan_bench.atomic import atomic_write, atomic_write_text

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; border-top: 2px solid #222; border-bottom: 2px solid #222; margin: .5em 0; }
thead th { border-bottom: 1px solid #222; }
.scroll { overflow-x: auto; }
table { font-size: .92em; }
th, td { padding: .25em .6em; text-align: right; font-variant-numeric: tabular-nums; }
td { white-space: nowrap; } th { vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; font-size: .9em; max-width: 60em; }
figure { margin: .5em 0 1.5em; } figure img { max-width: 100%; } figcaption { color: #555; font-size: .9em; }
"""


@dataclass
class Part:
    """One item of the report: a title, the files it wrote, its ``index.html`` fragment and the setting
    (dataset · scenario) it belongs to (None: a section over all runs)."""

    title: str
    files: list[Path]
    html: str
    setting: Optional[str] = None
    notes: list[str] = field(default_factory=list)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def show_grid(ax, path: Path) -> None:
    """A run's sample grid in ``ax``; a grid that cannot be read is a line on stderr and an empty cell
    saying so (the rest of the figure is drawn)."""
    from memgan_bench.errors import UserError
    from memgan_bench.rundir import RunDir

    try:
        ax.imshow(RunDir.grid_pixels(path))
    except UserError as err:
        print(f"report: left out {err}", file=sys.stderr)
        ax.text(0.5, 0.5, "unreadable", ha="center", va="center", transform=ax.transAxes)


def save_figure(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG atomically and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))
    return path


def embedded_image(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def figure_part(fig, path: Path, title: str, caption: str = "", setting: Optional[str] = None) -> Part:
    """Save ``fig`` to ``path`` and return it as a Part whose fragment embeds the PNG."""
    save_figure(fig, path)
    fragment = f"<figure>{embedded_image(path, title)}<figcaption>{html.escape(caption)}</figcaption></figure>"
    return Part(title, [path], fragment, setting)


def write_index(df: pd.DataFrame, parts: list[Part], out: Path, options) -> Path:
    """``out/index.html``: a summary line, then each setting's parts under its heading, then the parts
    over all runs."""
    runs, variants = df["run_dir"].nunique(), df["variant"].nunique()
    ci = "Student t" if options.ci == "t" else "percentile bootstrap"
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>memgan-bench report</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>memgan-bench report</h1>",
             f'<p class="note">{runs} runs, {variants} variants. Intervals: {int(options.confidence * 100)} % '
             f"confidence intervals of the mean over seeds ({ci}).</p>"]
    settings = list(dict.fromkeys(part.setting for part in parts if part.setting is not None))
    groups = [(setting, [p for p in parts if p.setting == setting]) for setting in settings]
    groups.append(("All runs", [p for p in parts if p.setting is None]))
    for heading, group in groups:
        if not group:
            continue
        lines.append(f"<h2>{html.escape(heading)}</h2>")
        for part in group:
            lines += [f"<h3>{html.escape(part.title)}</h3>", part.html]
            lines += [f'<p class="note">{html.escape(note)}</p>' for note in part.notes]
    lines.append("</body></html>")
    path = out / "index.html"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path
