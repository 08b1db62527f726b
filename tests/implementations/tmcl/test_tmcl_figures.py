"""The P02 report figure: drawn from a results table; the L_MI probe panel only where recorded."""

from __future__ import annotations

import json

import pandas as pd

from implementations.tmcl.figures import tmcl_figures


def _row(model: str, seed: int, probe: bool) -> dict:
    sessions = [{"knn_accuracy": 0.9 - 0.1 * s, "linear_probe_accuracy": 0.8 - 0.1 * s} for s in range(3)]
    art = {"sessions": sessions}
    if probe:
        art["mi_probe"] = [{"knn_features": 0.9, "knn_expected_target": 0.8 - 0.01 * seed} for _ in range(3)]
    return {
        "task": "digits-ci-jitter",
        "scale": "smoke-1pct",
        "model": model,
        "status": "ok",
        "artifacts": json.dumps(art),
    }


def _size(path) -> tuple[int, int]:
    from matplotlib.image import imread

    h, w = imread(path).shape[:2]
    return w, h


def test_accuracy_figure_with_and_without_the_probe_panel(tmp_path):
    rows = [_row(m, seed, probe=(m == "tmcl")) for m in ("tmcl", "vi", "supervised") for seed in (0, 1)]
    (a := tmp_path / "a").mkdir()
    paths = tmcl_figures(pd.DataFrame(rows), a)
    assert sorted(p.name for p in paths) == [
        "accuracy-per-session-digits-ci-jitter-smoke-1pct.png",
        "accuracy-per-session-digits-ci-jitter-smoke-1pct.svg",
    ]
    assert "E_c[L_MI target]" in paths[1].read_text()
    # records from before the probe (or vi-only runs): two panels, no probe legend
    (b := tmp_path / "b").mkdir()
    old = tmcl_figures(pd.DataFrame([_row(m, 0, probe=False) for m in ("tmcl", "vi")]), b)
    assert "E_c[L_MI target]" not in old[1].read_text()
    assert _size(paths[0]) == (1440, 400) and _size(old[0]) == (960, 400)


def test_no_tmcl_rows_no_figure(tmp_path):
    other = pd.DataFrame([{"task": "shd", "scale": "smoke", "model": "silif", "status": "ok", "artifacts": "{}"}])
    assert tmcl_figures(other, tmp_path) == []
    broken = pd.DataFrame([{**_row("tmcl", 0, True), "artifacts": "{not json"}])
    assert tmcl_figures(broken, tmp_path) == []
