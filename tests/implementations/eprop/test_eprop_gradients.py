"""e-prop against BPTT, naive e-prop, RTRL and finite differences (card P04 §3, claim P04-1)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from implementations.eprop.alif import alif_cell
from implementations.eprop.bptt import bptt_grad
from implementations.eprop.cell import Cell, zeros_init
from implementations.eprop.eprop import eprop_grad
from implementations.eprop.lif import lif_cell
from implementations.eprop.naive import naive_eprop_grad
from implementations.eprop.network import array_inputs, init_params, sequence_loss
from implementations.eprop.rtrl import rtrl_grad
from implementations.eprop.silif import silif_cell
from implementations.eprop.spike import spike_sigmoid

jax.config.update("jax_enable_x64", False)


def batch(n_in=4, T=3, B=2, rate=0.5, scale=30.0, seed=0):
    kx, ky = jax.random.split(jax.random.PRNGKey(seed))
    x = jax.random.bernoulli(kx, rate, (B, T, n_in)).astype(jnp.float32) * scale
    return x, jax.random.randint(ky, (B,), 0, 2)


def rel_err(a, b) -> float:
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


def cos(a, b) -> float:
    return float(jnp.sum(a * b) / jnp.linalg.norm(a) / jnp.linalg.norm(b))


def quadratic_cell() -> Cell:
    """A cell the pipeline has never seen: sine leak, tanh input current, detached reset; 2 states."""

    def step(h, c):
        v, r = h
        r_new = 0.9 * r + 0.5 * jnp.tanh(c)
        v_new = 0.7 * v + 0.2 * jnp.sin(v) + r_new - 0.5 * jax.lax.stop_gradient(spike_sigmoid(v - 1.0))
        return (v_new, r_new)

    return Cell("quadratic", 2, step, lambda h: spike_sigmoid(h[0] - 1.0), zeros_init(2))


def smooth_cell() -> Cell:
    """A spike-free cell (smooth output), so that finite differences are meaningful."""

    def step(h, c):
        (v,) = h
        return (0.7 * v + jnp.tanh(c),)

    return Cell("smooth", 1, step, lambda h: jax.nn.sigmoid(h[0]), zeros_init(1))


@pytest.mark.parametrize("reset", ["A", "B", "C"])
def test_eprop_equals_bptt_on_the_tiny_feedforward_lif(reset):
    """Claim P04-1: 4-4 network, T = 3, fp32; gate max relative error < 1e-5 (card smoke (a))."""
    x, y = batch()
    params = init_params(jax.random.PRNGKey(1), 4, 4, 2)
    cell = lif_cell(reset=reset)
    zs = jax.jit(lambda: eprop_grad(params, cell, array_inputs(x), y, 3, 4))
    loss_e, g_e = zs()
    loss_b, g_b = bptt_grad(params, cell, array_inputs(x), y, 3, 4)
    assert float(jnp.abs(g_b.w_in).max()) > 1e-3  # a gradient that is there
    assert rel_err(g_e.w_in, g_b.w_in) < 1e-5
    assert rel_err(g_e.w_out, g_b.w_out) < 1e-5
    np.testing.assert_allclose(loss_e, loss_b, rtol=1e-6)


@pytest.mark.parametrize(
    "make_cell", [lambda: lif_cell(), alif_cell, lambda: silif_cell(8, key=jax.random.PRNGKey(5)), quadratic_cell]
)
def test_eprop_is_exact_for_any_feedforward_cell(make_cell):
    x, y = batch(n_in=5, T=30, B=3, rate=0.2, scale=15.0, seed=2)
    params = init_params(jax.random.PRNGKey(3), 5, 8, 2)
    cell = make_cell()
    _, g_e = eprop_grad(params, cell, array_inputs(x), y, 30, 5)
    _, g_b = bptt_grad(params, cell, array_inputs(x), y, 30, 5)
    assert float(jnp.abs(g_b.w_in).max()) > 1e-4
    assert rel_err(g_e.w_in, g_b.w_in) < 1e-4


def test_user_defined_cell_against_finite_differences():
    x, y = batch(n_in=3, T=6, B=2, rate=0.5, scale=1.0, seed=4)
    params = init_params(jax.random.PRNGKey(6), 3, 3, 2)
    cell = smooth_cell()
    _, g_e = eprop_grad(params, cell, array_inputs(x), y, 6, 3)
    loss = jax.jit(lambda w: sequence_loss(params._replace(w_in=w), cell, array_inputs(x), y, 6, 3))
    eps = 1e-2
    for j, i in [(0, 0), (1, 2), (2, 1)]:
        step = jnp.zeros_like(params.w_in).at[j, i].set(eps)
        fd = (float(loss(params.w_in + step)) - float(loss(params.w_in - step))) / (2 * eps)
        np.testing.assert_allclose(float(g_e.w_in[j, i]), fd, rtol=2e-2, atol=1e-4)


def test_naive_eprop_and_rtrl_agree():
    x, y = batch(n_in=3, T=8, B=2, rate=0.4, scale=20.0, seed=7)
    params = init_params(jax.random.PRNGKey(8), 3, 4, 2, recurrent=True)
    cell = alif_cell()
    _, g_e = eprop_grad(params, cell, array_inputs(x), y, 8, 3)
    _, g_n = naive_eprop_grad(params, cell, array_inputs(x), y, 8, 3)
    _, g_b = bptt_grad(params, cell, array_inputs(x), y, 8, 3)
    g_r = rtrl_grad(params, cell, array_inputs(x), y, 8, 3)
    assert rel_err(g_n.w_in, g_e.w_in) < 1e-5  # same approximation, dense Jacobians
    assert rel_err(g_r.w_in, g_b.w_in) < 1e-4  # RTRL is exact


def test_recurrent_eprop_is_an_approximation_with_high_alignment():
    x, y = batch(n_in=10, T=30, B=4, rate=0.1, scale=30.0, seed=9)
    params = init_params(jax.random.PRNGKey(10), 10, 16, 4, recurrent=True)
    cell = silif_cell(16, key=jax.random.PRNGKey(11))
    y = jnp.array([0, 1, 2, 3])
    _, g_e = eprop_grad(params, cell, array_inputs(x), y, 30, 10)
    _, g_b = bptt_grad(params, cell, array_inputs(x), y, 30, 10)
    assert rel_err(g_e.w_in, g_b.w_in) > 1e-3  # the recurrent paths are missing ...
    assert 0.5 < cos(g_e.w_in, g_b.w_in) < 0.99999  # ... yet the estimate points the same way


def test_rtrl_refuses_large_networks():
    params = init_params(jax.random.PRNGKey(0), 2, 129, 2)
    with pytest.raises(ValueError, match="hidden <= 128"):
        rtrl_grad(params, lif_cell(), array_inputs(jnp.zeros((1, 2, 2))), jnp.zeros(1, jnp.int32), 2, 2)
