"""Headline tables: per setting (dataset × scenario), the final value of each headline metric as mean and
confidence interval over seeds, n, the best mean per column in bold, direction arrows, and a dagger where
a variant differs from the reference (Welch's t-test, Holm-corrected across the compared variants).
Written as Markdown, LaTeX (booktabs) and HTML; ``table.csv`` holds the numbers of every metric."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from memgan_bench.atomic import atomic_write_text
from memgan_bench.metrics.names import HEADLINE, LOWER, METRICS, header
from memgan_bench.registry import REPORT_SECTIONS
from reports import ReportOptions, references_of, resolve_reference, settings, slug
from reports.page import Part
from reports.stats import holm, mean_interval, welch_p

GROUP = ["variant", "scenario", "dataset"]
STATISTICS = ["setting", "dataset", "scenario", "variant", "status", "metric", "n", "mean", "std", "ci_low", "ci_high",
              "reference", "p", "p_holm", "significant", "best"]
DAGGER = "†"
CLASSIFIER_ACCURACY = "classifier_test_acc"


def headline(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of headline metrics only (those named in :mod:`memgan_bench.metrics.names`)."""
    return df[df["metric"].isin(HEADLINE)]


def final_values(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, metric): the value at the run's last logged step of that metric."""
    last = df.sort_values(["step", "experience"]).groupby(["run_dir", "metric"], as_index=False).tail(1)
    return last[GROUP + ["run_dir", "run_id", "seed", "status", "metric", "value"]]


def statistics(df: pd.DataFrame, options: ReportOptions = ReportOptions()) -> pd.DataFrame:
    """One row per (setting, variant, metric) of the runs' final values: n, mean, std, the CI (low,
    high), and against the setting's reference variant the Welch p-value and its Holm adjustment over the
    variants compared on that metric (``significant``: adjusted p < 1 − confidence); ``best`` marks the
    best mean of a headline metric among two or more variants of its setting (ties all best)."""
    references = resolve_reference(df, options.reference) if options.reference else {}
    rows = []
    for title, setting_rows in settings(final_values(df)):
        reference = references.get(title)
        statuses = setting_rows.groupby("variant")["status"].agg(lambda s: ",".join(sorted(set(s))))
        for metric, metric_rows in setting_rows.groupby("metric"):
            values = {v: g["value"].to_numpy(float) for v, g in metric_rows.groupby("variant")}
            compared = [v for v in values if reference in values and v != reference]
            raw = {v: welch_p(values[v], values[reference]) for v in compared}
            adjusted = dict(zip(compared, holm([raw[v] for v in compared])))
            means = [m for m in (float(np.mean(x)) for x in values.values()) if not math.isnan(m)]
            best = None
            if metric in METRICS and len(means) > 1:
                best = min(means) if METRICS[metric].better == LOWER else max(means)
            for variant, x in values.items():
                mean, low, high = mean_interval(x, options.ci, options.confidence)
                rows.append(dict(setting=title, dataset=metric_rows["dataset"].iloc[0],
                                 scenario=metric_rows["scenario"].iloc[0], variant=variant,
                                 status=statuses[variant], metric=metric,
                                 n=len(x), mean=mean, std=float(np.std(x, ddof=1)) if len(x) > 1 else math.nan,
                                 ci_low=low, ci_high=high, reference=reference or "", p=raw.get(variant, math.nan),
                                 p_holm=adjusted.get(variant, math.nan),
                                 significant=adjusted.get(variant, math.nan) < 1 - options.confidence,
                                 best=best is not None and mean == best))
    return pd.DataFrame(rows, columns=STATISTICS)


def number(x: float, digits: int = 3, decimals: int | None = None) -> str:
    """``x`` to ``digits`` significant digits (and at most ``decimals`` decimals), never in scientific
    notation."""
    if not math.isfinite(x):
        return str(x)
    x = round(x, decimals) if decimals is not None else x
    return np.format_float_positional(x, precision=digits, unique=False, fractional=False, trim="-")


def half_width(mean: float, half: float) -> str:
    """The half-width to 2 significant digits, but no finer than one decimal past the mean's third
    significant digit (a spread of 1e-8 around 0.11 is 0)."""
    decimals = 3 - math.floor(math.log10(abs(mean))) if mean and math.isfinite(mean) else None
    return number(half, 2, decimals)


