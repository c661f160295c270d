"""``memgan-bench reproduce``: published claims checked by the harness (entries in ``reproductions/``,
:mod:`memgan_bench.reproductions`; reference: docs/reproductions.md).

``reproduce list`` shows the entries. ``reproduce NAME`` runs the entry's configs × seeds as a sweep
(:mod:`memgan_bench.commands.sweep`: validated before anything trains, resumable with ``--resume``,
leased, parallel, on the local, ray or slurm executor), then judges the finished runs' final values
(:mod:`reports.verdicts`), prints published against measured with the verdict, writes it beside the runs
(``OUT/reproduction.json``, ``OUT/reproduction.md``) and writes the report (``OUT/report/index.html``),
which shows the verdict.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from memgan_bench.commands.sweep import add_executor_arguments

HELP = "check a published claim: `reproduce list` shows the entries, `reproduce NAME` runs one and prints its verdict"
DEFAULT_OUT = Path("runs") / "reproductions"


def add_arguments(parser) -> None:
    parser.add_argument("name", help="entry to run (its file name in reproductions/ without .yaml), or `list`")
    parser.add_argument("--out", type=Path, default=None, help=f"folder of its runs (default: {DEFAULT_OUT}/NAME)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the entry's sweep in --out (finished runs are kept, then judged)")
    parser.add_argument("--entries", type=Path, default=None,
                        help="folder of entries (default: the project's reproductions/)")
    add_executor_arguments(parser)


def listing(entries) -> str:
    """The entries as a Markdown table: name, scale, runs × seeds, source, claim."""
    lines = ["| entry | scale | runs × seeds | source | claim |", "|---|---|---|---|---|"]
    for entry in entries:
        lines.append(f"| {entry.name} | {entry.scale} | {len(entry.runs)} × {len(entry.seeds)} | "
                     f"{entry.source.paper}, {entry.source.where} | {entry.claim} |")
    return "\n".join(lines) + "\n"


def final_values_by_label(entry, out: Path) -> tuple[dict, list[str], object]:
    """(values[metric][label] of the finished runs, the runs left out with their status, the runs' rows)."""
    import numpy as np
    from reports import load_runs
    from reports.tables import final_values

    labels = {f"{config.stem}-s{seed}": label for label, config in entry.runs.items() for seed in entry.seeds}
    df = load_runs([out])
    final = final_values(df)
    final = final[[Path(run_dir).parent.resolve() == out.resolve() and Path(run_dir).name in labels
                   for run_dir in final["run_dir"]]]
    left_out = sorted({f"{Path(r.run_dir).name} ({r.status})" for r in final.itertuples() if r.status != "finished"})
    final = final[final["status"] == "finished"]
    values: dict[str, dict[str, list[float]]] = {}
    for check in entry.checks:
        rows = final[final["metric"] == check.metric]
        for label in entry.runs:
            x = rows[[labels[Path(d).name] == label for d in rows["run_dir"]]]["value"].to_numpy(float)
            values.setdefault(check.metric, {})[label] = [float(v) for v in x if np.isfinite(v)]
    return values, left_out, df


def run(args) -> int:
    from memgan_bench.commands import sweep
    from memgan_bench.reproductions import ENTRIES, find_entry, load_entries

    folder = args.entries or ENTRIES
    if args.name == "list":
        print(listing(load_entries(folder)), end="")
        return 0
    entry = find_entry(args.name, folder)
    out = args.out or DEFAULT_OUT / entry.name
    if entry.scale == "paper" and args.executor == "local" and args.gpus_per_run == 0:
        print(f"reproduce: {entry.name} is a paper-scale entry (hours per run on a CPU; see docs/reproductions.md)",
              file=sys.stderr)
    sweep_args = argparse.Namespace(**{**vars(args), "configs": [str(p) for p in entry.runs.values()], "out": out,
                                       "seeds": list(entry.seeds), "overrides": list(entry.overrides),
                                       "no_report": True})
    status = sweep.run(sweep_args)
    if not any((out / f"{config.stem}-s{seed}" / "results.csv").exists()
               for config in entry.runs.values() for seed in entry.seeds):
        print("reproduce: no run logged results; no verdict", file=sys.stderr)
        return status or 1
    return write_verdict(entry, out, args) or status


def write_verdict(entry, out: Path, args) -> int:
    from memgan_bench.atomic import atomic_write_text
    from reports import write_report
    from reports.reproduction import write_verdict as write_record
    from reports.verdicts import judge, markdown

    values, left_out, df = final_values_by_label(entry, out)
    result = judge(entry, values)
    command = f"memgan-bench reproduce {entry.name}" + (f" --entries {args.entries}" if args.entries else "")
    text = markdown(entry, result)
    if left_out:
        text += f"\nNot counted (not finished): {', '.join(left_out)}.\n"
    record = {**result.to_dict(), "title": entry.title, "claim": entry.claim, "scale": entry.scale,
              "source": f"{entry.source.paper}, {entry.source.where}", "command": command,
              "seeds": list(entry.seeds)}
    written = [write_record(out, record)]
    atomic_write_text(out / "reproduction.md", text)
    written += [out / "reproduction.md"] + write_report(df, out / "report")
    print(text)
    for path in written:
        print(f"wrote {path}")
    return 0
