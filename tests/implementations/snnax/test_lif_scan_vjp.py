"""The hand-written LIF VJP (``lif_scan_vjp.py``) against autodiff of the scanned step, and in a graph."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from implementations.snnax.graph import sequential
from implementations.snnax.leaky_integrator import LeakyIntegrator
from implementations.snnax.lif import LIF, LIFState
from implementations.snnax.lif_scan_vjp import lif_scan
from implementations.snnax.lif_soft_reset import LIFSoftReset
from implementations.snnax.stateful import Dropout, Linear
from implementations.snnax.surrogate import boxcar, superspike

T, B, N = 40, 3, 6
RTOL, ATOL = 1e-5, 1e-7

CELLS = {
    "soft-reset": lambda **kw: LIFSoftReset(N, 0.8, 0.7, **kw),
    "soft-reset-0.6": lambda **kw: LIFSoftReset(N, 0.8, 0.7, reset_val=0.6, **kw),
    "reset-to-zero": lambda **kw: LIF(N, 0.8, 0.7, **kw),
    "reset-to-value": lambda **kw: LIF(N, 0.8, 0.7, reset_val=0.25, **kw),
}


def _currents(seed: int = 0) -> jax.Array:
    # mean 1, spread 3: every neuron crosses the threshold now and then
    return jax.random.normal(jax.random.PRNGKey(seed), (T, B, N)) * 3.0 + 1.0


def _state(cell) -> LIFState:
    st = cell.init_state((B,))
    # a non-zero start, so the initial state's cotangents are tested too
    return LIFState(u=st.u + 0.4, i=st.i - 0.3, s=st.s.at[0].set(1.0))


def _pair(kind: str, stop: bool, spike_fn=None):
    kw = {"stop_reset_grad": stop, "spike_fn": spike_fn}
    return CELLS[kind](**kw), CELLS[kind](custom_vjp=True, **kw)


def _loss(cell, cur, st, g, h):
    """Σ g·spikes + Σ h·(final u, i, s): every output of the scan gets a random cotangent."""
    fin, s = cell.scan(st, cur)
    return (g * s).sum() + (h[0] * fin.u).sum() + (h[1] * fin.i).sum() + (h[2] * fin.s).sum()


def _cotangents():
    k1, k2 = jax.random.split(jax.random.PRNGKey(7))
    return jax.random.normal(k1, (T, B, N)), jax.random.normal(k2, (3, B, N))


@pytest.mark.parametrize("stop", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_same_spikes_and_final_state_as_the_plain_scan(kind, stop):
    plain, fast = _pair(kind, stop)
    cur, st = _currents(), _state(plain)
    fin_p, s_p = jax.jit(lambda m, a, c: m.scan(a, c))(plain, st, cur)
    fin_f, s_f = jax.jit(lambda m, a, c: m.scan(a, c))(fast, st, cur)
    assert 0.05 < float(s_p.mean()) < 0.6
    np.testing.assert_array_equal(np.asarray(s_f), np.asarray(s_p))
    for a, b in zip(fin_f, fin_p, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("spike_fn", [superspike(), boxcar], ids=["superspike", "boxcar"])
@pytest.mark.parametrize("stop", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_gradients_equal_autodiff_of_the_plain_scan(kind, stop, spike_fn):
    plain, fast = _pair(kind, stop, spike_fn)
    cur, st = _currents(1), _state(plain)
    g, h = _cotangents()
    grad = jax.jit(jax.grad(_loss, argnums=(0, 1, 2)))
    (c_p, x_p, s_p), (c_f, x_f, s_f) = grad(plain, cur, st, g, h), grad(fast, cur, st, g, h)
    pairs = {
        "currents": (x_f, x_p),
        "alpha": (c_f.alpha, c_p.alpha),
        "beta": (c_f.beta, c_p.beta),
        "u0": (s_f.u, s_p.u),
        "i0": (s_f.i, s_p.i),
        "s0": (s_f.s, s_p.s),
    }
    for name, (a, b) in pairs.items():
        # relative to the largest entry: a sum over T·B terms in another order differs by rounding
        tol = RTOL * float(jnp.abs(b).max()) + ATOL
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL, atol=tol, err_msg=name)
    # the gradients are not trivially zero, and the reset's stop-gradient is honoured
    assert float(jnp.abs(x_p).max()) > 1e-2 and float(jnp.abs(c_p.alpha).max()) > 1e-2
    assert (float(jnp.abs(s_p.s).max()) == 0.0) == stop


@pytest.mark.parametrize("stop", [True, False])
def test_weight_gradient_through_the_graph_equals_autodiff(stop):
    """Linear → LIFSoftReset as the throughput network, with a burn-in: weight and decay gradients."""
    key = jax.random.PRNGKey(3)
    xs = jax.random.bernoulli(key, 0.3, (T, B, 5)).astype(jnp.float32)
    lin = eqx.tree_at(lambda m: m.weight, Linear(5, N, key=key), jax.random.normal(key, (N, 5)) * 3.0 + 2.0)

    def loss(model, burnin):
        return (model(model.init_state((B,)), xs, burnin=burnin)[1] * jnp.arange(1.0, N + 1)).sum()

    for burnin in (0, 7):
        nets = [sequential(lin, LIFSoftReset(N, 0.9, 0.8, stop_reset_grad=stop, custom_vjp=cv)) for cv in (False, True)]
        outs = [net(net.init_state((B,)), xs, burnin=burnin)[1] for net in nets]
        assert outs[0].shape == (T - burnin, B, N) and float(outs[0].mean()) > 0.05
        np.testing.assert_array_equal(np.asarray(outs[1]), np.asarray(outs[0]))
        g_p, g_f = (jax.grad(loss)(net, burnin) for net in nets)
        for get in (lambda m: m.layers[0].weight, lambda m: m.layers[1].alpha, lambda m: m.layers[1].beta):
            np.testing.assert_allclose(np.asarray(get(g_f)), np.asarray(get(g_p)), rtol=RTOL, atol=ATOL)
        assert float(jnp.abs(g_p.layers[0].weight).sum()) > 0


def test_graph_runs_a_custom_vjp_cell_before_the_loop():
    key = jax.random.PRNGKey(0)
    layers = (Linear(3, 4, key=key), Dropout(4, 0.5), LIFSoftReset(4, custom_vjp=True), Linear(4, 2, key=key))
    g = sequential(*layers, LeakyIntegrator(2))
    assert g.hoisted_ids == (0, 1, 2, 3)  # the leaky integrator stays in the loop
    plain = sequential(*layers[:2], LIFSoftReset(4), layers[3], LeakyIntegrator(2))
    assert plain.hoisted_ids == (0, 1)
    xs = jax.random.bernoulli(key, 0.5, (12, 2, 3)).astype(jnp.float32) * 4
    (st_f, out_f), (st_p, out_p) = (m(m.init_state((2,)), xs) for m in (g, plain))
    np.testing.assert_array_equal(np.asarray(out_f), np.asarray(out_p))
    np.testing.assert_array_equal(np.asarray(st_f.layers[2].u), np.asarray(st_p.layers[2].u))
    # a graph of precomputed layers only has no main loop, and still returns the LIF's final state
    only = sequential(layers[0], LIFSoftReset(4, custom_vjp=True))
    st, out = only(only.init_state((2,)), xs)
    fin, want = layers[2].scan(layers[2].init_state((2,)), layers[0].apply(xs))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(want))
    np.testing.assert_array_equal(np.asarray(st.layers[1].u), np.asarray(fin.u))


def test_fixed_decays_keep_one_sequence_residual():
    """The point of the custom VJP: with fixed decays the backward keeps u_t only ([T, B, n] once)."""
    cell = LIFSoftReset(N, 0.9, 0.9, custom_vjp=True)
    cur, st = _currents(), cell.init_state((B,))

    def big(pullback) -> int:
        return sum(1 for x in jax.tree_util.tree_leaves(pullback) if getattr(x, "size", 0) >= T * B * N)

    _, pb_fixed = jax.vjp(lambda c: cell.scan(st, c)[1].sum(), cur)
    _, pb_decays = jax.vjp(lambda c, m: m.scan(st, c)[1].sum(), cur, cell)
    assert big(pb_fixed) == 1
    assert big(pb_decays) == 3  # u_t, i_t and the currents (for ∂/∂β)


def test_final_state_gradient_matches_finite_differences():
    """With stop-gradient the final state is a smooth function of currents and decays (no spike
    flips nearby), so the VJP must be its true gradient: central differences in float64."""
    with jax.enable_x64(True):
        f64 = jnp.float64
        cell = LIFSoftReset(N, 0.8, 0.7, custom_vjp=True)
        cell = eqx.tree_at(lambda q: (q.alpha, q.beta), cell, (cell.alpha.astype(f64), cell.beta.astype(f64)))
        st = LIFState(*(x.astype(f64) for x in cell.init_state((B,))))
        cur = _currents(2).astype(f64)
        h = _cotangents()[1].astype(f64)

        def f(c, m):
            fin, _ = m.scan(st, c)
            return (h[0] * fin.u).sum() + (h[1] * fin.i).sum()

        def moved(sign):
            m = eqx.tree_at(
                lambda q: (q.alpha, q.beta), cell, (cell.alpha + sign * eps * da, cell.beta + sign * eps * db)
            )
            return cur + sign * eps * dc, m

        g_cur, g_cell = jax.grad(f, argnums=(0, 1))(cur, cell)
        dc = jax.random.normal(jax.random.PRNGKey(11), cur.shape, f64)
        da, db = (jax.random.uniform(jax.random.PRNGKey(k), (N,), f64, minval=-0.2, maxval=0.2) for k in (12, 13))
        eps = 1e-6
        (c_hi, m_hi), (c_lo, m_lo) = moved(1.0), moved(-1.0)
        # no spike flipped between the two points, so the difference quotient is valid
        np.testing.assert_array_equal(np.asarray(m_hi.scan(st, c_hi)[1]), np.asarray(m_lo.scan(st, c_lo)[1]))
        fd = float((f(c_hi, m_hi) - f(c_lo, m_lo)) / (2 * eps))
        analytic = float((g_cur * dc).sum() + (g_cell.alpha * da).sum() + (g_cell.beta * db).sum())
        assert g_cur.dtype == f64 and abs(analytic) > 0.1
        assert fd == pytest.approx(analytic, rel=1e-6)


def test_functional_form_and_bad_reset_mode():
    cur = _currents()
    st = LIF(N).init_state((B,))
    alpha, beta = jnp.full((N,), 0.8), jnp.full((N,), 0.7)
    common = {"threshold": 1.0, "stop_reset_grad": True, "spike_fn": superspike()}
    _, s = lif_scan(cur, st, alpha, beta, reset_val=None, reset_mode="to_value", **common)
    _, want = LIF(N, 0.8, 0.7).scan(st, cur)
    np.testing.assert_array_equal(np.asarray(s), np.asarray(want))
    with pytest.raises(ValueError, match="reset_mode"):
        lif_scan(cur, st, alpha, beta, reset_val=None, reset_mode="hard", **common)
