"""Report figure of P06: accuracy vs resolution ratio k, one line per mapping (card P06 §5-§6).

Registered under ``figures`` as ``fn(df, out_dir) -> [paths]``. Reads the ``resolution_table``
artifact of every ``ok`` record of a ``*-resolution`` task, averages over seeds per (k, method)
(the number of seeds is in the legend), and marks the paper's k = 2 claims from this package's
``claims.yaml`` (best proposed method: star; τ-scaling baseline: cross).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from implementations.time_resolution.mappings import METHOD_LABELS, METHODS

log = logging.getLogger(__name__)

_CLAIM_METRICS = {
    "accuracy_adapted_best": ("paper: best method", "*"),
    "accuracy_tau_scaling": ("paper: baseline", "X"),
}


def paper_claims() -> dict[str, dict[str, float]]:
    """``{task: {metric: value}}`` of this package's k = 2 claims."""
    text = resources.files("implementations.time_resolution").joinpath("claims.yaml").read_text()
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for c in yaml.safe_load(text)["claims"]:
        if c["metric"] in _CLAIM_METRICS and c.get("value") is not None:
            out[c["task"]][c["metric"]] = float(c["value"])
    return dict(out)


def _tables(df: Any) -> dict[tuple[str, str, str], list[list[dict[str, Any]]]]:
    """``{(task, model, scale): [resolution_table per seed]}`` from the results table."""
    found: dict[tuple[str, str, str], list[list[dict[str, Any]]]] = defaultdict(list)
    if "artifacts" not in df.columns:
        return found
    rows = df[df["task"].astype(str).str.endswith("-resolution")]
    if "status" in rows.columns:
        rows = rows[rows["status"] == "ok"]
    for r in rows.itertuples(index=False):
        raw = r.artifacts
        arts = json.loads(raw) if isinstance(raw, str) else (raw or {})
        table = arts.get("resolution_table")
        if table:
            found[(str(r.task), str(r.model), str(r.scale))].append(table)
    return found


def accuracy_vs_ratio(df: Any, out_dir: Path) -> list[Path]:
    """One PNG + SVG per (task, model, scale) with ``resolution_table`` artifacts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    claims = paper_claims()
    written: list[Path] = []
    for (task, model, scale), tables in sorted(_tables(df).items()):
        acc: dict[tuple[float, str], list[float]] = defaultdict(list)
        for table in tables:
            for row in table:
                acc[(float(row["k"]), str(row["method"]))].append(100.0 * float(row["accuracy"]))
        fig = Figure(figsize=(6.4, 4.2), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        src = acc.get((1.0, "source"), [])
        for method in METHODS:
            ks = sorted(k for (k, m) in acc if m == method)
            if not ks:
                continue
            xs = [1.0, *ks] if src else ks
            ys = (
                [np.mean(src), *(np.mean(acc[(k, method)]) for k in ks)]
                if src
                else [np.mean(acc[(k, method)]) for k in ks]
            )
            order = np.argsort(xs)
            ax.plot(np.array(xs)[order], np.array(ys)[order], marker="o", label=METHOD_LABELS[method])
        if src:
            ax.plot([1.0], [np.mean(src)], "ks", label="source resolution")
        for metric, value in claims.get(task, {}).items():
            label, marker = _CLAIM_METRICS[metric]
            ax.plot([2.0], [100.0 * value], marker=marker, color="crimson", ls="none", markersize=11, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("resolution ratio k = Δ_s / Δ_t")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{task} / {model} @{scale}: zero-shot adaptation (n = {len(tables)} seeds)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = out_dir / f"p06-{task}-{model}-{scale}-accuracy-vs-ratio"
        for suffix in (".png", ".svg"):
            fig.savefig(stem.with_suffix(suffix), dpi=120)
            written.append(stem.with_suffix(suffix))
    return written
