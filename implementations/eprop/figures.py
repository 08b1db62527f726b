"""Report figure of the P04 package: peak memory of one gradient step vs sequence length, per method."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def memory_vs_length(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """One line per (method, H, model) from every ``memory-scaling`` record's ``memory_rows``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = df[(df["task"] == "memory-scaling") & (df["status"] == "ok")] if "task" in df else df.iloc[:0]
    points = []
    for _, rec in rows.iterrows():
        art = json.loads(rec["artifacts"]) if isinstance(rec.get("artifacts"), str) else {}
        for r in art.get("memory_rows", []):
            points.append({**r, "model": rec["model"], "scale": rec["scale"]})
    if not points:
        return []
    data = pd.DataFrame(points).groupby(["model", "scale", "method", "H", "T"], as_index=False)["peak_bytes"].mean()
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for (model, scale, method, hidden), g in data.groupby(["model", "scale", "method", "H"]):
        ax.plot(g["T"], g["peak_bytes"] / 2**20, marker="o", label=f"{method} {model} H={hidden} ({scale})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("peak memory of one gradient step [MiB]")
    ax.set_title("P04: peak memory per gradient step vs T")
    ax.legend(fontsize=7)
    out = Path(out_dir) / "eprop_memory_vs_T.png"
    fig.savefig(out, dpi=120)
    fig.savefig(out.with_suffix(".svg"))
    return [out]
