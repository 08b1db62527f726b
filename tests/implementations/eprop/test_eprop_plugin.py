"""P04 registration, plans at both scales, the published sizes, and the protocols at smoke scale."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from implementations.eprop.plugin import PLUGIN
from suite.protocol import ModelInfo, RunContext, Task
from suite.registry import build_registry
from suite.spec import load_plan, merged_params

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def registry():
    return build_registry(ROOT)


def test_plans_expand_and_validate(registry):
    smoke = load_plan(ROOT / "plans/p04-eprop-smoke.yaml", registry)
    paper = load_plan(ROOT / "plans/p04-eprop-paper.yaml", registry)
    assert len(smoke.specs) == 7
    assert {s.scale for s in paper.specs} == {"paper"}
    assert sum(s.task == "shd-eprop" for s in paper.specs) == 4 * 5


def test_paper_scale_builds_the_published_network(registry):
    """Card P04 §3: SHD, 140 inputs after pooling 5, 1024 hidden, 20 classes."""
    import jax

    spec = next(s for s in load_plan(ROOT / "plans/p04-eprop-paper.yaml", registry).specs if s.task == "shd-eprop")
    p = merged_params(spec, registry)
    assert (p["hidden"], p["nb_steps"], p["pool"], p["max_time"], p["batch_size"]) == (1024, 100, 5, 1.4, 256)
    net = registry.load("models", spec.model)(hidden=p["hidden"])
    params = net.init(jax.random.PRNGKey(0), 140, 20)
    assert params.w_in.shape == (1024, 140) and params.w_out.shape == (20, 1024)
    assert net.param_count(140, 20) == 1024 * 140 + 20 * 1024 == 163_840
    # W_in orthogonal with gain sqrt(2): W W^T = 2 I on the 140-dim row space
    import numpy as np

    w = np.asarray(params.w_in)
    np.testing.assert_allclose(w.T @ w, 2.0 * np.eye(140), atol=1e-4)


def ctx(params, tmp_path, seed=0):
    return RunContext(seed=seed, params=params, data_root=tmp_path, scratch_parent=tmp_path,
                      logger=logging.getLogger("test"))  # fmt: skip


def task_and_model(registry, task, model):
    t = registry.get("tasks", task)
    m = registry.get("models", model)
    return Task(task, t.meta["protocol"], t.meta.get("dataset")), ModelInfo(model, m.target, "jax")


def test_grad_check_tiny_protocol_meets_the_card_gate(registry, tmp_path):
    from implementations.eprop.grad_alignment import run

    params = PLUGIN["tasks"]["grad-check-tiny"]["scales"]["smoke"]
    out = run(*task_and_model(registry, "grad-check-tiny", "eprop-lif"), None, ctx(dict(params), tmp_path))
    assert out.metrics["grad_max_rel_error_vs_bptt"] < 1e-5
    assert out.metrics["rtrl_grad_max_rel_error_vs_bptt"] < 1e-5
    assert out.metrics["activation_sparsity"] < 1.0  # neurons spiked, so the reset is exercised


def test_shd_eprop_learns_above_chance(registry, tmp_path):
    from implementations.eprop.classification import run
    from suite.data.shd import SHD

    SHD.synthesize(tmp_path, seed=0, n_train=300, n_test=100)
    params = {**PLUGIN["tasks"]["shd-eprop"]["scales"]["smoke"], "max_samples": 300, "max_test_samples": 100,
              "epochs": 3}  # fmt: skip
    out = run(*task_and_model(registry, "shd-eprop", "eprop-lif"), None, ctx(params, tmp_path))
    assert out.metrics["accuracy"] > out.metrics["chance_accuracy"] + 0.07
    assert out.metrics["params"] == 64 * 140 + 20 * 64


def test_memory_figure_draws_from_records(tmp_path):
    import json

    import pandas as pd

    from implementations.eprop.figures import memory_vs_length

    rows = [{"method": m, "T": t, "H": 8, "peak_bytes": (100 if m == "eprop" else t * 10)} for m in ("eprop", "bptt")
            for t in (50, 100)]  # fmt: skip
    df = pd.DataFrame([{"task": "memory-scaling", "status": "ok", "model": "eprop-lif", "scale": "smoke",
                        "artifacts": json.dumps({"memory_rows": rows})}])  # fmt: skip
    paths = memory_vs_length(df, tmp_path)
    assert paths and paths[0].stat().st_size > 1000 and paths[0].with_suffix(".svg").is_file()
    assert memory_vs_length(df.assign(task="other"), tmp_path) == []
