"""Leaderboard tables: per task, one row per (model, emulator, scale), as Markdown and plain text.

The cells are produced once (:func:`leaderboard_cells`) and rendered as Markdown here and as
HTML in :mod:`suite.report.html`, so the two always show the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from suite.report.aggregate import lower_is_better, task_tables

ACCURACY_LIKE_SUFFIX = "accuracy"

#: (column heading, metric, kind) of the efficiency columns; kind picks the number format.
EFFICIENCY_COLUMNS = (
    ("params", "n_params", "count"),
    ("SynOps ACs", "synops_acs", "count"),
    ("SynOps MACs", "synops_macs", "count"),
    ("act. sparsity", "activation_sparsity", "fraction"),
    ("state", "state_bytes", "bytes"),
    ("peak memory", "peak_memory_bytes", "bytes"),
    ("train time", "train_seconds", "seconds"),
)

PARETO_DEFINITION = (
    "Pareto-optimal (★): within the same task and scale, no other row has a primary metric at least "
    "as good, SynOps (ACs + MACs) at most as large and parameters at most as many, with at least one "
    "strictly better; objectives that no row of that task and scale measured are left out; rows "
    "without the primary metric are never optimal."
)

LEGEND = {
    "model / emulator / scale": "the benchmark configuration averaged over seeds",
    "seeds": "ok runs (distinct seeds) / all runs of the configuration",
    "failed / diverged / timeout": "runs with that status: counted, never averaged",
    "mean ± std": "mean and sample standard deviation (ddof = 1) over ok runs; – for one run",
    "median [IQR]": "median and 25th–75th percentiles over ok runs",
    "accuracies": "shown in %; stored as fractions in records, metrics.json and the NeuroBench export",
    "params": "trainable parameters (mean over seeds) [NeuroBench ParameterCount]",
    "SynOps ACs / MACs": "effective accumulates / multiply-accumulates per sample [NeuroBench SynapticOperations]",
    "act. sparsity": "1 − nonzero / total neuron outputs [NeuroBench ActivationSparsity]",
    "state": "bytes of recurrent state per sample at inference",
    "peak memory": "measured peak memory of the run",
    "train time": "measured training wall time",
    "★": PARETO_DEFINITION,
}


def is_accuracy(metric: str | None) -> bool:
    return bool(metric) and metric.endswith(ACCURACY_LIKE_SUFFIX)


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_number(x: object, kind: str = "plain") -> str:
    """A compact human format: ``count`` 359.0k, ``bytes`` 1.5 MiB, ``seconds`` 2.3 s / 1.2 h,
    ``percent`` (a fraction) 95.06, ``fraction`` 0.912, ``plain`` 4 significant digits; – for NaN."""
    if not _finite(x):
        return "–"
    v = float(x)  # type: ignore[arg-type]
    if kind == "percent":
        return f"{v * 100:.2f}"
    if kind == "fraction":
        return f"{v:.3f}"
    if kind == "count":
        for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(v) >= div:
                return f"{v / div:.1f}{suffix}"
        return f"{v:.0f}" if v == round(v) else f"{v:.3g}"
    if kind == "bytes":
        for div, suffix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
            if abs(v) >= div:
                return f"{v / div:.1f} {suffix}"
        return f"{v:.0f} B"
    if kind == "seconds":
        if abs(v) >= 3600:
            return f"{v / 3600:.2f} h"
        if abs(v) >= 60:
            return f"{v / 60:.1f} min"
        return f"{v:.3g} s"
    return f"{v:.4g}"


def mean_std(mean: object, std: object, kind: str) -> str:
    if not _finite(mean):
        return "–"
    return f"{fmt_number(mean, kind)} ± {fmt_number(std, kind)}"


def median_iqr(median: object, q25: object, q75: object, kind: str) -> str:
    if not _finite(median):
        return "–"
    return f"{fmt_number(median, kind)} [{fmt_number(q25, kind)}, {fmt_number(q75, kind)}]"


def leaderboard_cells(rows: pd.DataFrame, primary: str | None) -> tuple[list[str], list[list[str]]]:
    """Header and string cells of one task's leaderboard (columns nobody measured are dropped)."""
    kind = "percent" if is_accuracy(primary) else "plain"
    unit = " (%)" if kind == "percent" else ""
    name = primary or "metric"
    header = ["model", "emulator", "scale", "seeds", "failed", "diverged", "timeout"]
    header += [f"{name}{unit} mean ± std", f"{name}{unit} median [IQR]"]
    eff = [
        (h, m, k) for h, m, k in EFFICIENCY_COLUMNS if f"{m}_mean" in rows.columns and rows[f"{m}_mean"].notna().any()
    ]
    header += [h for h, _, _ in eff] + ["★"]
    ordered = rows
    if primary and f"{primary}_mean" in rows.columns:
        ordered = rows.sort_values(
            ["scale", f"{primary}_mean"], ascending=[True, lower_is_better(primary)], na_position="last"
        )
    body = []
    for r in ordered.to_dict("records"):
        cells = [str(r["model"]), str(r["emulator"]), str(r["scale"])]
        cells += [f"{r['n_seeds']}/{r['n_runs']}", str(r["n_failed"]), str(r["n_diverged"]), str(r["n_timeout"])]
        if primary:
            p = primary
            cells += [
                mean_std(r.get(f"{p}_mean"), r.get(f"{p}_std"), kind),
                median_iqr(r.get(f"{p}_median"), r.get(f"{p}_q25"), r.get(f"{p}_q75"), kind),
            ]
        else:
            cells += ["–", "–"]
        cells += [fmt_number(r.get(f"{m}_mean"), k) for _, m, k in eff]
        cells.append("★" if r.get("pareto") else "")
        body.append(cells)
    return header, body


def md_escape(s: str) -> str:
    """Text safe in a Markdown table cell: pipes escaped, HTML special characters as entities
    (Markdown renderers pass raw HTML through)."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def leaderboard_markdown(tables: Mapping[str, tuple[pd.DataFrame, str | None]]) -> str:
    """``leaderboard.md``: the Pareto definition, one table per task, then the legend."""
    parts = ["# Leaderboard", "", PARETO_DEFINITION, ""]
    if not tables:
        parts.append("_No results in the store._")
    for task, (rows, primary) in tables.items():
        parts += [f"## {md_escape(task)}", "", f"Primary metric: `{primary or 'none measured'}`.", ""]
        parts += [markdown_table(*leaderboard_cells(rows, primary)), ""]
    parts += ["## Legend", ""] + [f"- **{k}**: {v}" for k, v in LEGEND.items()]
    return "\n".join(parts) + "\n"


def leaderboard_text(df: pd.DataFrame) -> str:
    """A compact plain-text leaderboard for the terminal: per task, model, emulator, scale,
    seeds (ok/all) and the primary metric's mean ± std."""
    tables = task_tables(df)
    if not tables:
        return "no results in the store\n"
    out: list[str] = []
    for task, (rows, primary) in tables.items():
        kind = "percent" if is_accuracy(primary) else "plain"
        head = ["model", "emulator", "scale", "seeds", f"{primary or 'metric'}{' %' if kind == 'percent' else ''}"]
        header, body = leaderboard_cells(rows, primary)
        i_mean = 7
        lines = [head] + [[c[0], c[1], c[2], c[3], c[i_mean]] for c in body]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out.append(f"{task}")
        for line in lines:
            out.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        out.append("")
    return "\n".join(out)
