"""The P09 report figure: time per step vs n for each implementation, forward and backward.

Panels (all log-log): forward and backward seconds per time step against the layer width n; then
forward+backward relative to the fastest peer (snnTorch, Norse, Spyx, snnax) at the same n and
scale, and the ratio to the dense matrix-product floor of the implementation's framework
(``floor_ratio``, measured in the same run as the implementation). One line per model, medians
over seeds. Written as PNG and SVG with matplotlib's object API (no pyplot state).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

TASK = "snn-throughput"
PEERS = ("snntorch", "norse", "spyx", "snnax-upstream")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")


def throughput_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, scale, n): median seconds per step forward/backward, fwd+bwd and floor ratio."""
    if "task" not in df.columns:
        return pd.DataFrame()
    rows = df[(df["task"] == TASK) & (df.get("status", "ok") == "ok")].copy()
    if rows.empty or "fwd_bwd_seconds" not in rows.columns:
        return pd.DataFrame()
    art = rows["artifacts"].map(lambda s: json.loads(s) if isinstance(s, str) and s else {})
    rows["n"] = art.map(lambda a: a.get("n"))
    rows["steps"] = art.map(lambda a: a.get("steps"))
    rows = rows.dropna(subset=["n", "steps"])
    rows["fwd_per_step"] = rows["forward_seconds"] / rows["steps"]
    rows["bwd_per_step"] = rows["backward_seconds"] / rows["steps"]
    if "floor_ratio" not in rows.columns:
        rows["floor_ratio"] = np.nan
    cols = ["fwd_per_step", "bwd_per_step", "fwd_bwd_seconds", "floor_ratio"]
    table = rows.groupby(["scale", "model", "n"], as_index=False)[cols].median()
    peers = table[table["model"].isin(PEERS)]
    fastest = peers.groupby(["scale", "n"])["fwd_bwd_seconds"].min().rename("fastest_peer_seconds")
    table = table.join(fastest, on=["scale", "n"])
    table["ratio_to_fastest_peer"] = table["fwd_bwd_seconds"] / table["fastest_peer_seconds"]
    return table.sort_values(["scale", "model", "n"]).reset_index(drop=True)


def throughput_figure(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write ``throughput-<scale group>.png/.svg`` per group of scales (cpu-*, paper-*, smoke)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = throughput_table(df)
    if table.empty:
        return []
    table["group"] = table["scale"].map(lambda s: s.split("-n")[0])
    out: list[Path] = []
    for group, sub in table.groupby("group"):
        fig = Figure(figsize=(16, 4.2))
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 4)
        panels = (
            ("fwd_per_step", "forward, s per step"),
            ("bwd_per_step", "backward, s per step"),
            ("ratio_to_fastest_peer", "fwd+bwd / fastest peer"),
            ("floor_ratio", "fwd+bwd / dense GEMM floor (same run)"),
        )
        import seaborn as sns

        models = sorted(sub["model"].unique())
        colours = dict(zip(models, sns.color_palette("tab10", len(models)), strict=True))
        for k, model in enumerate(models):
            rows = sub[sub["model"] == model].sort_values("n")
            for ax, (col, _) in zip(axes, panels, strict=True):
                y = rows[col].to_numpy(dtype=float)
                if np.isfinite(y).any():
                    ax.plot(rows["n"], y, marker=MARKERS[k % len(MARKERS)], color=colours[model], label=model)
        for ax, (col, title) in zip(axes, panels, strict=True):
            if not ax.lines:
                ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("n (layer width)")
            ax.set_title(title, fontsize=10)
            if ax.lines:
                ax.set_yscale("log")  # ratios span 0.5x .. 30x; near 1 is what matters
            if not col.endswith("per_step"):
                ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        axes[3].axhline(1.2, color="red", lw=0.8, ls=":", label="goal 1.2x")
        axes[2].axhline(0.8, color="red", lw=0.8, ls=":", label="goal 0.8x")
        axes[0].legend(fontsize=7)
        fig.suptitle(f"Open Neuromorphic protocol (Linear + LIF), scales {group}*: medians over seeds")
        fig.tight_layout()
        stem = out_dir / f"throughput-{group}"
        fig.savefig(stem.with_suffix(".png"), dpi=100)
        fig.savefig(stem.with_suffix(".svg"))
        out.append(stem.with_suffix(".png"))
    return out
