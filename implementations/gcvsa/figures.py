"""Report figures of GC-VSA: path-integration error vs time, a grid cell's rate map, and the
family-tree / what-where-when accuracy vs dimension (registered under the ``figures`` kind)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def _figure(size=(6.4, 4.2)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _rows(df: pd.DataFrame, task: str) -> pd.DataFrame:
    if "task" not in df.columns:
        return df.iloc[0:0]
    rows = df[(df["task"] == task) & (df["model"] == "gcvsa")]
    if "status" in rows.columns:
        rows = rows[rows["status"] == "ok"]
    return rows.sort_values(["scale", "seed"]) if len(rows) else rows


def _artifacts(row: pd.Series) -> dict:
    raw = row.get("artifacts")
    return json.loads(raw) if isinstance(raw, str) and raw else {}


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    fig.savefig(png, dpi=100)
    fig.savefig(svg)
    return [png, svg]


def gcvsa_figures(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the GC-VSA figures for the first ok run of each scale; returns the written paths."""
    out: list[Path] = []
    for scale, rows in _rows(df, "path-integration").groupby("scale"):
        curves = _artifacts(rows.iloc[0]).get("rmse_vs_time") or {}
        if not curves:
            continue
        fig = _figure()
        ax = fig.add_subplot()
        for i, (sigma, c) in enumerate(sorted(curves.items(), key=lambda kv: float(kv[0]))):
            if float(sigma) == 0.0:
                continue
            colour = f"C{i}"
            ax.plot(c["t_s"], np.array(c["gcvsa"]) * 100, color=colour, label=f"GC-VSA, sigma={sigma} rad")
            ax.plot(
                c["t_s"],
                np.array(c["dead_reckoning"]) * 100,
                "--",
                color=colour,
                label=f"dead reckoning, sigma={sigma}",
            )
        ax.set_xlabel("time (s)")
        ax.set_ylabel("position RMSE (cm)")
        ax.set_title(f"Path integration error vs time ({scale}; reference reconstruction)", fontsize=9)
        ax.legend(fontsize=7)
        out += _save(fig, out_dir, f"path-integration-rmse-vs-time-{scale}")
    for scale, rows in _rows(df, "grid-code").groupby("scale"):
        art = _artifacts(rows.iloc[0])
        if "rate_map" not in art:
            continue
        fig = _figure((4.8, 4.2))
        ax = fig.add_subplot()
        im = ax.imshow(np.array(art["rate_map"]), origin="lower", extent=(0, 1, 0, 1), cmap="viridis")
        fig.colorbar(im, ax=ax, label="activity")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        lam = art.get("rate_map_scale_m", float("nan"))
        ax.set_title(f"Cube neuron rate map (lambda {lam:.2f} m, {scale})", fontsize=9)
        out += _save(fig, out_dir, f"grid-cell-rate-map-{scale}")
    for task in ("family-tree", "what-where-when"):
        for scale, rows in _rows(df, task).groupby("scale"):
            curve = _artifacts(rows.iloc[0]).get("accuracy_vs_dimension") or []
            if not curve:
                continue
            fig = _figure()
            ax = fig.add_subplot()
            d = [c["n_phasors"] for c in curve]
            keys = ("query_accuracy", "composition_accuracy") if task == "family-tree" else ("where", "when", "what")
            for key in keys:
                ax.plot(d, [c[key] for c in curve], "o-", label=key)
            ax.set_xscale("log")
            ax.set_xlabel("dimension (phasors, 3K)")
            ax.set_ylabel("accuracy")
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(f"{task}: accuracy vs dimension ({scale})")
            ax.legend()
            out += _save(fig, out_dir, f"{task}-accuracy-vs-dimension-{scale}")
    for scale, rows in _rows(df, "what-where-when").groupby("scale"):
        curve = _artifacts(rows.iloc[0]).get("accuracy_vs_items") or []
        if not curve:
            continue
        fig = _figure()
        ax = fig.add_subplot()
        n = [c["n_items"] for c in curve]
        for key in ("where", "when", "what"):
            ax.plot(n, [c[key] for c in curve], "o-", label=key)
        ax.set_xscale("log")
        ax.set_xlabel("stored items")
        ax.set_ylabel("accuracy")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"what-where-when: accuracy vs items ({scale})", fontsize=9)
        ax.legend()
        out += _save(fig, out_dir, f"what-where-when-accuracy-vs-items-{scale}")
    return out
