"""adLIF: the sparch adaptive LIF neuron, the baseline beside SiLIF (card P01 §3, "Baselines").

    α_c = clamp(α, e^{−1/5}, e^{−1/25})       β_c = clamp(β, e^{−1/30}, e^{−1/120})
    a_c = clamp(a, −1, 1)                      b_c = clamp(b, 0, 2)
    w_t = β_c·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·(I_t − w_t)   # subtractive reset, one step late
    s_t = H(u_t − θ),  θ = 1

This is the SiLIF recurrence with directly parametrised, clamped decays. Initialisation:
α ~ U[e^{−1/5}, e^{−1/25}], β ~ U[e^{−1/30}, e^{−1/120}], a ~ U[−1, 1], b ~ U[0, 2].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from implementations.neurons.cell import SpikingCell
from implementations.neurons.surrogate import spike_boxcar

ALPHA_RANGE = (math.exp(-1 / 5), math.exp(-1 / 25))  # τ_u in [5, 25] steps
BETA_RANGE = (math.exp(-1 / 30), math.exp(-1 / 120))  # τ_w in [30, 120] steps
A_RANGE = (-1.0, 1.0)
B_RANGE = (0.0, 2.0)


class AdLIFParams(NamedTuple):
    alpha: Tensor  # [neurons], each already clamped to its range
    beta: Tensor
    a: Tensor
    b: Tensor
    threshold: float = 1.0


class AdLIFState(NamedTuple):
    u: Tensor  # membrane potential [batch, neurons]
    w: Tensor  # adaptation current [batch, neurons]
    s: Tensor  # previous spike [batch, neurons]


def adlif_step(i_t: Tensor, state: AdLIFState, p: AdLIFParams) -> tuple[Tensor, AdLIFState]:
    """One adLIF step (card P01 §3). Shapes: i_t [batch, neurons]; returns (s_t, new state)."""
    w = p.beta * state.w + p.a * state.u + p.b * state.s
    u = p.alpha * (state.u - state.s) + (1 - p.alpha) * (i_t - w)
    s = spike_boxcar(u - p.threshold)
    return s, AdLIFState(u=u, w=w, s=s)


class AdLIF(SpikingCell):
    """A layer of adLIF neurons: maps currents [batch, time, n] to spikes [batch, time, n].

    ``zero_init_state`` starts from u0 = w0 = s0 = 0; otherwise all three are drawn from U[0,1)
    on every forward call, as in the SiLIF/sparch code, from ``generator`` (or torch's global one).
    """

    step = staticmethod(adlif_step)
    state_type = AdLIFState
    # init and clamp ranges of α, β, a, b; a variant with other ranges (CadLIF) overrides these
    alpha_range, beta_range, a_range, b_range = ALPHA_RANGE, BETA_RANGE, A_RANGE, B_RANGE

    def __init__(self, n_neurons: int, *, zero_init_state: bool = False, threshold: float = 1.0) -> None:
        super().__init__()
        self.n_neurons = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.threshold = float(threshold)
        n = self.n_neurons
        self.alpha = nn.Parameter(torch.empty(n).uniform_(*self.alpha_range))
        self.beta = nn.Parameter(torch.empty(n).uniform_(*self.beta_range))
        self.a = nn.Parameter(torch.empty(n).uniform_(*self.a_range))
        self.b = nn.Parameter(torch.empty(n).uniform_(*self.b_range))

    def params(self) -> AdLIFParams:
        return AdLIFParams(
            alpha=self.alpha.clamp(*self.alpha_range),
            beta=self.beta.clamp(*self.beta_range),
            a=self.a.clamp(*self.a_range),
            b=self.b.clamp(*self.b_range),
            threshold=self.threshold,
        )
