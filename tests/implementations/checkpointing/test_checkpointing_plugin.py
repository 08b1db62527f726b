"""P05 registration, plans, the protocol at a small scale and the report figure."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from suite.protocol import ModelInfo, RunContext, Task
from suite.registry import build_registry
from suite.spec import load_plan, merged_params

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def registry():
    return build_registry(ROOT)


def test_plans_expand_with_the_published_sizes(registry):
    smoke = load_plan(ROOT / "plans/p05-checkpointing-smoke.yaml", registry)
    assert len(smoke.specs) == 5 and {s.emulator for s in smoke.specs} == {"ipu"}
    p = merged_params(smoke.specs[0], registry)
    assert (p["n"], p["T"], p["batch"], p["rho_in"]) == (128, 256, 2, 0.05)  # card P05 §6 smoke
    paper = load_plan(ROOT / "plans/p05-checkpointing-paper.yaml", registry)
    assert len(paper.specs) == 5 * 2 * 3
    double = registry.load("models", "double-checkpointing")()
    assert double.intervals == {"remote_interval": 64, "local_interval": 8}
    assert registry.load("emulators", "ipu").constants["tiles"] == 1472


def test_protocol_records_validation_and_ipu_ratios(registry, tmp_path):
    from implementations.checkpointing.protocol import run

    entry = registry.get("models", "double-checkpointing")
    ctx = RunContext(seed=0, params={"n": 32, "T": 64, "remote_interval": 16, "local_interval": 4,
                                     "ipu_curve_T": [1000, 10000]}, data_root=tmp_path,
                     scratch_parent=tmp_path, emulator="ipu", logger=logging.getLogger("t"))  # fmt: skip
    out = run(Task("checkpointing", "checkpointing"), ModelInfo(entry.name, entry.target), None, ctx)
    m = out.metrics
    assert m["grad_max_rel_error_vs_bptt"] < 1e-5
    assert m["recomputed_steps"] == m["predicted_recomputed_steps"] == 2 * 64 - 64 // 4
    assert m["peak_prediction_rel_error"] < 0.10
    assert m["max_sequence_length_ratio"] > 10  # claim P05-1 in the emulator
    assert m["max_network_size_ratio"] > 1
    df = pd.DataFrame([{"task": "checkpointing", "status": "ok", "emulator": "ipu", "model": entry.name,
                        "scale": "smoke", "artifacts": json.dumps(out.artifacts), **m}])  # fmt: skip
    from implementations.checkpointing.figures import tradeoff

    paths = tradeoff(df, tmp_path)
    assert paths and paths[0].stat().st_size > 1000
