"""P04 cells and surrogates against hand-computed values, and the per-step Jacobians the pipeline derives."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from implementations.eprop.alif import alif_cell
from implementations.eprop.eprop import step_jacobians
from implementations.eprop.lif import lif_cell
from implementations.eprop.silif import silif_cell, silif_params
from implementations.eprop.spike import psi_sigmoid, spike_boxcar, spike_sigmoid


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-10.0 * x))


def test_sigmoid_spike_forward_and_surrogate_in_both_modes():
    x = jnp.array([-0.3, 0.0, 0.2])
    np.testing.assert_array_equal(spike_sigmoid(x), [0.0, 0.0, 1.0])  # strict H(x) = [x > 0]
    expected = [10 * sig(v) * (1 - sig(v)) for v in (-0.3, 0.0, 0.2)]
    np.testing.assert_allclose(jax.vmap(jax.grad(spike_sigmoid))(x), expected, rtol=1e-6)
    _, tangent = jax.jvp(spike_sigmoid, (x,), (jnp.ones(3),))  # forward mode sees the surrogate too
    np.testing.assert_allclose(tangent, expected, rtol=1e-6)
    np.testing.assert_allclose(psi_sigmoid(x), expected, rtol=1e-6)


def test_boxcar_spike_derivative():
    x = jnp.array([-0.6, -0.4, 0.3, 0.5, 0.7])
    np.testing.assert_array_equal(spike_boxcar(x), [0, 0, 1, 1, 1])
    _, t = jax.jvp(spike_boxcar, (x,), (jnp.ones(5),))
    np.testing.assert_array_equal(t, [0, 1, 1, 1, 0])  # 1 on (-0.5, 0.5]


def test_lif_step_hand_computed():
    cell = lif_cell(beta=0.95, reset="A")
    # pre-reset state 1.2 spikes: reset to 0, then 0.05 * c
    (u,) = cell.step((jnp.array([[1.2, 0.5]]),), jnp.array([[2.0, 2.0]]))
    np.testing.assert_allclose(u, [[0.05 * 2.0, 0.95 * 0.5 + 0.05 * 2.0]], rtol=1e-6)
    np.testing.assert_array_equal(cell.output((jnp.array([[1.2, 0.5]]),)), [[1.0, 0.0]])


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        # card P04: H_t = β[(1 − z) − ū ψ(ū − 1)] when the gradient flows through the reset (A)
        ("A", lambda u, z: 0.95 * ((1 - z) - u * 10 * sig(u - 1) * (1 - sig(u - 1)))),
        ("B", lambda u, z: 0.95 * (1 - z)),
        ("C", lambda u, z: 0.95),
    ],
)
def test_lif_state_jacobian_matches_the_card(reset, expected):
    u = jnp.array([[0.7, 1.3]])
    z = np.array([0.0, 1.0])
    _, _, jac = step_jacobians(lif_cell(reset=reset), (u,), jnp.array([[0.4, -0.2]]))
    want = [expected(float(u[0, j]), z[j]) for j in range(2)]
    np.testing.assert_allclose(jac.state[0][0][0], want, rtol=1e-5)
    np.testing.assert_allclose(jac.current[0][0], [0.05, 0.05], rtol=1e-6)  # F = (1 − β) x ⊗ ...


def test_alif_jacobians_are_the_cards_constants():
    a, b = 0.95, 0.8
    h = (jnp.array([[0.3, 1.5]]), jnp.array([[0.1, -0.2]]))
    _, _, jac = step_jacobians(alif_cell(), h, jnp.array([[1.0, 2.0]]))
    (huu, hua), (hau, haa) = jac.state
    np.testing.assert_allclose(huu, a - a * (1 - a), rtol=1e-5)
    np.testing.assert_allclose(hua, -b * (1 - a), rtol=1e-5)
    np.testing.assert_allclose(hau, a, rtol=1e-6)
    np.testing.assert_allclose(haa, b, rtol=1e-6)
    np.testing.assert_allclose(jac.current[0], 1 - a, rtol=1e-5)
    np.testing.assert_allclose(jac.current[1], 0.0, atol=0)


def test_alif_step_hand_computed():
    u, a = 1.5, 0.1  # spiked at t-1: z = 1
    (u_new, a_new) = alif_cell().step((jnp.array([[u]]), jnp.array([[a]])), jnp.array([[2.0]]))
    a_want = 0.95 * u + 0.8 * a + 1.0
    np.testing.assert_allclose(a_new, [[a_want]], rtol=1e-6)
    np.testing.assert_allclose(u_new, [[0.95 * (u - 1) + 0.05 * (2.0 - a_want)]], rtol=1e-6)


def test_silif_step_hand_computed_and_init_ranges():
    p = silif_params(jax.random.PRNGKey(0), 50)
    assert bool(jnp.all((p.alpha > math.exp(-250 * 0.004)) & (p.alpha < math.exp(-10 * 0.004))))
    assert bool(jnp.all((p.beta > math.exp(-10 * 0.004)) & (p.beta < math.exp(-2.5 * 0.004))))
    cell = silif_cell(50, key=jax.random.PRNGKey(0))
    u0, w0, c = 1.2, 0.3, 0.7
    u, w = cell.step((jnp.full((1, 50), u0), jnp.full((1, 50), w0)), jnp.full((1, 50), c))
    w_want = p.beta * w0 + p.a * u0 + p.b * 1.0
    np.testing.assert_allclose(w[0], w_want, rtol=1e-6)
    np.testing.assert_allclose(u[0], p.alpha * (u0 - 1.0) + (1 - p.alpha) * (c - w_want), rtol=1e-5, atol=1e-6)
