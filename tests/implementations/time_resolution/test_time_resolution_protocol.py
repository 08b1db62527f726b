"""The time-resolution protocol end to end on synthetic SHD, and the P06 report figure."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from implementations.silif.plugin import PLUGIN as P01
from implementations.time_resolution import protocol
from implementations.time_resolution.figures import accuracy_vs_ratio, paper_claims
from implementations.time_resolution.plugin import PLUGIN
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from suite.data.shd import SHD

    tmp = tmp_path_factory.mktemp("p06")
    SHD.synthesize(tmp / "data", seed=0, n_train=360, n_test=120)
    t, m = PLUGIN["tasks"]["shd-resolution"], P01["models"]["silif"]
    task = Task("shd-resolution", t["protocol"], t["dataset"], scales=t["scales"])
    model = ModelInfo("silif", m["target"], protocols=tuple(m["protocols"]))
    params = {"hidden": 64, "epochs": 10, "max_samples": None, "max_test_samples": None, "ratios": [2, 0.5]}
    merged = {**t["scales"]["smoke"], **params}
    ctx = RunContext(seed=0, params=merged, data_root=tmp / "data", scratch_parent=tmp / "scratch")
    return protocol.run(task, model, BenchmarkSpec("shd-resolution", "silif", params=params), ctx)


@pytest.mark.slow
def test_an_adaptation_method_beats_the_baseline_at_k2(smoke_run):
    m = smoke_run.metrics
    assert m["accuracy_source"] > 0.05 + 0.4  # chance 1/20
    for method in ("none", "tau", "zoh", "euler", "impulse"):
        for k in ("2", "0p5"):
            assert 0 <= m[f"accuracy_k{k}_{method}"] <= 1
            assert m[f"drop_k{k}_{method}"] == pytest.approx(m["accuracy_source"] - m[f"accuracy_k{k}_{method}"])
    assert m["accuracy_tau_scaling"] == m["accuracy_k2_tau"]
    best = smoke_run.artifacts["best_method_k2"]
    assert best in ("zoh", "euler", "impulse") and m["accuracy_adapted_best"] == m[f"accuracy_k2_{best}"]
    assert m["accuracy_adapted_best"] > m["accuracy_tau_scaling"] + 0.1
    assert math.isnan(m["accuracy_oracle_k2"]) and "oracle" in smoke_run.reasons["accuracy_oracle_k2"]
    assert 0 < m["activation_sparsity"] < 1 and m["synops_dense"] > 0
    rows = smoke_run.artifacts["resolution_table"]
    assert len(rows) == 1 + 2 * 5 and rows[0] == {"k": 1.0, "method": "source", "accuracy": m["accuracy_source"]}


def test_protocol_rejects_ratios_without_2_and_non_nesting_ratios(tmp_path):
    t = PLUGIN["tasks"]["shd-resolution"]
    task = Task("shd-resolution", t["protocol"], t["dataset"])
    model = ModelInfo("silif", P01["models"]["silif"]["target"])
    ctx = RunContext(
        seed=0, params={**t["scales"]["smoke"], "ratios": [4]}, data_root=tmp_path, scratch_parent=tmp_path
    )
    with pytest.raises(ValueError, match="must include 2"):
        protocol.run(task, model, None, ctx)
    with pytest.raises(ValueError, match="does not nest"):
        protocol.target_steps(50, 2.0 / 3.0)


def test_figure_plots_one_line_per_method_with_claims(tmp_path):
    table = [{"k": 1.0, "method": "source", "accuracy": 0.9}] + [
        {"k": k, "method": m, "accuracy": 0.5 + 0.1 * i}
        for k in (2.0, 0.5)
        for i, m in enumerate(("none", "tau", "zoh", "euler", "impulse"))
    ]
    df = pd.DataFrame(
        [
            {
                "task": "shd-resolution",
                "model": "silif",
                "scale": "smoke",
                "status": "ok",
                "artifacts": json.dumps({"resolution_table": table}),
            },
            {"task": "shd", "model": "silif", "scale": "smoke", "status": "ok", "artifacts": "{}"},
        ]
    )
    paths = accuracy_vs_ratio(df, tmp_path / "fig")
    assert sorted(p.suffix for p in paths) == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
    claims = paper_claims()
    assert claims["shd-resolution"] == {"accuracy_adapted_best": 0.895, "accuracy_tau_scaling": 0.53}
    assert accuracy_vs_ratio(df[df["task"] == "shd"], tmp_path / "none") == []
