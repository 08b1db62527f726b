"""S4D: the non-spiking diagonal state-space layer SiLIF is compared with (card P01 §2-§3, "Others").

Per channel h (of the n channels the layer sees), ``d_state`` complex modes, ZOH-discretised:

    A_n = −exp(log_a_re_n) + i·a_im_n          Δ = exp(log_dt)              (per channel)
    Ā_n = exp(A_n·Δ)                            B̄_n = (Ā_n − 1)/A_n            (ZOH, B = 1)
    x_t[n] = Ā_n·x_{t−1}[n] + B̄_n·I_t
    y_t = GELU(2·Re(Σ_n C_n·x_t[n]) + D·I_t)

S4D-Lin initialisation (Gu et al. 2022): A_n = −½ + iπn, log_dt ~ U(log 0.001, log 0.1),
C ~ CN(0, 1) (real and imaginary parts N(0, ½)), D ~ N(0, 1). The card names S4D only as a
comparator without its configuration: the single-input single-output per-channel layout, GELU
and ``d_state`` = 8 are **suite choices**, not the paper's. Initial state is zero (S4D has no
random initial state); ``zero_init_state`` is accepted for the cell interface and ignored.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from implementations.neurons.scan import scan

D_STATE = 8
DT_RANGE = (0.001, 0.1)


class S4DParams(NamedTuple):
    a_bar: Tensor  # [neurons, d_state] complex
    b_bar: Tensor  # [neurons, d_state] complex
    c: Tensor  # [neurons, d_state] complex
    d: Tensor  # [neurons] real


class S4DState(NamedTuple):
    x: Tensor  # [batch, neurons, d_state] complex


def s4d_discretize(log_a_re: Tensor, a_im: Tensor, log_dt: Tensor) -> tuple[Tensor, Tensor]:
    """ZOH: Ā = exp(AΔ), B̄ = (Ā − 1)/A with A = −exp(log_a_re) + i·a_im, Δ = exp(log_dt) per channel."""
    a = torch.complex(-torch.exp(log_a_re), a_im)
    a_bar = torch.exp(a * torch.exp(log_dt)[:, None])
    return a_bar, (a_bar - 1) / a


def s4d_step(i_t: Tensor, state: S4DState, p: S4DParams) -> tuple[Tensor, S4DState]:
    """One S4D step: x_t = Ā x_{t−1} + B̄ I_t; y_t = GELU(2 Re(Σ_n C x_t) + D I_t). i_t: [batch, neurons]."""
    x = p.a_bar * state.x + p.b_bar * i_t[..., None]
    y = 2 * (p.c * x).sum(dim=-1).real + p.d * i_t
    return F.gelu(y), S4DState(x=x)


class S4D(nn.Module):
    """A layer of per-channel S4D-Lin SSMs: [batch, time, n] -> [batch, time, n] (non-spiking)."""

    neurorepro_activation = True

    def __init__(self, n_neurons: int, *, zero_init_state: bool = False, d_state: int = D_STATE) -> None:
        super().__init__()
        self.n_neurons = n = int(n_neurons)
        self.d_state = int(d_state)
        self.zero_init_state = bool(zero_init_state)
        modes = torch.arange(self.d_state, dtype=torch.float32)
        self.log_a_re = nn.Parameter(torch.full((n, self.d_state), math.log(0.5)))
        self.a_im = nn.Parameter((math.pi * modes).repeat(n, 1))
        self.log_dt = nn.Parameter(torch.empty(n).uniform_(math.log(DT_RANGE[0]), math.log(DT_RANGE[1])))
        self.c_re = nn.Parameter(torch.randn(n, self.d_state) * math.sqrt(0.5))
        self.c_im = nn.Parameter(torch.randn(n, self.d_state) * math.sqrt(0.5))
        self.d = nn.Parameter(torch.randn(n))

    def params(self) -> S4DParams:
        a_bar, b_bar = s4d_discretize(self.log_a_re, self.a_im, self.log_dt)
        return S4DParams(a_bar=a_bar, b_bar=b_bar, c=torch.complex(self.c_re, self.c_im), d=self.d)

    def forward(self, i: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        x0 = torch.zeros(i.shape[0], self.n_neurons, self.d_state, dtype=torch.complex64, device=i.device)
        out, _ = scan(s4d_step, i, S4DState(x=x0), self.params())
        return out

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        return {"x": ((self.n_neurons, self.d_state), torch.complex64)}

    def extra_repr(self) -> str:
        return f"{self.n_neurons}, d_state={self.d_state}"
