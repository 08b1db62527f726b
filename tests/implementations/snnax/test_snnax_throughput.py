"""The throughput protocol: references by hand, every implementation's conformance, the protocol end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from implementations.snnax.plugin import PLUGIN
from implementations.snnax.throughput import implementations as impls
from implementations.snnax.throughput import protocol, reference
from implementations.snnax.throughput.figure import throughput_figure, throughput_table
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec

CUR = np.asarray([1.5, 0.5, 0.0, 2.0]).reshape(4, 1, 1)


def test_references_by_hand():
    # snnTorch Leaky β = .5: u = 1.5 (s 1); r = 1: u = .75 + .5 − 1 = .25 (0); u = .125 (0); u = 2.0625 (1)
    assert reference.snntorch_leaky(CUR, 0.5)[:, 0, 0].tolist() == [1, 0, 0, 1]
    # Spyx LIF β = .5: s from the previous V: V = 1.5; s = 1, V = .75 + .5 − 1 = .25; s = 0, V = .125; s = 0
    assert reference.spyx_lif(CUR, 0.5)[:, 0, 0].tolist() == [0, 1, 0, 0]
    # Norse LIFBox dt/τ = .5: v = .75 (0); v = .375 + .25 = .625 (0); v = .3125 (0); v = .15625 + 1 = 1.15625 (1)
    assert reference.norse_lif_box(CUR, 0.5)[:, 0, 0].tolist() == [0, 0, 0, 1]
    # ours, α = β = .5, I = 6, 2, 0, 8: u = 0, i = 3 (0); u = 1.5, i = 2.5 (1); u = .5·(1.5 − 1) + 1.25 = 1.5,
    # i = 1.25 (1); u = .5·(1.5 − 1) + .625 = .875, i = 4.625 (0)
    assert reference.soft_reset_lif(CUR * 4, 0.5, 0.5)[:, 0, 0].tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    "name",
    [
        "snnax_jax",
        "snnax_jax_train_decays",
        "snnax_jax_autodiff",
        "snnax_torch",
        "floor_jax",
        "floor_torch",
        "snntorch",
    ],
)
def test_each_implementation_matches_its_reference(name):
    mismatch, rate = protocol.conformance(getattr(impls, name), 0, 8.0)
    assert mismatch == 0.0
    assert rate > 0.02 or name.startswith("floor")


@pytest.mark.parametrize("name, module", [("norse", "norse"), ("spyx", "spyx")])
def test_optional_peers_match_their_reference(name, module):
    pytest.importorskip(module)
    mismatch, rate = protocol.conformance(getattr(impls, name), 0, 8.0)
    assert mismatch == 0.0 and rate > 0.005


def test_upstream_snnax_reports_why_it_cannot_run():
    with pytest.raises(RuntimeError, match="snnax"):
        impls.snnax_upstream(n=4, batch=1, steps=2, seed=0)


def _run(model_name, tmp_path, **params):
    t, m = PLUGIN["tasks"]["snn-throughput"], PLUGIN["models"][model_name]
    task = Task("snn-throughput", t["protocol"], scales=t["scales"])
    model = ModelInfo(model_name, m["target"], framework=m["framework"], protocols=tuple(m["protocols"]), meta=m)
    merged = {**t["scales"]["smoke"], "n": 32, "steps": 20, "repeats": 2, **params}
    ctx = RunContext(seed=0, params=merged, data_root=tmp_path, scratch_parent=tmp_path / "scratch")
    return protocol.run(task, model, BenchmarkSpec("snn-throughput", model_name), ctx)


@pytest.mark.parametrize("model_name", ["snnax-jax", "snnax-torch"])
def test_protocol_records_times_and_floor_ratio(model_name, tmp_path):
    out = _run(model_name, tmp_path)
    m = out.metrics
    for key in ("forward_seconds", "backward_seconds", "fwd_bwd_seconds", "compile_seconds", "floor_fwd_bwd_seconds"):
        assert m[key] > 0 and math.isfinite(m[key]), key
    assert m["fwd_bwd_seconds"] == pytest.approx(
        np.median([f + b for f, b in zip(out.artifacts["forward_runs"], out.artifacts["backward_runs"], strict=True)])
    )
    assert m["seconds_per_step"] == pytest.approx(m["fwd_bwd_seconds"] / 20)
    assert m["floor_ratio"] > 0 and m["conformance_mismatch"] == 0.0
    assert 0.0 <= m["output_rate"] <= 1.0
    assert len(out.artifacts["floor_runs"]) == 2 and out.artifacts["n"] == 32
    if model_name == "snnax-torch":
        assert math.isnan(m["fused_fwd_bwd_seconds"]) and "autograd" in out.reasons["fused_fwd_bwd_seconds"]
    else:
        assert m["fused_fwd_bwd_seconds"] > 0


def test_the_floor_has_no_floor_ratio(tmp_path):
    out = _run("floor-jax", tmp_path)
    assert math.isnan(out.metrics["floor_ratio"]) and "floor itself" in out.reasons["floor_ratio"]


def test_a_wrong_implementation_is_not_timed(tmp_path, monkeypatch):
    good = impls.snnax_torch

    def wrong(**kw):
        case = good(**kw)
        case.reference = lambda cur: reference.snntorch_leaky(cur, 0.9)  # claims a different model
        return case

    monkeypatch.setattr(impls, "snnax_torch", wrong)
    with pytest.raises(ValueError, match="disagrees with the NumPy reference"):
        _run("snnax-torch", tmp_path)


def test_unknown_param_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown throughput param"):
        _run("floor-torch", tmp_path, nn=3)


def _record(model, n, fwd, bwd, floor_ratio, scale="cpu"):
    return {
        "task": "snn-throughput",
        "status": "ok",
        "model": model,
        "scale": f"{scale}-n{n}",
        "forward_seconds": fwd,
        "backward_seconds": bwd,
        "fwd_bwd_seconds": fwd + bwd,
        "floor_ratio": floor_ratio,
        "artifacts": json.dumps({"n": n, "steps": 500}),
    }


def test_table_ratios_and_figure(tmp_path):
    df = pd.DataFrame(
        [
            _record("snnax-jax", 512, 0.05, 0.03, 1.1),
            _record("snnax-jax", 1024, 0.1, 0.1, 1.15),
            _record("spyx", 512, 0.04, 0.06, float("nan")),
            _record("spyx", 1024, 0.1, 0.15, float("nan")),
            _record("snntorch", 1024, 0.2, 0.3, float("nan")),
            {"task": "shd", "status": "ok", "model": "lif", "scale": "smoke", "artifacts": "{}"},
        ]
    )
    table = throughput_table(df)
    row = table[(table["model"] == "snnax-jax") & (table["n"] == 1024)].iloc[0]
    assert row["ratio_to_fastest_peer"] == pytest.approx(0.2 / 0.25)
    assert row["fwd_per_step"] == pytest.approx(0.1 / 500)
    assert table[(table["model"] == "snnax-jax") & (table["n"] == 512)].iloc[0][
        "ratio_to_fastest_peer"
    ] == pytest.approx(0.8)
    paths = throughput_figure(df, tmp_path)
    assert [p.name for p in paths] == ["throughput-cpu.png"] and paths[0].stat().st_size > 10_000
    assert (tmp_path / "throughput-cpu.svg").is_file()
    assert throughput_figure(df[df["task"] == "shd"], tmp_path) == []
