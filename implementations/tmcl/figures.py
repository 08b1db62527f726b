"""Report figure of TMCL: kNN and linear-probe accuracy on the classes seen so far after every
session, one line per method (mean over seeds), per task and scale."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

METHODS = ("tmcl", "vi", "supervised")


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.6, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def tmcl_figures(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """One PNG + SVG per (task, scale) that has ``continual`` runs of the TMCL models."""
    if "model" not in df.columns:
        return []
    rows = df[df["model"].isin(METHODS)]
    if "status" in rows.columns:
        rows = rows[rows["status"] == "ok"]
    out: list[Path] = []
    for (task, scale), grp in rows.groupby(["task", "scale"]):
        fig = _figure()
        axes = fig.subplots(1, 2, sharey=True)
        drawn = False
        for i, method in enumerate(METHODS):
            curves = []
            for raw in grp.loc[grp["model"] == method, "artifacts"]:
                sessions = json.loads(raw).get("sessions") if isinstance(raw, str) else None
                if sessions:
                    curves.append(sessions)
            if not curves:
                continue
            drawn = True
            for ax, key in zip(axes, ("knn_accuracy", "linear_probe_accuracy"), strict=True):
                vals = np.array([[s[key] for s in c] for c in curves])
                x = np.arange(1, vals.shape[1] + 1)
                ax.set_xticks(x)
                ax.errorbar(
                    x,
                    vals.mean(0),
                    yerr=vals.std(0) if len(vals) > 1 else None,
                    marker="o",
                    capsize=3,
                    color=f"C{i}",
                    label=f"{method} (n={len(vals)})",
                )
        if not drawn:
            continue
        for ax, title in zip(axes, ("kNN (k=20)", "linear probe"), strict=True):
            ax.set_xlabel("session")
            ax.set_title(f"{task} @{scale}: {title}", fontsize=9)
            ax.legend(fontsize=8)
        axes[0].set_ylabel("accuracy on classes seen so far")
        png, svg = (
            out_dir / f"accuracy-per-session-{task}-{scale}.png",
            out_dir / f"accuracy-per-session-{task}-{scale}.svg",
        )
        fig.savefig(png, dpi=100)
        fig.savefig(svg)
        out += [png, svg]
    return out
