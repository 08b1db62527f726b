"""Compiled memory of one gradient step: e-prop flat in T, BPTT linear (card P04 smoke (c))."""

from __future__ import annotations

import pytest

from implementations.eprop.memory_scaling import compiled_gradient, xla_peak_bytes
from implementations.eprop.model import EpropModel


def peak(method: str, T: int, hidden: int = 16) -> int:
    import jax

    net = EpropModel("lif", hidden=hidden)
    compiled, _, _ = compiled_gradient(method, net, net.cell(jax.random.PRNGKey(0)), T, 4, 8, 3, 0.05)
    return xla_peak_bytes(compiled)[0]


def test_eprop_memory_is_constant_in_T_while_bptt_grows_linearly():
    e50, e400 = peak("eprop", 50), peak("eprop", 400)
    b50, b400 = peak("bptt", 50), peak("bptt", 400)
    assert e400 / e50 < 1.10  # the card's gate; in fact it is exactly constant
    assert e400 == e50
    assert b400 / b50 > 4.0  # residuals of every step: ~8x more steps
    # e-prop's eligibility trace [B, H, I] = 4·16·8 floats is its dominant buffer
    assert e50 >= 4 * 16 * 8 * 4


def test_naive_eprop_memory_scales_with_dense_jacobians():
    assert peak("naive", 50, hidden=16) > 4 * peak("eprop", 50, hidden=16)


@pytest.mark.slow
def test_memory_scaling_protocol_with_fresh_process_rss(tmp_path):
    """The paper-scale path: the protocol with ``rss: true`` runs the probe in fresh processes."""
    import logging

    from implementations.eprop.memory_scaling import RSS_METHOD, run
    from suite.protocol import ModelInfo, RunContext, Task

    params = {"lengths": [20, 80], "hiddens": [8], "batch": 2, "n_inputs": 4, "methods": ["eprop"],
              "rss": True, "repeats": 1}  # fmt: skip
    ctx = RunContext(seed=0, params=params, data_root=tmp_path, scratch_parent=tmp_path, logger=logging.getLogger("t"))
    model = ModelInfo("eprop-lif", "implementations.eprop.model:build_eprop_lif", "jax")
    out = run(Task("memory-scaling", "memory-scaling"), model, None, ctx)
    assert out.metrics["peak_memory_ratio_tmax_tmin"] == 1.0
    assert out.artifacts["rss_method"] == RSS_METHOD
    rows = out.artifacts["memory_rows"]
    assert len(rows) == 2 and all(r["rss_peak_bytes"] > 50 * 2**20 for r in rows)  # a real process's RSS
    import math

    assert math.isnan(out.metrics["bptt_peak_memory_ratio_tmax_tmin"])  # not measured: NaN with a reason
    assert "bptt" in out.reasons["bptt_peak_memory_ratio_tmax_tmin"]
    assert "speedup_vs_bptt" in out.reasons
