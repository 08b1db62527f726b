"""The ``classification`` protocol end to end on shipped digits-spikes and tiny synthetic SHD."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from implementations.baselines import classification
from implementations.baselines.plugin import PLUGIN
from implementations.baselines.sparch import build_adlif
from suite.errors import Diverged
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec

TIMINGS = {"train_seconds", "eval_seconds", "samples_per_second", "peak_memory_bytes"}


def _run(task_name: str, model_name: str, tmp_path: Path, seed: int = 0, **params):
    t, m = PLUGIN["tasks"][task_name], PLUGIN["models"][model_name]
    task = Task(task_name, t["protocol"], t["dataset"], scales=t["scales"])
    model = ModelInfo(model_name, m["target"], protocols=tuple(m["protocols"]))
    merged = {**t["scales"]["smoke"], **m["scales"]["smoke"], **params}
    spec = BenchmarkSpec(task_name, model_name, seed=seed, params=params)
    ctx = RunContext(seed=seed, params=merged, data_root=tmp_path / "data", scratch_parent=tmp_path / "scratch")
    return classification.run(task, model, spec, ctx)


def test_adlif_learns_digits_spikes_far_above_chance(tmp_path):
    out = _run("digits-spikes", "adlif", tmp_path)  # the smoke scale: 540 train, 60 val, 300 test, 20 epochs
    assert out.metrics["accuracy"] > 0.6  # chance is 0.1
    assert out.metrics["val_accuracy"] > 0.6
    loss = out.artifacts["train_loss"]
    assert len(loss) == 20 and loss[-1] < loss[0]
    assert out.artifacts["n_train"] == 540 and out.artifacts["n_val"] == 60 and out.artifacts["n_test"] == 300
    m = out.metrics
    assert (
        m["params"]
        == sum(p.numel() for p in build_adlif(64, 10, hidden=32).parameters())
        == 64 * 32 + 32 * 32 + 32 * 10 + 2 * 4 * 32 + 2 * 2 * 32 + 3 * 10
    )
    assert m["footprint_bytes"] > 4 * m["params"]  # + BN running stats
    assert m["connection_sparsity"] == 0.0
    assert m["state_bytes"] == 4 * (2 * 3 * 32 + 2 * 10)  # u, w, s per hidden neuron; u and the sum per class
    assert 0.0 < m["activation_sparsity"] < 1.0
    # digits-spikes is binary, so every synaptic op is an accumulate; dense = Σ_layers T·in·out
    assert m["synops_macs"] == 0.0 and 0 < m["synops_acs"] < m["synops_dense"] == 25 * (64 * 32 + 32 * 32 + 32 * 10)
    for name in ("train_seconds", "eval_seconds", "samples_per_second", "peak_memory_bytes"):
        assert m[name] > 0 and math.isfinite(m[name])
    assert out.reasons == {}
    assert out.artifacts["peak_memory_method"]


def test_same_seed_gives_identical_metrics_and_curves(tmp_path):
    small = {"epochs": 3, "max_samples": 200, "max_test_samples": 60, "dropout": 0.1}
    a = _run("digits-spikes", "adlif", tmp_path, seed=3, **small)
    b = _run("digits-spikes", "adlif", tmp_path, seed=3, **small)
    assert a.artifacts["train_loss"] == b.artifacts["train_loss"]
    assert a.artifacts["val_accuracy"] == b.artifacts["val_accuracy"]
    assert {k: v for k, v in a.metrics.items() if k not in TIMINGS} == {
        k: v for k, v in b.metrics.items() if k not in TIMINGS
    }
    c = _run("digits-spikes", "adlif", tmp_path, seed=4, **small)
    assert c.artifacts["train_loss"] != a.artifacts["train_loss"]


def test_lif_on_tiny_synthetic_shd(tmp_path):
    from suite.data.shd import SHD

    SHD.synthesize(tmp_path / "data", seed=0, n_train=60, n_test=20)
    out = _run("shd", "lif", tmp_path, epochs=2, max_samples=None, max_test_samples=None)
    assert out.artifacts["n_train"] + out.artifacts["n_val"] == 60 and out.artifacts["n_test"] == 20
    assert out.artifacts["n_val"] == 6
    assert all(math.isfinite(v) for v in out.artifacts["train_loss"])
    # pooled SHD counts exceed 1, so the first layer's operations are MACs
    assert out.metrics["synops_macs"] > 0
    assert out.metrics["params"] == 140 * 32 + 32 * 32 + 32 * 20 + 2 * 3 * 32 + 3 * 20


def test_divergence_raises_with_epoch_and_batch(tmp_path):
    with pytest.raises(Diverged, match=r"loss is .* at epoch 1, batch 0"):
        _run("digits-spikes", "lif", tmp_path, epochs=1, max_samples=64, max_test_samples=10, max_loss=0.0)


def test_params_split_into_data_training_and_model():
    params = {"epochs": 3, "lr": 0.1, "nb_steps": 25, "max_rate": 0.5, "hidden": 8, "dropout": 0.2}
    data, model = classification.split_params(params, build_adlif)
    assert data == {"nb_steps": 25, "max_rate": 0.5}
    assert model == {"hidden": 8, "dropout": 0.2}
    with pytest.raises(ValueError, match="hiddden"):
        classification.split_params({"hiddden": 8}, build_adlif)


def test_stratified_split_is_seeded_disjoint_and_proportional():
    y = np.repeat(np.arange(4), [40, 20, 20, 20])
    tr, va = classification.stratified_split(y, 0.1, np.random.default_rng(0))
    tr2, va2 = classification.stratified_split(y, 0.1, np.random.default_rng(0))
    assert np.array_equal(va, va2) and np.array_equal(tr, tr2)
    assert len(va) == 10 and len(tr) == 90 and not set(tr) & set(va)
    assert np.bincount(y[va], minlength=4).tolist() == [4, 2, 2, 2]
    # fewer samples per class than 1/fraction: still spread over classes, one each at most
    y = np.repeat(np.arange(20), 2)
    _, va = classification.stratified_split(y, 0.1, np.random.default_rng(1))
    assert len(va) == 4 and len(set(y[va])) == 4
    assert len(classification.stratified_split(y, 0.0, np.random.default_rng(1))[1]) == 0
