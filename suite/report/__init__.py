"""Reports from the results table: leaderboards, claims, figures, HTML, metrics for DVC.

``build_report(df, out_dir, claims=...)`` writes into ``out_dir``:

* ``index.html``: self-contained page (inline CSS, PNGs as data URIs, no network, no scripts);
* ``leaderboard.md``: per task, one row per (model, emulator, scale) with seed statistics;
* ``claims.md``: every registered claim beside the reproduced value and a verdict;
* ``figures/*.png`` and ``*.svg``: metric vs SynOps / params / state / peak memory per task,
  plus the figures of paper plugins (``figure_fns``);
* ``metrics.json``: ``{task: {"model/emulator/scale": {<primary>_mean, <primary>_std, n}}}``
  for ``dvc metrics show`` (``accuracy_mean`` / ``accuracy_std`` for classification tasks);
* ``leaderboard_neurobench.json``: seed means under NeuroBench's key names.

Importing this package is light (no pandas, matplotlib or seaborn until a report is built).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from suite.claims import Claim

log = logging.getLogger(__name__)

__all__ = ["build_report", "leaderboard_text", "metrics_json"]


def leaderboard_text(df: pd.DataFrame) -> str:
    """The terminal leaderboard: per task, model, emulator, scale, seeds and metric mean ± std."""
    from suite.report.leaderboard import leaderboard_text as _text

    return _text(df)


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def metrics_json(tables: Mapping[str, tuple[pd.DataFrame, str | None]]) -> dict[str, Any]:
    """``{task: {"model/emulator/scale": {<m>_mean, <m>_std, n}}}``, ``m`` the task's primary
    metric; non-finite statistics are left out (JSON has no NaN), ``n`` is always present."""
    out: dict[str, Any] = {}
    for task, (rows, primary) in tables.items():
        entries: dict[str, Any] = {}
        for r in rows.to_dict("records"):
            entry: dict[str, Any] = {}
            if primary:
                for stat in ("mean", "std"):
                    v = _finite(r.get(f"{primary}_{stat}"))
                    if v is not None:
                        entry[f"{primary}_{stat}"] = v
            entry["n"] = int(r["n_seeds"])
            entries[f"{r['model']}/{r['emulator']}/{r['scale']}"] = entry
        out[task] = entries
    return out


def _write(path: Path, text: str) -> None:
    from suite.store import atomic_write_text

    atomic_write_text(path, text)


def build_report(
    df: pd.DataFrame,
    out_dir: Path,
    *,
    claims: Sequence[Claim],
    figure_fns: Mapping[str, Callable[[pd.DataFrame, Path], list[Path]]] | None = None,
    machine: str | None = None,
) -> Path:
    """Write the report of the results table ``df`` (``Store.table()`` layout) into ``out_dir``.

    ``claims``: from :func:`suite.claims.load_claims`; ``figure_fns``: registered figure
    functions ``fn(df, out_dir) -> [png/svg paths]`` (see :func:`suite.report.figures.figure_functions`);
    ``machine``: the name shown as the generating machine (default: this platform).
    Returns the path of ``index.html``.
    """
    from suite.claims import compare_all
    from suite.report.aggregate import prepare, task_tables
    from suite.report.claims_table import claims_markdown
    from suite.report.figures import plugin_figures, standard_figures
    from suite.report.html import render_html
    from suite.report.leaderboard import leaderboard_markdown
    from suite.report.neurobench_export import neurobench_leaderboard

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    for old in [*fig_dir.glob("*.png"), *fig_dir.glob("*.svg")]:
        old.unlink()  # figures of configurations no longer in the store must not linger
    prepared = prepare(df)
    tables = task_tables(prepared)
    comparisons = compare_all(list(claims), prepared)
    figures, notes = standard_figures(tables, fig_dir)
    if figure_fns:
        more, more_notes = plugin_figures(prepared, figure_fns, fig_dir)
        figures += more
        notes += more_notes

    import pandas as pd

    agg = pd.concat([rows for rows, _ in tables.values()], ignore_index=True) if tables else None
    status = prepared["status"].value_counts().to_dict() if "status" in prepared.columns else {}
    ran_on = sorted({str(m) for m in prepared.get("machine", pd.Series(dtype=object)).dropna().unique()})
    summary: dict[str, object] = {
        "records": len(prepared),
        **{f"status {k}": v for k, v in sorted(status.items())},
        "tasks": len(tables),
        "claims": len(comparisons),
        "runs recorded on": "; ".join(ran_on) or "–",
    }
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    _write(out_dir / "leaderboard.md", leaderboard_markdown(tables))
    _write(out_dir / "claims.md", claims_markdown(comparisons))
    _write(out_dir / "metrics.json", json.dumps(metrics_json(tables), indent=1, sort_keys=True) + "\n")
    nb = neurobench_leaderboard(agg) if agg is not None else {"entries": []}
    _write(out_dir / "leaderboard_neurobench.json", json.dumps(nb, indent=1, allow_nan=False) + "\n")
    page = render_html(
        tables,
        comparisons,
        figures,
        notes,
        base=out_dir,
        machine=machine or platform.platform(),
        generated_at=generated,
        summary=summary,
    )
    index = out_dir / "index.html"
    _write(index, page)
    log.info("report of %d records written to %s in %.2f s", len(prepared), out_dir, time.perf_counter() - t0)
    return index