def cell(stat, ci: str, bold, dagger: str, plus_minus: str = "±") -> str:
    """``mean ± half-width`` (t) or ``mean [low, high]`` (bootstrap), bold when best, dagger when
    significant, ``(n=k)`` when fewer runs than the row's n hold this metric."""
    text = number(stat.mean)
    if not math.isnan(stat.ci_low):
        text += (f" {plus_minus} {half_width(stat.mean, (stat.ci_high - stat.ci_low) / 2)}" if ci == "t"
                 else f" [{number(stat.ci_low)}, {number(stat.ci_high)}]")
    text = bold(text) if stat.best else text
    return text + (dagger if stat.significant else "") + (f" (n={stat.n})" if stat.n < stat.runs else "")


def with_cells(stats: pd.DataFrame, ci: str, bold, dagger: str, plus_minus: str = "±") -> pd.DataFrame:
    """``stats`` plus ``runs`` (the variant's n in its setting) and the ``text`` of each cell."""
    stats = stats.assign(runs=stats.groupby(["setting", "variant"])["n"].transform("max"))
    return stats.assign(text=[cell(s, ci, bold, dagger, plus_minus) for s in stats.itertuples()])


def wide(stats: pd.DataFrame, ci: str, bold, dagger: str, plus_minus: str = "±", metrics=HEADLINE) -> pd.DataFrame:
    """Rows: setting and variant (the reference marked "(ref.)"), n; columns: the ``metrics`` logged
    (default: the headline metrics), in :data:`METRICS` order and then by name, headed by name and arrow."""
    stats = with_cells(stats[stats["metric"].isin(metrics)], ci, bold, dagger, plus_minus)
    if stats.empty:
        return pd.DataFrame(columns=["setting", "Method", "n"])
    table = stats.pivot(index=["setting", "variant"], columns="metric", values="text")
    order = [m for m in METRICS if m in table.columns] + sorted(m for m in table.columns if m not in METRICS)
    table = table[order].rename(columns=header)
    table.insert(0, "n", stats.groupby(["setting", "variant"])["runs"].max())
    table = table.reset_index()
    reference = table["variant"].isin(set(stats["reference"]))
    table["variant"] = table["variant"] + np.where(reference, " (ref.)", "")
    return table.rename(columns={"variant": "Method"}).fillna("–")


def every_metric(stats: pd.DataFrame, ci: str) -> pd.DataFrame:
    """``table.csv``: a row per setting and variant with its runs and their statuses, a column per
    metric (every metric, by its logged name), cells as in the headline table without marks."""
    stats = with_cells(stats, ci, lambda text: text, "")
    index = ["dataset", "scenario", "variant"]
    table = stats.pivot(index=index, columns="metric", values="text")
    table.insert(0, "runs", stats.groupby(index)["runs"].max())
    table.insert(1, "status", stats.groupby(index)["status"].first())
    return table.reset_index()


def summary_table(df: pd.DataFrame, options: ReportOptions = ReportOptions()) -> pd.DataFrame:
    """The headline table of every setting in Markdown marks (one ``setting`` column)."""
    return wide(statistics(df, options), options.ci, lambda t: f"**{t}**", DAGGER)


def markdown(table: pd.DataFrame) -> str:
    columns = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def latex_escape(text: str) -> str:
    for plain, tex in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"),
                       ("±", r"$\pm$"), ("↓", r"$\downarrow$"), ("↑", r"$\uparrow$"), ("–", "--"),
                       (" · ", ", "), ("†", r"$^\dagger$"), ("−", "-"), ("α", r"$\alpha$")):
        text = text.replace(plain, tex)
    return text


def latex(table: pd.DataFrame, caption: str, note: str) -> str:
    """A booktabs ``table`` environment (needs ``\\usepackage{booktabs}``); bold cells arrive as
    ``\\textbf``."""
    escape = lambda v: v if str(v).startswith(r"\textbf") else latex_escape(str(v))
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{latex_escape(caption)}}}",
             r"\begin{tabular}{l" + "r" * (len(table.columns) - 1) + "}", r"\toprule",
             " & ".join(latex_escape(str(c)) for c in table.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(escape(v) for v in row) + r" \\" for row in table.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip\footnotesize " + latex_escape(note),
              r"\end{table}"]
    return "\n".join(lines) + "\n"


