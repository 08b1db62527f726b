"""Framework parity (AlgoPerf habit): the engine's JAX ports against the harness's PyTorch cells.

Same parameters and inputs -> the same spikes, and the same gradients (w.r.t. the input currents
and every neuron parameter) of a random linear read-out of the spikes, to float32 tolerance.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from implementations.neurons import adlif as torch_adlif
from implementations.neurons import lif as torch_lif
from implementations.snnax import sparch_adlif, sparch_lif
from implementations.snnax.graph import sequential
from implementations.snnax.sparch_adlif import SparchAdLIF
from implementations.snnax.sparch_lif import SparchLIF

B, T, N = 3, 40, 5


def _data(seed: int, mean: float = 2.0):
    rng = np.random.default_rng(seed)
    currents = (rng.standard_normal((B, T, N)) * 1.5 + mean).astype(np.float32)
    readout = rng.standard_normal((B, T, N)).astype(np.float32)
    return currents, readout


def _jax_run(cell, currents, readout):
    g = sequential(cell)

    def loss(c, x):
        out = g.__class__((c,), g.structure)  # the graph around the differentiated cell
        _, s = out(out.init_state((B,)), jnp.swapaxes(x, 0, 1))
        return (jnp.swapaxes(s, 0, 1) * readout).sum(), s

    (_, s), (g_cell, g_x) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(cell, jnp.asarray(currents))
    return np.asarray(jnp.swapaxes(s, 0, 1)), g_cell, np.asarray(g_x)


def _torch_run(module, currents, readout):
    x = torch.from_numpy(currents).requires_grad_(True)
    s = module(x)
    (s * torch.from_numpy(readout)).sum().backward()
    return s.detach().numpy(), x.grad.numpy()


def test_ranges_match_the_torch_cells():
    assert sparch_lif.ALPHA_RANGE == torch_lif.ALPHA_RANGE
    assert (sparch_adlif.ALPHA_RANGE, sparch_adlif.BETA_RANGE) == (torch_adlif.ALPHA_RANGE, torch_adlif.BETA_RANGE)
    assert (sparch_adlif.A_RANGE, sparch_adlif.B_RANGE) == (torch_adlif.A_RANGE, torch_adlif.B_RANGE)


@pytest.mark.parametrize("seed", [0, 1])
def test_lif_parity_outputs_and_gradients(seed):
    currents, readout = _data(seed)
    tcell = torch_lif.LIF(N, zero_init_state=True)
    jcell = SparchLIF(N, key=jax.random.PRNGKey(seed))
    with torch.no_grad():
        tcell.alpha.copy_(torch.from_numpy(np.array(jcell.alpha)))
    s_t, gx_t = _torch_run(tcell, currents, readout)
    s_j, g_cell, gx_j = _jax_run(jcell, currents, readout)
    assert 0.05 < s_t.mean() < 0.95  # the case exercises both spikes and silence
    np.testing.assert_array_equal(s_j, s_t)
    np.testing.assert_allclose(gx_j, gx_t, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(g_cell.alpha), tcell.alpha.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert np.abs(gx_t).sum() > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_adlif_parity_outputs_and_gradients(seed):
    currents, readout = _data(seed + 10, mean=4.0)  # adaptation needs a stronger drive
    tcell = torch_adlif.AdLIF(N, zero_init_state=True)
    jcell = SparchAdLIF(N, key=jax.random.PRNGKey(seed))
    with torch.no_grad():
        for name in ("alpha", "beta", "a", "b"):
            getattr(tcell, name).copy_(torch.from_numpy(np.array(getattr(jcell, name))))
    s_t, gx_t = _torch_run(tcell, currents, readout)
    s_j, g_cell, gx_j = _jax_run(jcell, currents, readout)
    assert 0.05 < s_t.mean() < 0.95
    np.testing.assert_array_equal(s_j, s_t)
    np.testing.assert_allclose(gx_j, gx_t, rtol=1e-4, atol=1e-5)
    for name in ("alpha", "beta", "a", "b"):
        np.testing.assert_allclose(
            np.asarray(getattr(g_cell, name)), getattr(tcell, name).grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )


@pytest.mark.parametrize("custom_vjp", [True, False], ids=["custom-vjp", "autodiff"])
def test_throughput_model_parity_jax_vs_torch(custom_vjp):
    """Our Linear + LIFSoftReset in JAX (engine; hand-written VJP or autodiff) and in PyTorch:
    same spikes, same weight gradient."""
    from implementations.snnax.throughput import implementations as impls

    kw = {"n": 12, "batch": 2, "steps": 30, "seed": 4, "weight_scale": 96.0}
    jc, tc = impls.snnax_jax(**kw), impls.snnax_torch(**kw)
    out_j, out_t = jc.outputs(), tc.outputs()
    assert 0.05 < out_t.mean() < 0.95
    np.testing.assert_array_equal(out_j, out_t)

    import equinox as eqx

    from implementations.snnax.graph import sequential as seq
    from implementations.snnax.lif_soft_reset import LIFSoftReset
    from implementations.snnax.stateful import Linear
    from implementations.snnax.throughput.torch_lif import TorchLinearLIF

    w, xs = jc.weight(), jc.inputs()
    lin = eqx.tree_at(lambda m: m.weight, Linear(12, 12, key=jax.random.PRNGKey(0)), jnp.asarray(w))

    def loss(weight):
        m = seq(eqx.tree_at(lambda q: q.weight, lin, weight), LIFSoftReset(12, 0.9, 0.9, custom_vjp=custom_vjp))
        return m(m.init_state((2,)), jnp.asarray(xs))[1].sum()

    g_j = np.asarray(jax.grad(loss)(jnp.asarray(w)))
    net = TorchLinearLIF(w, 0.9, 0.9)
    net(torch.from_numpy(xs)).sum().backward()
    np.testing.assert_allclose(g_j, net.fc.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert np.abs(g_j).sum() > 0
