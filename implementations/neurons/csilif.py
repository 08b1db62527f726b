"""C-SiLIF: one complex state per neuron, S4D-Lin initialised, resonate-and-fire-like (card P01 §3).

    λ   = −exp(log_log_alpha) + i·alpha_img
    ᾱ   = exp(λ·exp(log_dt))                         (ZOH decay of the complex mode)
    u_t = ᾱ·(u_{t−1} − r·s_{t−1}) + b·I_t             r = 0.5 (reset factor), b real
    s_t = H(2·Re(u_t) − θ)                            θ = 1 = 2r (conjugate-pair readout)

Initialisation (card P01 §3, verified against the authors' code): exp(log_log_alpha) = 0.5 and
alpha_img = π for every neuron (the first S4D-Lin mode −½ + iπ only), log_dt ~ U(log dt_min,
log dt_max) with dt_min = 0.01 and dt_max = 0.5 (SHD) or 5 (SSC), b ~ U(0, 1). Initial state: u0
with real and imaginary parts both U[0,1), s0 ~ U[0,1) (or zeros).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from implementations.neurons.cell import SpikingCell
from implementations.neurons.surrogate import spike_boxcar

ALPHA_RE_INIT = 0.5  # −Re(λ)
ALPHA_IMG_INIT = math.pi  # Im(λ)
DT_MIN = 0.01
DT_MAX_SHD = 0.5
DT_MAX_SSC = 5.0
B_RANGE = (0.0, 1.0)
RESET_FACTOR = 0.5


class CSiLIFParams(NamedTuple):
    alpha_bar: Tensor  # [neurons] complex, exp(λΔt)
    b: Tensor  # [neurons] real input gain
    reset: float = RESET_FACTOR
    threshold: float = 1.0


class CSiLIFState(NamedTuple):
    u: Tensor  # complex potential [batch, neurons]
    s: Tensor  # previous spike [batch, neurons] (real)


def csilif_alpha_bar(log_log_alpha: Tensor, alpha_img: Tensor, log_dt: Tensor) -> Tensor:
    """ᾱ = exp((−exp(log_log_alpha) + i·alpha_img)·exp(log_dt)), card P01 §3."""
    lam = torch.complex(-torch.exp(log_log_alpha), alpha_img)
    return torch.exp(lam * torch.exp(log_dt))


def csilif_step(i_t: Tensor, state: CSiLIFState, p: CSiLIFParams) -> tuple[Tensor, CSiLIFState]:
    """One C-SiLIF step (card P01 §3): u_t = ᾱ(u − r·s) + b·I_t, s_t = H(2·Re u_t − θ)."""
    u = p.alpha_bar * (state.u - p.reset * state.s) + p.b * i_t
    s = spike_boxcar(2 * u.real - p.threshold)
    return s, CSiLIFState(u=u, s=s)


class CSiLIF(SpikingCell):
    """A layer of C-SiLIF neurons: currents [batch, time, n] -> spikes [batch, time, n].

    Trainable per neuron: ``log_log_alpha``, ``alpha_img``, ``log_dt``, ``b`` (4 values).
    """

    step = staticmethod(csilif_step)
    state_type = CSiLIFState
    complex_states = frozenset({"u"})

    def __init__(
        self, n_neurons: int, *, zero_init_state: bool = False, dt_min: float = DT_MIN, dt_max: float = DT_MAX_SHD
    ) -> None:
        super().__init__()
        self.n_neurons = n = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.log_log_alpha = nn.Parameter(torch.full((n,), math.log(ALPHA_RE_INIT)))
        self.alpha_img = nn.Parameter(torch.full((n,), ALPHA_IMG_INIT))
        self.log_dt = nn.Parameter(torch.empty(n).uniform_(math.log(dt_min), math.log(dt_max)))
        self.b = nn.Parameter(torch.empty(n).uniform_(*B_RANGE))

    def params(self) -> CSiLIFParams:
        return CSiLIFParams(alpha_bar=csilif_alpha_bar(self.log_log_alpha, self.alpha_img, self.log_dt), b=self.b)
