"""Report figure of TMCL: kNN and linear-probe accuracy on the classes seen so far after every
session, one line per method (mean over seeds), per task and scale; where tmcl runs recorded the
``mi_probe`` (README "What L_MI's targets hold"), a third panel: kNN on the session's classes from
the unmodulated features and from ``L_MI``'s expected target, after each Stage A."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

METHODS = ("tmcl", "vi", "cassle", "supervised")


def _figure(panels: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.8 * panels, 4.0), layout="constrained")
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
        arts = {m: [_artifacts(raw) for raw in grp.loc[grp["model"] == m, "artifacts"]] for m in METHODS}
        probes = [a["mi_probe"] for a in arts["tmcl"] if a.get("mi_probe")]
        fig = _figure(3 if probes else 2)
        axes = fig.subplots(1, 3 if probes else 2, sharey=True)
        drawn = False
        for i, method in enumerate(METHODS):
            curves = [a["sessions"] for a in arts[method] if a.get("sessions")]
            if not curves:
                continue
            drawn = True
            for ax, key in zip(axes[:2], ("knn_accuracy", "linear_probe_accuracy"), strict=True):
                _per_session(ax, [[s[key] for s in c] for c in curves], f"C{i}", method, "o")
        if not drawn:
            continue
        titles = [f"{task} @{scale}: kNN (k=20)", f"{task} @{scale}: linear probe"]
        if probes:
            titles.append("L_MI probe: kNN, this session's classes")
            for j, (key, label) in enumerate(
                (("knn_features", "unmodulated features"), ("knn_expected_target", "E_c[L_MI target]"))
            ):
                vals = [[d[key] for d in pr] for pr in probes]
                _per_session(axes[2], vals, f"C{j + len(METHODS)}", f"tmcl: {label}", "s")
        for ax, title in zip(axes, titles, strict=True):
            ax.set_xlabel("session")
            ax.set_title(title, fontsize=9)
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


def _per_session(ax, runs: list[list[float]], color: str, label: str, marker: str) -> None:
    """One line of per-session values: the mean over runs, their std as error bars (n > 1)."""
    vals = np.array(runs)
    x = np.arange(1, vals.shape[1] + 1)
    ax.set_xticks(x)
    ax.errorbar(
        x,
        vals.mean(0),
        yerr=vals.std(0) if len(vals) > 1 else None,
        marker=marker,
        capsize=3,
        color=color,
        label=f"{label} (n={len(vals)})",
    )


def _artifacts(raw) -> dict:
    """A record's artifacts (a JSON string in the results table); {} where absent or unreadable."""
    if not isinstance(raw, str):
        return {}
    try:
        out = json.loads(raw)
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}
