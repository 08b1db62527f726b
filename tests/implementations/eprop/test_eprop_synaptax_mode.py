"""The synaptax-compatible LIF rule against BPTT (card P04 §7: test both modes against BPTT)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from implementations.eprop.bptt import bptt_grad
from implementations.eprop.lif import lif_cell
from implementations.eprop.network import array_inputs, init_params
from implementations.eprop.synaptax_lif import synaptax_lif_grad


@pytest.fixture(scope="module")
def data():
    kx, ky = jax.random.split(jax.random.PRNGKey(0))
    x = jax.random.bernoulli(kx, 0.5, (2, 6, 4)).astype(jnp.float32) * 30.0
    return x, jax.random.randint(ky, (2,), 0, 2), init_params(jax.random.PRNGKey(1), 4, 4, 2)


def rel(a, b) -> float:
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


def test_post_reset_trace_is_exact_with_detached_reset_and_pre_reset_psi(data):
    x, y, params = data
    loss_s, g_s = synaptax_lif_grad(params, array_inputs(x), y, 6, 4, reset="C", psi_at="pre")
    loss_b, g_b = bptt_grad(params, lif_cell(reset="C"), array_inputs(x), y, 6, 4)
    assert float(loss_s) == pytest.approx(float(loss_b), rel=1e-6)  # the same forward pass
    assert rel(g_s.w_in, g_b.w_in) < 1e-5


def test_synaptax_rule_departs_from_bptt(data):
    """As synaptax runs it (reset A, ψ at the post-reset value) the rule is not BPTT's gradient."""
    x, y, params = data
    _, g_s = synaptax_lif_grad(params, array_inputs(x), y, 6, 4, reset="A", psi_at="post")
    _, g_b = bptt_grad(params, lif_cell(reset="A"), array_inputs(x), y, 6, 4)
    assert rel(g_s.w_in, g_b.w_in) > 1e-2
    assert rel(g_s.w_out, g_b.w_out) < 1e-6  # the readout gradient is exact in both
