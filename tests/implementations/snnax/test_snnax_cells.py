"""The engine's cells against hand-computed steps (card P09 §3), clamps, surrogates and the reset gradient."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from implementations.snnax.adaptive_lif import AdaptiveLIF, AdaptiveLIFState
from implementations.snnax.leaky_integrator import LeakyIntegrator
from implementations.snnax.lif import LIF
from implementations.snnax.lif_soft_reset import LIFSoftReset
from implementations.snnax.surrogate import boxcar, superspike


def _run(cell, state, inputs):
    outs, states = [], []
    for x in inputs:
        state, o = cell(state, jnp.asarray([x], jnp.float32))
        outs.append(float(o[0]))
        states.append(state)
    return outs, states


def test_lif_reset_to_zero_membrane_uses_previous_current():
    # α = 0.5, β = 0.5, θ = 1, I = 4, 4, 4, 4; state starts at zero
    # t0: u = 0; u = .5·0 + .5·i(=0) = 0;        i = .5·0 + .5·4 = 2;     s = 0
    # t1: u = .5·0 + .5·2 = 1;                   i = 1 + 2 = 3;           s = H(0) = 0
    # t2: u = .5·1 + .5·3 = 2;                   i = 1.5 + 2 = 3.5;       s = 1
    # t3: reset u = 2 − 2·1 = 0; u = 0 + .5·3.5 = 1.75; i = 1.75 + 2 = 3.75; s = 1
    cell = LIF(1, alpha=0.5, beta=0.5)
    outs, states = _run(cell, cell.init_state(()), [4, 4, 4, 4])
    assert outs == [0.0, 0.0, 1.0, 1.0]
    assert [float(s.u[0]) for s in states] == pytest.approx([0.0, 1.0, 2.0, 1.75])
    assert [float(s.i[0]) for s in states] == pytest.approx([2.0, 3.0, 3.5, 3.75])


def test_lif_reset_to_value():
    # reset_val = 0.25: at t3 u = 2 − (2 − 0.25)·1 = 0.25, then u = .5·0.25 + .5·3.5 = 1.875
    cell = LIF(1, alpha=0.5, beta=0.5, reset_val=0.25)
    _, states = _run(cell, cell.init_state(()), [4, 4, 4, 4])
    assert float(states[3].u[0]) == pytest.approx(1.875)


def test_lif_soft_reset_subtracts_reset_value():
    # as the LIF test until t2 (u = 2, s = 1); t3: u = 2 − 1·1 = 1; u = .5·1 + .5·3.5 = 2.25; s = 1
    # t4 (I = 0): u = 2.25 − 1 = 1.25; u = .625 + .5·3.75 = 2.5; i = 1.875; s = 1
    cell = LIFSoftReset(1, alpha=0.5, beta=0.5)
    outs, states = _run(cell, cell.init_state(()), [4, 4, 4, 4, 0])
    assert outs == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert [float(s.u[0]) for s in states] == pytest.approx([0.0, 1.0, 2.0, 2.25, 2.5])


def test_adaptive_lif_by_hand():
    # α = 0.5, β = 0.5, a = 0.5, b = 1, θ = 1; I = 3, 3, 0
    # t0: u = .5·0 + .5·(3 + 0) = 1.5; s = 1; w = .5·.5·1.5 + 0 − 1 = −0.625; u = 1.5 − 1.5 = 0
    # t1: u = 0 + .5·(3 − 0.625) = 1.1875; s = 1; w = .25·1.1875 + .5·(−.625) − 1 = −1.015625; u = 0
    # t2: u = 0 + .5·(0 − 1.015625) = −0.5078125; s = 0; w = .25·(−.5078125) + .5·(−1.015625) = −0.634765625
    cell = AdaptiveLIF(1, alpha=0.5, beta=0.5, a=0.5, b=1.0)
    outs, states = _run(cell, cell.init_state(()), [3, 3, 0])
    assert outs == [1.0, 1.0, 0.0]
    assert [float(s.u[0]) for s in states] == pytest.approx([0.0, 0.0, -0.5078125])
    assert [float(s.w[0]) for s in states] == pytest.approx([-0.625, -1.015625, -0.634765625])


def test_leaky_integrator_by_hand():
    cell = LeakyIntegrator(1, alpha=0.75)
    outs, _ = _run(cell, cell.init_state(()), [4, 0, 8])
    assert outs == pytest.approx([1.0, 0.75, 2.5625])  # .25·4; .75·1; .75·.75 + .25·8


def test_decays_and_coefficients_are_clamped():
    lif = LIF(2, alpha=0.1, beta=1.7)
    p = lif.params()
    assert p.alpha.tolist() == [0.5, 0.5] and p.beta.tolist() == [1.0, 1.0]
    ad = AdaptiveLIF(1, alpha=0.2, beta=2.0, a=-3.0, b=5.0).params()
    assert (float(ad.alpha[0]), float(ad.beta[0]), float(ad.a[0]), float(ad.b[0])) == (0.5, 1.0, -1.0, 2.0)
    assert float(LeakyIntegrator(1, alpha=0.0).params().alpha[0]) == 0.5


def test_superspike_forward_and_implemented_tangent():
    spike = superspike(10.0)
    x = jnp.asarray([-0.2, 0.0, 0.05, 0.3])
    assert spike(x).tolist() == [0.0, 0.0, 1.0, 1.0]  # H(0) = 0
    grads = jax.vmap(jax.grad(spike))(x)
    np.testing.assert_allclose(grads, 1.0 / (1.0 + 10.0 * np.abs(np.asarray(x))), rtol=1e-6)  # not squared
    assert float(jax.grad(spike)(0.1)) == pytest.approx(0.5)


def test_boxcar_edges():
    x = jnp.asarray([-0.5, -0.4999, 0.0, 0.5, 0.5001])
    assert boxcar(x).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert jax.vmap(jax.grad(boxcar))(x).tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_stop_reset_grad_changes_gradient_wrt_membrane():
    # AdaptiveLIF resets after spiking: u' = .5·u0 + .5·4 = 3, s = H(u' − 1) = 1, u = u' − u'·s = 0.
    # With the stop the reset term is a constant: du/du0 = .5. Without it du/du' = 1 − s − u'·σ'(u' − 1)
    # = −3/(1 + 10·2) (SuperSpike), so du/du0 = .5·(−3/21) = −1/14.
    def u1(u0, stop):
        cell = AdaptiveLIF(1, alpha=0.5, beta=0.5, a=0.0, b=0.0, stop_reset_grad=stop)
        state = AdaptiveLIFState(u=jnp.asarray([u0]), w=jnp.asarray([0.0]), s=jnp.asarray([0.0]))
        state, _ = cell(state, jnp.asarray([4.0]))  # u = .5·u0 + 2 = 3 > 1: spikes, reset u -> 0
        return state.u[0]

    assert float(u1(2.0, True)) == 0.0
    assert float(jax.grad(u1)(2.0, True)) == pytest.approx(0.5)
    assert float(jax.grad(u1)(2.0, False)) == pytest.approx(-1 / 14)