def html_table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c)).replace(' ↓', '&nbsp;↓').replace(' ↑', '&nbsp;↑')}</th>"
                   for c in table.columns)  # the arrow stays with the name's last word
    escape = lambda v: str(v) if str(v).startswith("<b>") else html.escape(str(v))
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def footnote(stats: pd.DataFrame, df: pd.DataFrame, options: ReportOptions) -> str:
    """What the cells mean: the interval, bold, the test behind the dagger, and the evaluation
    classifier's accuracy and the runs that did not finish, when there are any."""
    level = f"{options.confidence * 100:g} %"
    interval = ("Student t, n − 1 degrees of freedom" if options.ci == "t"
                else "percentile bootstrap of the mean, 10,000 resamples")
    form = "mean ± half-width of the" if options.ci == "t" else "mean [interval] with the"
    parts = [f"Final values over seeds: {form} {level} confidence interval ({interval}); n = runs. "
             "Bold: best mean per column (↓ lower is better, ↑ higher is better)."]
    reference = next((r for r in stats["reference"] if r), "")
    if reference:
        compared = stats[(stats["variant"] != reference) & stats["metric"].isin(HEADLINE)]["variant"].nunique()
        across = f"the {compared} variants compared with it per metric" if compared > 1 else "the one variant compared"
        parts.append(f"{DAGGER}: differs from {reference} (two-sided Welch's t-test, Holm-corrected across {across}, "
                     f"α = {1 - options.confidence:.2g}).")
    elif options.reference:
        parts.append(f"The reference {' or '.join(references_of(options.reference))} has no runs in this setting: no tests.")
    final = final_values(df)
    accuracy = final[final["metric"] == CLASSIFIER_ACCURACY]["value"]
    if len(accuracy):
        span = number(accuracy.min()) if accuracy.min() == accuracy.max() else \
            f"{number(accuracy.min())}–{number(accuracy.max())}"
        parts.append(f"Scores use an evaluation classifier of test accuracy {span}.")
    unfinished = final.drop_duplicates("run_dir")
    unfinished = unfinished[unfinished["status"] != "finished"]
    if len(unfinished):
        runs = ", ".join(f"{r.run_id} ({r.status})" for r in unfinished.itertuples())
        parts.append(f"Not finished (last values used): {runs}.")
    return " ".join(parts)


@REPORT_SECTIONS.register("tables")
def write_tables(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    stats = statistics(df, options)
    atomic_write_text(out / "statistics.csv", stats.to_csv(index=False))
    atomic_write_text(out / "table.csv", every_metric(stats, options.ci).to_csv(index=False))
    parts, combined = [], []
    for title, rows in settings(df):
        setting_stats = stats[stats["setting"] == title]
        metrics = HEADLINE if setting_stats["metric"].isin(HEADLINE).any() else sorted(set(setting_stats["metric"]))
        note = footnote(setting_stats, rows, options)
        if metrics is not HEADLINE:
            note = f"No headline metric in this setting: the table shows every metric its runs logged. {note}"
        text = wide(setting_stats, options.ci, lambda t: f"**{t}**", DAGGER, metrics=metrics).drop(columns="setting")
        tex = wide(setting_stats, options.ci, lambda t: rf"\textbf{{{latex_escape(t)}}}", DAGGER,
                   metrics=metrics).drop(columns="setting")
        page = wide(setting_stats, options.ci, lambda t: f"<b>{html.escape(t)}</b>", DAGGER,
                    metrics=metrics).drop(columns="setting")
        name = f"table_{slug(title)}"
        atomic_write_text(out / f"{name}.md", f"## {title}\n\n{markdown(text)}\n{note}\n")
        atomic_write_text(out / f"{name}.tex", latex(tex, title, note))
        combined.append(f"## {title}\n\n{markdown(text)}\n{note}\n")
        parts.append(Part("Headline table", [out / f"{name}.md", out / f"{name}.tex"], html_table(page), title,
                          [note]))
    unreadable = df.attrs.get("unreadable") or {}
    if unreadable:
        combined.append("Left out, unreadable: " + "; ".join(f"{run} ({why})" for run, why in unreadable.items()) + "\n")
    atomic_write_text(out / "table.md", "\n".join(combined))
    return parts + [Part("All metrics", [out / "statistics.csv", out / "table.csv", out / "table.md"],
                         '<p class="note">Every metric of every variant: <code>table.csv</code> (cells as above), '
                         "<code>statistics.csv</code> (n, mean, std, CI, p-values, as numbers).</p>")]
