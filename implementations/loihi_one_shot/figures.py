"""Report figure of P10/P07 (card P10 §6): one-shot accuracy per method and emulator, energy per update.

Registered under ``figures`` as ``loihi-one-shot``; called with the whole results table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TASK_PREFIXES = ("double-", "dvsgesture-")


def one_shot_figure(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Bars of ``one_shot_accuracy`` (mean ± std over seeds) per model × emulator for each few-shot task,
    and bars of ``energy_per_update_j`` for the rows that have it (loihi2 deployments)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if "one_shot_accuracy" not in df.columns:
        return []
    rows = df[df["task"].astype(str).str.startswith(TASK_PREFIXES) & df["one_shot_accuracy"].notna()]
    if "status" in rows.columns:
        rows = rows[rows["status"] == "ok"]
    if rows.empty:
        return []
    written: list[Path] = []
    for (task, scale), sub in rows.groupby(["task", "scale"]):
        g = sub.groupby(["model", "emulator"])
        acc = g["one_shot_accuracy"].agg(["mean", "std", "count"]).reset_index()
        has_energy = "energy_per_update_j" in sub.columns and sub["energy_per_update_j"].notna().any()
        fig = Figure(figsize=(10 if has_energy else 6, 4))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 2 if has_energy else 1, 1)
        labels = [f"{m}\n{e}" for m, e in zip(acc["model"], acc["emulator"], strict=True)]
        ax.bar(np.arange(len(acc)), acc["mean"], yerr=acc["std"].fillna(0.0), color="tab:blue", capsize=3)
        ax.axhline(1.0 / 5, ls="--", color="grey", lw=1, label="chance (5-way)")
        ax.set_xticks(np.arange(len(acc)), labels, fontsize=6, rotation=30)
        ax.set_ylabel("5-way 1-shot query accuracy")
        ax.set_ylim(0, 1)
        ax.set_title(f"{task} @{scale} (n = {int(acc['count'].min())}..{int(acc['count'].max())} seeds)", fontsize=9)
        ax.legend(fontsize=7)
        if has_energy:
            e = sub[sub["energy_per_update_j"].notna()].groupby(["model", "emulator"])["energy_per_update_j"].mean()
            ax2 = fig.add_subplot(1, 2, 2)
            ax2.bar(np.arange(len(e)), e.values * 1e6, color="tab:orange")
            ax2.set_xticks(np.arange(len(e)), [f"{m}\n{em}" for m, em in e.index], fontsize=7)
            ax2.set_ylabel("energy per learning update (µJ, loihi2 cost model)")
            ax2.set_title("estimates: Loihi-1 per-op figures", fontsize=9)
        fig.tight_layout()
        stem = out_dir / f"one-shot-{task}-{scale}"
        fig.savefig(stem.with_suffix(".png"), dpi=100)
        fig.savefig(stem.with_suffix(".svg"))
        written.append(stem.with_suffix(".png"))
    return written
