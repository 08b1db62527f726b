"""CadLIF: the constrained adLIF baseline of the SiLIF code (card P01 §3, "Baselines").

    α_c = clamp(α, 0.36, 0.96)     β_c = clamp(β, 0.96, 0.99)     a_c = clamp(a, 0, 1)     b_c = clamp(b, 0, 2)
    w_t = β_c·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·(I_t − w_t)
    s_t = H(u_t − 1)

The recurrence is adLIF's (``adlif.adlif_step``); only the ranges differ. Each parameter is drawn
uniformly in its clamp range (the card gives the ranges; the uniform draw mirrors adLIF's init and
is our reading). The network around it uses Xavier-uniform weights (card: "Xavier init").
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.neurons.adlif import AdLIFParams, AdLIFState, adlif_step
from implementations.neurons.initial_state import initial_tensor
from implementations.neurons.scan import scan

ALPHA_RANGE = (0.36, 0.96)
BETA_RANGE = (0.96, 0.99)
A_RANGE = (0.0, 1.0)
B_RANGE = (0.0, 2.0)

CadLIFParams = AdLIFParams
CadLIFState = AdLIFState
cadlif_step = adlif_step


class CadLIF(nn.Module):
    """A layer of CadLIF neurons: currents [batch, time, n] -> spikes [batch, time, n]."""

    neurorepro_activation = True

    def __init__(self, n_neurons: int, *, zero_init_state: bool = False, threshold: float = 1.0) -> None:
        super().__init__()
        self.n_neurons = n = int(n_neurons)
        self.zero_init_state = bool(zero_init_state)
        self.threshold = float(threshold)
        self.alpha = nn.Parameter(torch.empty(n).uniform_(*ALPHA_RANGE))
        self.beta = nn.Parameter(torch.empty(n).uniform_(*BETA_RANGE))
        self.a = nn.Parameter(torch.empty(n).uniform_(*A_RANGE))
        self.b = nn.Parameter(torch.empty(n).uniform_(*B_RANGE))

    def params(self) -> CadLIFParams:
        return CadLIFParams(
            alpha=self.alpha.clamp(*ALPHA_RANGE),
            beta=self.beta.clamp(*BETA_RANGE),
            a=self.a.clamp(*A_RANGE),
            b=self.b.clamp(*B_RANGE),
            threshold=self.threshold,
        )

    def initial_state(self, i: Tensor, *, generator: torch.Generator | None = None) -> CadLIFState:
        b, n = i.shape[0], self.n_neurons
        u = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        w = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        s = initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)
        return CadLIFState(u=u, w=w, s=s)

    def forward(self, i: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        spikes, _ = scan(cadlif_step, i, self.initial_state(i, generator=generator), self.params())
        return spikes

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        n = self.n_neurons
        return {"u": ((n,), torch.float32), "w": ((n,), torch.float32), "s": ((n,), torch.float32)}

    def extra_repr(self) -> str:
        return f"{self.n_neurons}, zero_init_state={self.zero_init_state}"
