"""The engine trains synthetic SHD through ``classification-jax``; the paper-scale models have the published sizes."""

from __future__ import annotations

import math

import jax
import pytest

from implementations.snnax import classification_jax
from implementations.snnax.plugin import PLUGIN
from implementations.snnax.shd_model import build_shd_alif, build_shd_lif
from suite.data.shd import SHD
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec


@pytest.fixture(scope="module")
def shd_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    SHD.synthesize(root, seed=0, n_train=400, n_test=100)
    return root


def _run(model_name, root, tmp_path, seed=0, **params):
    t, m = PLUGIN["tasks"]["shd-jax"], PLUGIN["models"][model_name]
    task = Task("shd-jax", t["protocol"], t["dataset"], scales=t["scales"])
    model = ModelInfo(model_name, m["target"], framework="jax", protocols=tuple(m["protocols"]))
    merged = {**t["scales"]["smoke"], **m["scales"]["smoke"], **params}
    ctx = RunContext(seed=seed, params=merged, data_root=root, scratch_parent=tmp_path / "scratch")
    return classification_jax.run(task, model, BenchmarkSpec("shd-jax", model_name, seed=seed), ctx)


@pytest.mark.slow
def test_adaptive_lif_network_learns_synthetic_shd(shd_root, tmp_path):
    # smoke widths (2 x 64), 6 epochs on 360 train samples; about 25 s on 2 idle cores, most of it compiling
    out = _run("snnax-alif", shd_root, tmp_path, epochs=6, max_samples=400, max_test_samples=100)
    m = out.metrics
    assert m["accuracy"] > 0.05 + 0.15  # 20 classes: chance 0.05
    assert out.artifacts["train_loss"][-1] < out.artifacts["train_loss"][0]
    h, c, i = 64, 20, 140
    assert m["params"] == i * h + h * h + h * c + 2 * 4 * h + c  # weights; α, β, a, b per hidden unit; α per class
    assert m["footprint_bytes"] == 4 * m["params"]
    assert m["state_bytes"] == 4 * (2 * 3 * h + c)  # u, w, s per hidden unit; u per class
    assert 0.0 < m["activation_sparsity"] < 1.0 and m["synops_acs"] > 0
    assert m["connection_sparsity"] == 0.0
    for key in ("train_seconds", "compile_seconds", "eval_seconds", "samples_per_second", "peak_memory_bytes"):
        assert m[key] > 0 and math.isfinite(m[key]), key
    assert out.reasons == {}


def test_unknown_model_param_is_rejected(shd_root, tmp_path):
    with pytest.raises(ValueError, match="hiddn"):
        _run("snnax-alif", shd_root, tmp_path, hiddn=3)


@pytest.mark.parametrize("build", [build_shd_alif, build_shd_lif])
def test_paper_scale_sizes(build):
    # SNNAX SHD example: 3 hidden layers; 140 pooled inputs, 20 classes, 256 units (our choice of width)
    net = build(140, 20, **PLUGIN["models"]["snnax-alif"]["scales"]["paper"])
    import equinox as eqx

    leaves = jax.tree_util.tree_leaves(eqx.filter(net, eqx.is_inexact_array))
    per_unit = 4 if build is build_shd_alif else 2  # α, β, a, b  |  α, β
    assert sum(int(x.size) for x in leaves) == 140 * 256 + 2 * 256 * 256 + 256 * 20 + 3 * per_unit * 256 + 20
    assert net.burnin == 30
    assert sum(isinstance(layer, eqx.Module) and type(layer).__name__ == "Dropout" for layer in net.graph.layers) == 3


@pytest.mark.slow
def test_lif_network_learns_nmnist_format_events(tmp_path):
    """NMNIST through the real ``.bin`` layout (digits-nmnist stand-in, 40 images per split)."""
    from suite.data.nmnist import NMNIST

    root = tmp_path / "data"
    NMNIST.synthesize(root, seed=0, limit=200, pad_to=0)
    t, m = PLUGIN["tasks"]["nmnist-jax"], PLUGIN["models"]["snnax-lif"]
    task = Task("nmnist-jax", t["protocol"], t["dataset"], scales=t["scales"])
    model = ModelInfo("snnax-lif", m["target"], framework="jax", protocols=tuple(m["protocols"]))
    params = {**t["scales"]["smoke"], **m["scales"]["smoke"], "epochs": 8, "max_samples": 200, "max_test_samples": 100}
    ctx = RunContext(seed=0, params=params, data_root=root, scratch_parent=tmp_path / "scratch")
    out = classification_jax.run(task, model, BenchmarkSpec("nmnist-jax", "snnax-lif"), ctx)
    assert out.metrics["accuracy"] > 0.1 + 0.2  # 10 classes: chance 0.1
    # 2 x 9 x 9 inputs at pool 4; weights, two decays (membrane, synapse) per hidden unit, α per class
    assert out.metrics["params"] == 162 * 64 + 64 * 64 + 64 * 10 + 2 * 2 * 64 + 10
