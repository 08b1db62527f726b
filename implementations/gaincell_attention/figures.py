"""Report figures of P08: the char-lm ladder and the per-token energy/latency comparison.

``make_figures(df, out_dir)`` is registered as figure plugin ``p08-gaincell``. ``df`` is the whole
results table (one row per record); rows of other papers are ignored. A figure whose data are
absent is simply not drawn.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: (label, model, metric) of the ladder's rungs, in order.
LADDER = (
    ("softmax", "softmax-gpt", "val_loss"),
    ("softmax-swa", "softmax-swa-gpt", "val_loss"),
    ("linear-hw", "linear-gaincell-gpt", "val_loss"),
    ("nonlinear-hw\n(no adaptation)", "gaincell-gpt", "val_loss_no_adaptation"),
    ("nonlinear-hw\n(adapted)", "gaincell-gpt", "val_loss_adapted"),
    ("nonlinear-hw\n(fine-tuned)", "gaincell-gpt", "val_loss"),
)


def _figure(size=(7.0, 4.2)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, stem: Path) -> list[Path]:
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png, dpi=100)
    fig.savefig(svg)
    return [png, svg]


def _ok(df: pd.DataFrame, task: str) -> pd.DataFrame:
    if "task" not in df.columns:
        return df.iloc[0:0]
    rows = df[df["task"] == task]
    if "status" in rows.columns:
        rows = rows[rows["status"] == "ok"]
    return rows


def ladder_figure(df: pd.DataFrame, out: Path) -> list[Path]:
    """Validation loss (nats/char) per rung, mean ± std over seeds, one figure per scale."""
    rows = _ok(df, "char-lm")
    if "plan" in rows.columns and len(rows):
        # one figure per (plan, scale): records of differently configured plans are not averaged together
        rows = rows.assign(scale=rows["plan"].astype(str) + " / " + rows["scale"].astype(str))
    paths: list[Path] = []
    for scale, sub in rows.groupby("scale") if len(rows) else []:
        labels, means, stds, ns = [], [], [], []
        for label, model, metric in LADDER:
            vals = sub.loc[sub["model"] == model, metric] if metric in sub.columns else pd.Series(dtype=float)
            vals = pd.to_numeric(vals, errors="coerce").dropna()
            if len(vals):
                labels.append(label)
                means.append(float(vals.mean()))
                stds.append(float(vals.std(ddof=1)) if len(vals) > 1 else 0.0)
                ns.append(len(vals))
        if not labels:
            continue
        fig = _figure()
        ax = fig.add_subplot()
        x = np.arange(len(labels))
        ax.bar(
            x, means, yerr=stds, color=["#4c72b0"] * 2 + ["#55a868"] + ["#c44e52", "#dd8452", "#8172b3"][: len(x) - 3]
        )
        for xi, m, n in zip(x, means, ns, strict=True):
            ax.annotate(f"{m:.3f}\n(n={n})", (xi, m), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, labels, fontsize=8)
        lo = min(means) - 0.1 * (max(means) - min(means) + 0.05)
        ax.set_ylim(max(0.0, lo), max(means) + 0.25 * (max(means) - min(means) + 0.05))
        ax.set_ylabel("validation loss (nats / character)")
        ax.set_title(f"P08 char-lm ladder, scale '{scale}' (lower is better)")
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(scale))
        paths += _save(fig, out / f"p08-ladder-{stem}")
    return paths


def cost_figure(df: pd.DataFrame, out: Path) -> list[Path]:
    """Per-token latency and energy: analog model, this run's device, the paper's GPUs (theirs)."""
    rows = _ok(df, "attention-decode")
    if not len(rows) or "model" not in rows.columns:
        return []
    gc = rows[
        (rows["model"] == "gaincell-attention") & rows.get("device_latency_per_token_s", pd.Series(dtype=float)).notna()
    ]
    if not len(gc):
        return []
    r = gc.iloc[0]
    arts = json.loads(r["artifacts"]) if isinstance(r.get("artifacts"), str) else {}
    bars = [("gain-cell\n(analog\ncost model)", r["latency_per_token_s"], r["energy_per_token_j"], "#55a868", "")]
    dev = str(arts.get("device", "this device"))
    bars.append(
        ("this device\n(measured;\nenergy = assumed W)", r["device_latency_per_token_s"],
         r["device_energy_per_token_j_estimate"], "#4c72b0", "//")
    )  # fmt: skip
    names = {"rtx4090": "RTX 4090", "jetson-nano": "Jetson Nano"}
    for key, ref in (arts.get("published_reference") or {}).items():
        bars.append(
            (f"{names.get(key, key)}\n(the paper's\nmeasurement)", ref["latency_s"], ref["energy_j"], "#c44e52", "")
        )
    fig = _figure((9.0, 4.2))
    for i, (col, unit) in enumerate(((1, "latency per token per sample (s)"), (2, "energy per token per sample (J)"))):
        ax = fig.add_subplot(1, 2, i + 1)
        x = np.arange(len(bars))
        vals = [float(b[col]) for b in bars]
        ax.bar(x, vals, color=[b[3] for b in bars], hatch=None)
        for xi, b in zip(x, bars, strict=True):
            if b[4] and col == 2:
                ax.patches[xi].set_hatch(b[4])
        ax.set_yscale("log")
        ax.set_xticks(x, [b[0] for b in bars], fontsize=7)
        ax.set_ylabel(unit)
        for xi, v in zip(x, vals, strict=True):
            ax.annotate(f"{v:.3g}", (xi, v), ha="center", va="bottom", fontsize=7)
    fig.suptitle(
        f"P08: one attention layer, KV-cache decode ({arts.get('setting', '')})\nthis device: {dev}", fontsize=9
    )
    return _save(fig, out / "p08-energy-latency")


def make_figures(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    return ladder_figure(df, out_dir) + cost_figure(df, out_dir)
