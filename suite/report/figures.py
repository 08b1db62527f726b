"""Report figures: per task, the primary metric against SynOps, parameters, state and peak memory.

One point per (model, emulator, scale) at the mean over seeds, error bars of one sample std in
both directions, one marker and colour per model, and the 2-D Pareto front (best metric, least
cost) drawn as a dashed step line. Figures use matplotlib's object API on the Agg canvas (no
pyplot state, no display needed) with a seaborn palette; each is written as PNG and SVG.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from suite.report.aggregate import lower_is_better, pareto_mask
from suite.report.leaderboard import is_accuracy

log = logging.getLogger(__name__)

#: (file stem, metric, axis label) of the cost axes.
COST_AXES = (
    ("synops", "synops_total", "SynOps per sample (ACs + MACs)"),
    ("params", "n_params", "trainable parameters"),
    ("state", "state_bytes", "recurrent state per sample (bytes)"),
    ("peak-memory", "peak_memory_bytes", "peak memory of the run (bytes)"),
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p")
PNG_DPI = 100
LEGEND_INSIDE = 8  # up to this many entries the legend sits inside the axes
LEGEND_MAX = 60  # beyond this many configurations a legend is unreadable: left out, the title says so


@dataclass(frozen=True)
class FigureFile:
    """A written figure: ``png`` is embedded in the HTML, ``svg`` (if any) linked beside it."""

    title: str
    png: Path
    svg: Path | None = None
    task: str | None = None


@dataclass(frozen=True)
class FigureNote:
    """Why a figure is missing (metric not measured, plugin figure failed)."""

    title: str
    reason: str


def safe_stem(name: str) -> str:
    """A file-name-safe version of ``name``; a short hash keeps distinct names distinct."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "x"
    if stem != name:
        stem += "-" + hashlib.sha256(name.encode()).hexdigest()[:6]
    return stem


def _has(rows: pd.DataFrame, metric: str) -> bool:
    col = f"{metric}_mean"
    return col in rows.columns and bool(rows[col].notna().any())


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def task_figure(
    rows: pd.DataFrame, task: str, primary: str, cost: str, label: str, out: Path
) -> FigureFile | FigureNote:
    """One scatter of ``primary`` against ``cost`` for one task; a note when either is missing."""
    title = f"{task}: {primary} vs {label}"
    if not _has(rows, primary):
        return FigureNote(title, f"'{primary}' was not measured")
    if not _has(rows, cost):
        return FigureNote(title, f"'{cost}' was not measured for task '{task}'")
    import seaborn as sns

    pts = rows[rows[f"{primary}_mean"].notna() & rows[f"{cost}_mean"].notna()]
    scale_y = 100.0 if is_accuracy(primary) else 1.0
    x, y = pts[f"{cost}_mean"].to_numpy(float), pts[f"{primary}_mean"].to_numpy(float) * scale_y
    xerr = np.nan_to_num(pts[f"{cost}_std"].to_numpy(float))
    yerr = np.nan_to_num(pts[f"{primary}_std"].to_numpy(float)) * scale_y
    models = sorted(pts["model"].astype(str).unique())
    palette = dict(zip(models, sns.color_palette("colorblind", len(models)), strict=True))
    marker = {m: MARKERS[i % len(MARKERS)] for i, m in enumerate(models)}
    fig = _figure()
    ax = fig.add_subplot()
    for i, r in enumerate(pts[["model", "emulator", "scale"]].astype(str).itertuples(index=False)):
        ax.errorbar(
            x[i], y[i], xerr=xerr[i] or None, yerr=yerr[i] or None, fmt=marker[r.model], color=palette[r.model],
            markersize=7, capsize=3, label=f"{r.model} · {r.emulator} · {r.scale}",
        )  # fmt: skip
    scales = pts["scale"].astype(str).to_numpy()
    for k, scale in enumerate(sorted(set(scales))):  # a front per scale: smoke never beats paper
        idx = np.flatnonzero(scales == scale)
        on = idx[pareto_mask(np.c_[y[idx], x[idx]], [not lower_is_better(primary), False])]
        on = on[np.argsort(x[on])]
        ax.step(
            x[on], y[on], where="post", ls=("--", ":", "-.")[k % 3], color="0.4", lw=1,
            label=f"Pareto front ({scale})",
        )  # fmt: skip
    if x.min() > 0 and x.max() / x.min() > 100:
        ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel(f"{primary} (%)" if scale_y != 1 else primary)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    n_labels = len(ax.get_legend_handles_labels()[1])
    if n_labels <= LEGEND_INSIDE:
        ax.legend(fontsize=7, loc="best")
    elif n_labels <= LEGEND_MAX:  # "best" placement is quadratic in artists; put a long legend beside the axes
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncols=1 + n_labels // 25)
    else:
        ax.set_title(f"{title} ({len(pts)} configurations; legend omitted, see the leaderboard)", fontsize=9)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{safe_stem(task)}--{primary}-vs-{safe_stem(cost)}"
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png, dpi=PNG_DPI)
    fig.savefig(svg)
    return FigureFile(title, png, svg, task)


