"""ResonateFire: the Euler-discretised resonate-and-fire baseline of the SiLIF code (card P01 §3).

Two input forms, both with λ_c = min(λ_re, −0.1) + i·λ_im, Δ = 0.004 and s_t = H(Re(u_t) − 1):

* ``"euler"`` (the card's equation, the authors' HEAD code [verified: card §3]):
  u_t = u_{t−1} + Δ·(λ_c·u_{t−1} + I_t) − s_{t−1}
* ``"unscaled"`` (a development version of the authors' ``models/snns.py``, found in a public code
  index, in which ``self.recurrent`` is defined; commit not identified, so **unverified**):
  u_t = (1 + Δ·λ_c)·(u_{t−1} − s_{t−1}) + I_t

With the card's form, a BatchNorm-normalised current (unit variance) enters as 0.004·I_t, and the
damped oscillator it drives stays far below the threshold: the network never spikes and, with a
boxcar surrogate that is zero below Re u = 0.5, never learns (``tests`` show it). The unscaled form
feeds I_t whole, as the C-SiLIF and adLIF layers do (up to their (1 − α) or b factors).

Initialisation: λ_re ~ U(−10, −1), λ_im ~ U(5, 10). The HEAD ``ResonateFireLayer`` is broken as
committed (it references an undefined ``self.recurrent``, card §7), so either form is a
**reconstruction** without recurrent weights, with the initial state drawn like C-SiLIF's (real and
imaginary parts of u0 and s0 all U[0,1), or zeros).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from implementations.neurons.cell import SpikingCell
from implementations.neurons.surrogate import spike_boxcar

DT = 0.004
LAMBDA_RE_RANGE = (-10.0, -1.0)
LAMBDA_RE_MAX = -0.1
LAMBDA_IM_RANGE = (5.0, 10.0)
INPUT_FORMS = ("euler", "unscaled")


class RFParams(NamedTuple):
    lam: Tensor  # [neurons] complex, Re clamped to ≤ −0.1
    dt: float = DT
    threshold: float = 1.0
    input_form: str = "euler"  # one of INPUT_FORMS


class RFState(NamedTuple):
    u: Tensor  # complex potential [batch, neurons]
    s: Tensor  # previous spike [batch, neurons]


def rf_step(i_t: Tensor, state: RFState, p: RFParams) -> tuple[Tensor, RFState]:
    """One resonate-and-fire step, s_t = H(Re u_t − 1), with u_t (module docstring) by ``p.input_form``:
    ``"euler"`` u + Δ(λu + I_t) − s (card P01 §3); ``"unscaled"`` (1 + Δλ)(u − s) + I_t."""
    if p.input_form == "euler":
        u = state.u + p.dt * (p.lam * state.u + i_t) - state.s
    else:
        u = (1 + p.dt * p.lam) * (state.u - state.s) + i_t
    s = spike_boxcar(u.real - p.threshold)
    return s, RFState(u=u, s=s)


class ResonateFire(SpikingCell):
    """A layer of resonate-and-fire neurons: currents [batch, time, n] -> spikes [batch, time, n]."""

    step = staticmethod(rf_step)
    state_type = RFState
    complex_states = frozenset({"u"})

    def __init__(
        self, n_neurons: int, *, zero_init_state: bool = False, threshold: float = 1.0, input_form: str = "euler"
    ) -> None:
        super().__init__()
        if input_form not in INPUT_FORMS:
            raise ValueError(f"ResonateFire input_form must be one of {', '.join(INPUT_FORMS)}; got {input_form!r}")
        self.input_form = input_form
        self.n_neurons = n = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.threshold = float(threshold)
        self.lambda_re = nn.Parameter(torch.empty(n).uniform_(*LAMBDA_RE_RANGE))
        self.lambda_im = nn.Parameter(torch.empty(n).uniform_(*LAMBDA_IM_RANGE))

    def params(self) -> RFParams:
        return RFParams(
            lam=torch.complex(self.lambda_re.clamp(max=LAMBDA_RE_MAX), self.lambda_im),
            threshold=self.threshold,
            input_form=self.input_form,
        )

    def extra_repr(self) -> str:
        return f"{self.n_neurons}, zero_init_state={self.zero_init_state}, input_form={self.input_form!r}"
