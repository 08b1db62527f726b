"""LIF: the sparch leaky integrate-and-fire neuron (card P01 §3, "Others: LIF").

    α_c = clamp(α, e^{−1/5}, e^{−1/25})
    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·I_t      # subtractive reset, applied one step late
    s_t = H(u_t − θ),  θ = 1                            # boxcar surrogate, see surrogate.py

I_t = BN(W x_t) comes from the layer around the cell (``implementations.baselines.sparch``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from implementations.neurons.cell import SpikingCell
from implementations.neurons.surrogate import spike_boxcar

ALPHA_RANGE = (math.exp(-1 / 5), math.exp(-1 / 25))  # τ_u in [5, 25] steps


class LIFParams(NamedTuple):
    alpha: Tensor  # [neurons], already clamped to ALPHA_RANGE
    threshold: float = 1.0


class LIFState(NamedTuple):
    u: Tensor  # membrane potential [batch, neurons]
    s: Tensor  # previous spike [batch, neurons] (U[0,1) at t = 0 in the card's random init)


def lif_step(i_t: Tensor, state: LIFState, p: LIFParams) -> tuple[Tensor, LIFState]:
    """One LIF step (card P01 §3). Shapes: i_t [batch, neurons]; returns (s_t, new state)."""
    u = p.alpha * (state.u - state.s) + (1 - p.alpha) * i_t
    s = spike_boxcar(u - p.threshold)
    return s, LIFState(u=u, s=s)


class LIF(SpikingCell):
    """A layer of LIF neurons: maps currents [batch, time, n] to spikes [batch, time, n].

    ``zero_init_state`` starts from u0 = s0 = 0; otherwise both are drawn from U[0,1) on every
    forward call, as in the SiLIF/sparch code, from ``generator`` (or torch's global generator).
    """

    step = staticmethod(lif_step)
    state_type = LIFState

    def __init__(self, n_neurons: int, *, zero_init_state: bool = False, threshold: float = 1.0) -> None:
        super().__init__()
        self.n_neurons = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.threshold = float(threshold)
        self.alpha = nn.Parameter(torch.empty(self.n_neurons).uniform_(*ALPHA_RANGE))

    def params(self) -> LIFParams:
        return LIFParams(alpha=self.alpha.clamp(*ALPHA_RANGE), threshold=self.threshold)
