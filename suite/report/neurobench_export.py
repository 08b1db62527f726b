"""``leaderboard_neurobench.json``: the leaderboard's seed means under NeuroBench's key names.

The key names and layout come from :func:`suite.metrics.neurobench.to_neurobench` (one place
for the mapping); this module only feeds it the mean over ok seeds of each configuration.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from suite.metrics.neurobench import to_neurobench

#: our metric name -> the column of the aggregated table holding its seed mean
SOURCES = {
    "params": "n_params_mean",
    "footprint_bytes": "footprint_bytes_mean",
    "connection_sparsity": "connection_sparsity_mean",
    "accuracy": "accuracy_mean",
    "activation_sparsity": "activation_sparsity_mean",
    "synops_macs": "synops_macs_mean",
    "synops_acs": "synops_acs_mean",
    "synops_dense": "synops_dense_mean",
}
SCHEMA = "neurorepro.leaderboard-neurobench/1"


def neurobench_leaderboard(agg: pd.DataFrame) -> dict[str, Any]:
    """``{"schema", "entries": [{task, model, emulator, scale, n_seeds, results: {NeuroBench keys}}]}``.

    ``results`` holds only the metrics the configuration's task measured; an uncomputable one is
    ``null``, never 0.0. Accuracy is a fraction, as NeuroBench's ClassificationAccuracy.
    """
    present = {ours: col for ours, col in SOURCES.items() if col in agg.columns}
    measured = agg.groupby("task")[list(present.values())].agg(lambda s: s.notna().any()) if present else None
    entries = []
    for r in agg.to_dict("records"):
        in_task = measured.loc[r["task"]] if measured is not None else {}
        metrics = {ours: r[col] for ours, col in present.items() if in_task[col]}
        entries.append(
            {
                "task": r["task"],
                "model": r["model"],
                "emulator": r["emulator"],
                "scale": r["scale"],
                "n_seeds": int(r["n_seeds"]),
                "results": to_neurobench(metrics),
            }
        )
    return {"schema": SCHEMA, "entries": entries}