def standard_figures(
    tables: Mapping[str, tuple[pd.DataFrame, str | None]], out: Path
) -> tuple[list[FigureFile], list[FigureNote]]:
    """The four cost figures for every task that has a primary metric."""
    files: list[FigureFile] = []
    notes: list[FigureNote] = []
    for task, (rows, primary) in tables.items():
        if primary is None:
            notes.append(FigureNote(f"{task}: figures", "no metric was measured"))
            continue
        for _, cost, label in COST_AXES:
            res = task_figure(rows, task, primary, cost, label, out)
            (files if isinstance(res, FigureFile) else notes).append(res)  # type: ignore[arg-type]
    return files, notes


def plugin_figures(
    df: pd.DataFrame, figure_fns: Mapping[str, Callable[[pd.DataFrame, Path], list[Path]]], out: Path
) -> tuple[list[FigureFile], list[FigureNote]]:
    """Call each registered figure function ``fn(df, out_dir) -> [paths]``; a failing plugin is a
    note in the report, not a failed report."""
    files: list[FigureFile] = []
    notes: list[FigureNote] = []
    for name, fn in sorted(figure_fns.items()):
        sub = out / safe_stem(name)
        sub.mkdir(parents=True, exist_ok=True)
        try:
            paths = [Path(p) for p in fn(df, sub) or []]
        except Exception as exc:  # third-party code: report it and carry on with the others
            log.warning("figure '%s' failed: %s: %s", name, type(exc).__name__, exc)
            notes.append(FigureNote(name, f"failed: {type(exc).__name__}: {exc}"))
            continue
        pngs = [p for p in paths if p.suffix.lower() == ".png" and p.is_file()]
        if not pngs:
            notes.append(FigureNote(name, "returned no PNG file"))
        for png in pngs:
            svg = png.with_suffix(".svg")
            files.append(FigureFile(f"{name}: {png.stem}", png, svg if svg.is_file() else None))
    return files, notes


def figure_functions(registry) -> dict[str, Callable[[pd.DataFrame, Path], list[Path]]]:
    """Load every registered ``figures`` entry (``target`` = ``callable(df, out_dir)``).

    An entry that fails to import does not stop the report: it becomes a function that raises
    the load error, which :func:`plugin_figures` turns into a note on the page.
    """
    from suite.errors import PluginError

    fns: dict[str, Callable[[pd.DataFrame, Path], list[Path]]] = {}
    for entry in registry.entries("figures"):
        try:
            fns[entry.name] = entry.load()
        except PluginError as exc:
            fns[entry.name] = _raiser(exc)
    return fns


def _raiser(exc: Exception) -> Callable[[pd.DataFrame, Path], list[Path]]:
    def fail(df: pd.DataFrame, out_dir: Path) -> list[Path]:
        raise exc

    return fail
