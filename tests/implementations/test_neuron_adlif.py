"""adLIF step against hand-computed values, its clamp ranges and initialisation."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.neurons.adlif import (
    A_RANGE,
    ALPHA_RANGE,
    B_RANGE,
    BETA_RANGE,
    AdLIF,
    AdLIFParams,
    AdLIFState,
    adlif_step,
)


def test_adlif_step_three_steps_by_hand():
    # neuron 0: α = 0.9, β = 0.98, a = 0.5, b = 1; u0 = 0.5, w0 = 0.2, s0 = 0.3; I = 10, 2, 0
    #   t1: w = 0.98·0.2 + 0.5·0.5 + 1·0.3          = 0.746
    #       u = 0.9·(0.5 − 0.3) + 0.1·(10 − 0.746)  = 1.1054      -> s = 1
    #   t2: w = 0.98·0.746 + 0.5·1.1054 + 1·1       = 2.28378
    #       u = 0.9·(1.1054 − 1) + 0.1·(2 − 2.28378) = 0.066482   -> s = 0
    #   t3: w = 0.98·2.28378 + 0.5·0.066482 + 0     = 2.2713454
    #       u = 0.9·0.066482 + 0.1·(0 − 2.2713454)  = −0.16730074 -> s = 0
    # neuron 1: α = 0.85, β = 0.99, a = −0.5, b = 0.5; zero state; I = 12, 12, 12
    #   t1: w = 0;                                 u = 0.15·12 = 1.8               -> s = 1
    #   t2: w = −0.5·1.8 + 0.5·1 = −0.4;           u = 0.85·0.8 + 0.15·12.4 = 2.54 -> s = 1
    #   t3: w = 0.99·(−0.4) − 0.5·2.54 + 0.5 = −1.166
    #       u = 0.85·1.54 + 0.15·13.166 = 3.2839                                   -> s = 1
    f64 = torch.float64
    p = AdLIFParams(
        alpha=torch.tensor([0.9, 0.85], dtype=f64),
        beta=torch.tensor([0.98, 0.99], dtype=f64),
        a=torch.tensor([0.5, -0.5], dtype=f64),
        b=torch.tensor([1.0, 0.5], dtype=f64),
    )
    state = AdLIFState(
        u=torch.tensor([[0.5, 0.0]], dtype=f64),
        w=torch.tensor([[0.2, 0.0]], dtype=f64),
        s=torch.tensor([[0.3, 0.0]], dtype=f64),
    )
    inputs = torch.tensor([[10.0, 12.0], [2.0, 12.0], [0.0, 12.0]], dtype=f64)
    want_w = [[0.746, 0.0], [2.28378, -0.4], [2.2713454, -1.166]]
    want_u = [[1.1054, 1.8], [0.066482, 2.54], [-0.16730074, 3.2839]]
    want_s = [[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    for t in range(3):
        s, state = adlif_step(inputs[t : t + 1], state, p)
        assert state.w[0].tolist() == pytest.approx(want_w[t], abs=1e-12)
        assert state.u[0].tolist() == pytest.approx(want_u[t], abs=1e-12)
        assert s[0].tolist() == want_s[t]


def test_ranges_are_the_cards():
    assert (math.exp(-1 / 5), math.exp(-1 / 25)) == ALPHA_RANGE
    assert (math.exp(-1 / 30), math.exp(-1 / 120)) == BETA_RANGE
    assert BETA_RANGE[0] == pytest.approx(0.967216) and BETA_RANGE[1] == pytest.approx(0.991701)
    assert (A_RANGE, B_RANGE) == ((-1.0, 1.0), (0.0, 2.0))


def test_init_within_ranges_and_clamped_params():
    torch.manual_seed(0)
    cell = AdLIF(2000)
    for name, (lo, hi) in {"alpha": ALPHA_RANGE, "beta": BETA_RANGE, "a": A_RANGE, "b": B_RANGE}.items():
        v = getattr(cell, name).detach()
        assert float(v.min()) >= lo and float(v.max()) <= hi, name
        assert float(v.min()) < lo + 0.05 * (hi - lo) and float(v.max()) > hi - 0.05 * (hi - lo), name  # uniform
    with torch.no_grad():
        for name in ("alpha", "beta", "a", "b"):
            getattr(cell, name)[:2] = torch.tensor([-5.0, 5.0])
    p = cell.params()
    assert p.alpha[:2].tolist() == pytest.approx(list(ALPHA_RANGE))
    assert p.beta[:2].tolist() == pytest.approx(list(BETA_RANGE))
    assert p.a[:2].tolist() == [-1.0, 1.0]
    assert p.b[:2].tolist() == [0.0, 2.0]
    # the clamp passes no gradient to an out-of-range parameter, as torch.clamp does in sparch
    p.alpha.sum().backward()
    assert cell.alpha.grad[:2].tolist() == [0.0, 0.0] and cell.alpha.grad[2] == 1.0


def test_layer_matches_step_and_state_spec():
    torch.manual_seed(1)
    cell = AdLIF(4, zero_init_state=True)
    i = torch.randn(3, 6, 4) * 4
    out = cell(i)
    state = AdLIFState(*(torch.zeros(3, 4) for _ in range(3)))
    for t in range(6):
        s, state = adlif_step(i[:, t], state, cell.params())
        assert torch.equal(out[:, t], s)
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert cell.state_spec() == {k: ((4,), torch.float32) for k in ("u", "w", "s")}
    # random initial state: same generator seed, same spikes; a different seed, different states
    rnd = AdLIF(4)
    a = rnd(i, generator=torch.Generator().manual_seed(3))
    b = rnd(i, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    s1 = rnd.initial_state(i, generator=torch.Generator().manual_seed(3))
    s2 = rnd.initial_state(i, generator=torch.Generator().manual_seed(4))
    assert not torch.equal(s1.w, s2.w)
