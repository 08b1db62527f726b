"""CUBA-LIF in lava-dl semantics (card P10 §3, reference CUBA step [unverified: lava-dl semantics]).

    i_t = (1 − cd)·i_{t−1} + a_t                 # cd: fraction of current lost per step
    v_t = (1 − vd)·v_{t−1} + i_t                 # vd: fraction of voltage lost per step
    s_t = H(v_t − θ),  v_t ← 0 where s_t          # hard reset (detached, as lava-dl)

The spike uses the FastSigmoid surrogate of the SOEL code (card P10 §3): backward 1/(10|x| + 1)².
The decays are taken literally as written in the repo configs (0.97 / 0.92 keep 3 % / 8 %); the card
flags this as odd, so both stay parameters.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from implementations.neurons.surrogate import spike_fast_sigmoid as _spike_fast_sigmoid

SURROGATE_SLOPE = 10.0


def spike_fast_sigmoid(x: Tensor) -> Tensor:
    """H(x) forward, the FastSigmoid surrogate 1/(10|x| + 1)² backward."""
    return _spike_fast_sigmoid(x, slope=SURROGATE_SLOPE)


class CubaParams(NamedTuple):
    current_decay: float
    voltage_decay: float
    threshold: float


class CubaState(NamedTuple):
    i: Tensor  # [batch, neurons]
    v: Tensor  # [batch, neurons]


def cuba_step(a_t: Tensor, state: CubaState, p: CubaParams) -> tuple[Tensor, Tensor, CubaState]:
    """One CUBA-LIF step; returns (spike s_t, pre-reset voltage v_t − θ, new state)."""
    i = (1.0 - p.current_decay) * state.i + a_t
    v = (1.0 - p.voltage_decay) * state.v + i
    x = v - p.threshold
    s = spike_fast_sigmoid(x)
    return s, x, CubaState(i=i, v=v * (1.0 - s.detach()))


def cuba_run(a: Tensor, p: CubaParams) -> tuple[Tensor, Tensor]:
    """Scan :func:`cuba_step` over currents ``[B, T, n]``; returns spikes and ``v − θ``, both ``[B, T, n]``."""
    b, t, n = a.shape
    st = CubaState(a.new_zeros(b, n), a.new_zeros(b, n))
    spikes, volts = [], []
    for k in range(t):
        s, x, st = cuba_step(a[:, k], st, p)
        spikes.append(s)
        volts.append(x)
    return torch.stack(spikes, 1), torch.stack(volts, 1)


def synaptic_trace(x: Tensor, p: CubaParams) -> Tensor:
    """x̃: presynaptic input filtered by the current and voltage decays (∂v_t/∂W without reset).

    c_t = (1 − cd)·c_{t−1} + x_t,   x̃_t = (1 − vd)·x̃_{t−1} + c_t        ([B, T, n])
    """
    c = torch.zeros_like(x[:, 0])
    xt = torch.zeros_like(x[:, 0])
    out = []
    for k in range(x.shape[1]):
        c = (1.0 - p.current_decay) * c + x[:, k]
        xt = (1.0 - p.voltage_decay) * xt + c
        out.append(xt)
    return torch.stack(out, 1)
