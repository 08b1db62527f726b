"""Report figure of the P05 package: the checkpointing trade-off in the IPU emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def tradeoff(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Left: modelled local memory vs T per strategy (line: M_L). Right: max-T and max-N ratios to plain BPTT."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if "task" not in df:
        return []
    rows = df[(df["task"] == "checkpointing") & (df["status"] == "ok") & (df["emulator"] == "ipu")]
    recs = []
    for _, rec in rows.iterrows():
        art = json.loads(rec["artifacts"]) if isinstance(rec.get("artifacts"), str) else {}
        if "ipu" in art:
            recs.append(
                (
                    rec["model"],
                    rec["scale"],
                    art["ipu"],
                    rec.get("max_sequence_length_ratio"),
                    rec.get("max_network_size_ratio"),
                )
            )
    if not recs:
        return []
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax, bx = fig.subplots(1, 2)
    seen = set()
    budget = None
    for model, scale, ipu, _, _ in recs:
        if (model, scale) in seen:
            continue
        seen.add((model, scale))
        pts = [(c["T"], c["local_peak_bytes"]) for c in ipu["curve"] if c["local_peak_bytes"] is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=f"{model} ({scale}, N={ipu['n']})")
        budget = ipu["local_budget_bytes"]
    if budget:
        ax.axhline(budget, color="k", ls="--", lw=1, label="M_L = 1472 x 624 KiB")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("modelled local peak incl. weights [B]")
    ax.set_title("IPU emulator: local memory vs T")
    ax.legend(fontsize=7)
    table = (
        pd.DataFrame([{"model": m, "scale": s, "max T ratio": t, "max N ratio": n} for m, s, _, t, n in recs])
        .groupby(["model", "scale"], as_index=False)
        .mean(numeric_only=True)
    )
    labels = [f"{m}\n({s})" for m, s in zip(table["model"], table["scale"], strict=True)]
    pos = range(len(table))
    bx.bar([i - 0.2 for i in pos], table["max T ratio"], width=0.4, label="max T / plain")
    bx.bar([i + 0.2 for i in pos], table["max N ratio"], width=0.4, label="max N / plain")
    bx.axhline(10, color="C0", ls=":", lw=1, label="claim: >10x T")
    bx.axhline(4, color="C1", ls=":", lw=1, label="claim: 4x N")
    bx.set_yscale("log")
    bx.set_xticks(list(pos), labels, fontsize=6, rotation=30)
    bx.set_title("largest T and N relative to plain BPTT (reference cost model)")
    bx.legend(fontsize=7)
    out = Path(out_dir) / "checkpointing_tradeoff.png"
    fig.savefig(out, dpi=120)
    fig.savefig(out.with_suffix(".svg"))
    return [out]
