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
from typing import NamedTuple

import torch
from torch import Tensor, nn

from implementations.neurons.initial_state import initial_tensor
from implementations.neurons.scan import scan
from implementations.neurons.surrogate import spike_boxcar

DT_INIT = 0.004  # s
LAMBDA_U_RANGE = (10.0, 250.0)  # s⁻¹, log-uniform
LAMBDA_W_RANGE = (2.5, 10.0)  # s⁻¹, log-uniform
A_RANGE = (0.0, 1.0)
B_RANGE = (0.0, 2.0)


class SiLIFParams(NamedTuple):
    alpha: Tensor  # [neurons], exp(−λu·Δt)
    beta: Tensor  # [neurons], exp(−λw·Δt)
    a: Tensor  # [neurons], clamped to A_RANGE
    b: Tensor  # [neurons], clamped to B_RANGE
    threshold: float = 1.0


class SiLIFState(NamedTuple):
    u: Tensor  # membrane potential [batch, neurons]
    w: Tensor  # adaptation [batch, neurons]
    s: Tensor  # previous spike [batch, neurons]


def silif_decays(log_dt: Tensor, log_lambda_u: Tensor, log_lambda_w: Tensor) -> tuple[Tensor, Tensor]:
    """(α, β) = (exp(−e^{log_λu}·e^{log_dt}), exp(−e^{log_λw}·e^{log_dt})), card P01 §3."""
    dt = torch.exp(log_dt)
    return torch.exp(-torch.exp(log_lambda_u) * dt), torch.exp(-torch.exp(log_lambda_w) * dt)


def silif_step(i_t: Tensor, state: SiLIFState, p: SiLIFParams) -> tuple[Tensor, SiLIFState]:
    """One SiLIF step (card P01 §3, equations for w_t, u_t, s_t). Shapes: [batch, neurons]."""
    w = p.beta * state.w + p.a * state.u + p.b * state.s
    u = p.alpha * (state.u - state.s) + (1 - p.alpha) * (i_t - w)
    s = spike_boxcar(u - p.threshold)
    return s, SiLIFState(u=u, w=w, s=s)


class SiLIF(nn.Module):
    """A layer of SiLIF neurons: currents [batch, time, n] -> spikes [batch, time, n].

    Trainable per neuron: ``log_dt``, ``log_lambda_u``, ``log_lambda_w``, ``a``, ``b`` (5 values).
    Initial states u0, w0, s0 are U[0,1) redrawn every call (or zeros with ``zero_init_state``).
    """

    neurorepro_activation = True

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

    def initial_state(self, i: Tensor, *, generator: torch.Generator | None = None) -> SiLIFState:
        """u0, w0, s0 (in that draw order), shaped like one time step of ``i``."""
        b, n = i.shape[0], self.n_neurons
        u = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        w = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        s = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        return SiLIFState(u=u, w=w, s=s)

    def forward(self, i: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        spikes, _ = scan(silif_step, i, self.initial_state(i, generator=generator), self.params())
        return spikes

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        """Per-sample state at inference: two real states (u, w) and the previous spike."""
        n = self.n_neurons
        return {"u": ((n,), torch.float32), "w": ((n,), torch.float32), "s": ((n,), torch.float32)}

    def extra_repr(self) -> str:
        return f"{self.n_neurons}, zero_init_state={self.zero_init_state}"
