"""LIF step against hand-computed values, the boxcar surrogate's edges and the α clamp."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.neurons.lif import ALPHA_RANGE, LIF, LIFParams, LIFState, lif_step
from implementations.neurons.surrogate import spike_boxcar


def test_lif_step_three_steps_by_hand():
    # neuron 0: α = 0.9, u0 = 0.5, s0 = 0.2 (non-binary, as in the random init), I = 8, 9, 0
    #   t1: u = 0.9·(0.5 − 0.2) + 0.1·8 = 1.07   -> s = 1
    #   t2: u = 0.9·(1.07 − 1) + 0.1·9  = 0.963  -> s = 0
    #   t3: u = 0.9·(0.963 − 0) + 0     = 0.8667 -> s = 0
    # neuron 1: α = 0.85, u0 = s0 = 0, I = 10, 10, 10
    #   t1: u = 0.15·10                   = 1.5     -> s = 1
    #   t2: u = 0.85·(1.5 − 1) + 1.5      = 1.925   -> s = 1
    #   t3: u = 0.85·(1.925 − 1) + 1.5    = 2.28625 -> s = 1
    p = LIFParams(alpha=torch.tensor([0.9, 0.85], dtype=torch.float64))
    state = LIFState(
        u=torch.tensor([[0.5, 0.0]], dtype=torch.float64), s=torch.tensor([[0.2, 0.0]], dtype=torch.float64)
    )
    inputs = torch.tensor([[8.0, 10.0], [9.0, 10.0], [0.0, 10.0]], dtype=torch.float64)
    want_u = [[1.07, 1.5], [0.963, 1.925], [0.8667, 2.28625]]
    want_s = [[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    for t in range(3):
        s, state = lif_step(inputs[t : t + 1], state, p)
        assert state.u[0].tolist() == pytest.approx(want_u[t], abs=1e-12)
        assert s[0].tolist() == want_s[t]
        assert torch.equal(state.s, s)


def test_surrogate_forward_is_strict_and_boxcar_edges():
    x = torch.tensor([-0.5, -0.4999, 0.0, 1e-6, 0.5, 0.5001], requires_grad=True)
    s = spike_boxcar(x)
    assert s.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]  # H(0) = 0: strict
    s.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]  # -0.5 excluded, 0.5 included


def test_alpha_range_and_clamp():
    assert (math.exp(-1 / 5), math.exp(-1 / 25)) == ALPHA_RANGE
    assert ALPHA_RANGE[0] == pytest.approx(0.818730753) and ALPHA_RANGE[1] == pytest.approx(0.960789439)
    torch.manual_seed(0)
    cell = LIF(1000)
    assert cell.alpha.min() >= ALPHA_RANGE[0] and cell.alpha.max() <= ALPHA_RANGE[1]
    with torch.no_grad():
        cell.alpha[:3] = torch.tensor([0.0, 0.9, 2.0])
    assert cell.params().alpha[:3].tolist() == pytest.approx([ALPHA_RANGE[0], 0.9, ALPHA_RANGE[1]])


def test_layer_scans_the_step_and_initial_states():
    torch.manual_seed(0)
    cell = LIF(3, zero_init_state=True)
    i = torch.randn(2, 5, 3) * 3
    out = cell(i)
    state = LIFState(u=torch.zeros(2, 3), s=torch.zeros(2, 3))
    for t in range(5):
        s, state = lif_step(i[:, t], state, cell.params())
        assert torch.equal(out[:, t], s)
    # random initial states: U[0,1), reproducible through the generator, redrawn each call
    rnd = LIF(3)
    st = rnd.initial_state(i, generator=torch.Generator().manual_seed(5))
    st2 = rnd.initial_state(i, generator=torch.Generator().manual_seed(5))
    assert torch.equal(st.u, st2.u) and torch.equal(st.s, st2.s)
    assert not torch.equal(st.u, st.s)
    assert float(st.u.min()) >= 0.0 and float(st.u.max()) < 1.0
    assert rnd.state_spec() == {"u": ((3,), torch.float32), "s": ((3,), torch.float32)}
    assert LIF.neurorepro_activation is True
