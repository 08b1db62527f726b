"""SiLIF: the SSM-parametrised adaptive LIF neuron with a learned per-neuron Δt (card P01 §3, "SiLIF").

    α = exp(−exp(log_λu)·exp(log_dt))          β = exp(−exp(log_λw)·exp(log_dt))     (ZOH decays)
    a_c = clamp(a, 0, 1)                        b_c = clamp(b, 0, 2)
    w_t = β·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α·(u_{t−1} − s_{t−1}) + (1 − α)·(I_t − w_t)      # subtractive reset, applied one step late
    s_t = H(u_t − 1)                                        # boxcar surrogate, see surrogate.py

Initialisation (card P01 §3, verified against the authors' code): log_dt = log(0.004) for every
neuron (Δt = 4 ms), log_λu ~ U(log 10, log 250) s⁻¹ (τ_u ∈ [4, 100] ms), log_λw ~ U(log 2.5,
log 10) s⁻¹ (τ_w ∈ [100, 400] ms), a ~ U(0, 1), b ~ U(0, 2). α and β are *not* clamped; a and b
are *not* scaled by Δt. At initialisation α ∈ [e^{−1}, e^{−0.04}] and β ∈ [e^{−0.04}, e^{−0.01}].
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from implementations.neurons.adlif import AdLIFParams, AdLIFState, adlif_step
from implementations.neurons.cell import SpikingCell

DT_INIT = 0.004  # s
LAMBDA_U_RANGE = (10.0, 250.0)  # s⁻¹, log-uniform
LAMBDA_W_RANGE = (2.5, 10.0)  # s⁻¹, log-uniform
A_RANGE = (0.0, 1.0)
B_RANGE = (0.0, 2.0)


# SiLIF runs adLIF's recurrence (card P01 §3); only the parametrisation differs: α = exp(−λu·Δt),
# β = exp(−λw·Δt) computed by ``silif_decays`` (not clamped), a and b clamped to A_RANGE / B_RANGE.
SiLIFParams = AdLIFParams
SiLIFState = AdLIFState
silif_step = adlif_step


def silif_decays(log_dt: Tensor, log_lambda_u: Tensor, log_lambda_w: Tensor) -> tuple[Tensor, Tensor]:
    """(α, β) = (exp(−e^{log_λu}·e^{log_dt}), exp(−e^{log_λw}·e^{log_dt})), card P01 §3."""
    dt = torch.exp(log_dt)
    return torch.exp(-torch.exp(log_lambda_u) * dt), torch.exp(-torch.exp(log_lambda_w) * dt)


class SiLIF(SpikingCell):
    """A layer of SiLIF neurons: currents [batch, time, n] -> spikes [batch, time, n].

    Trainable per neuron: ``log_dt``, ``log_lambda_u``, ``log_lambda_w``, ``a``, ``b`` (5 values).
    Initial states u0, w0, s0 are U[0,1) redrawn every call (or zeros with ``zero_init_state``).
    """

    step = staticmethod(silif_step)
    state_type = SiLIFState

    def __init__(self, n_neurons: int, *, zero_init_state: bool = False, threshold: float = 1.0) -> None:
        super().__init__()
        self.n_neurons = n = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.threshold = float(threshold)
        self.log_dt = nn.Parameter(torch.full((n,), math.log(DT_INIT)))
        self.log_lambda_u = nn.Parameter(torch.empty(n).uniform_(*map(math.log, LAMBDA_U_RANGE)))
        self.log_lambda_w = nn.Parameter(torch.empty(n).uniform_(*map(math.log, LAMBDA_W_RANGE)))
        self.a = nn.Parameter(torch.empty(n).uniform_(*A_RANGE))
        self.b = nn.Parameter(torch.empty(n).uniform_(*B_RANGE))

    def params(self) -> SiLIFParams:
        alpha, beta = silif_decays(self.log_dt, self.log_lambda_u, self.log_lambda_w)
        return SiLIFParams(
            alpha=alpha, beta=beta, a=self.a.clamp(*A_RANGE), b=self.b.clamp(*B_RANGE), threshold=self.threshold
        )
