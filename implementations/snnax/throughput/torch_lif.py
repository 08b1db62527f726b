"""Our throughput model in PyTorch: Linear(n→n) then SNNAX's LIFSoftReset (card P09 §3).

    u ← u − stop_grad(u_r·s_{t−1});  u ← α·u + (1 − α)·i;  i ← β·i + (1 − β)·I_t;  s_t = H(u − θ)

with the SuperSpike tangent 1/(1 + 10|x|) (SNNAX's implemented form). The input projection is
one GEMM over all T·B rows before the step loop (the form that makes the JAX engine fast too),
and the loop walks ``unbind(0)`` (indexing ``x[t]`` in a loop makes autograd's backward grow with
T², PEERS.md).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from implementations.neurons.surrogate import spike_superspike

SUPERSPIKE_BETA = 10.0


def superspike(x: Tensor) -> Tensor:
    """H(x) forward; gradient 1/(1 + 10|x|) backward (SNNAX ``superspike_surrogate``)."""
    return spike_superspike(x, beta=SUPERSPIKE_BETA)


class SoftResetState(NamedTuple):
    u: Tensor
    i: Tensor
    s: Tensor


def soft_reset_step(i_t: Tensor, state: SoftResetState, alpha: float, beta: float) -> tuple[Tensor, SoftResetState]:
    """One LIFSoftReset step (card P09 §3), θ = u_r = 1; the reset carries no gradient."""
    u = state.u - state.s.detach()
    u = alpha * u + (1.0 - alpha) * state.i
    i = beta * state.i + (1.0 - beta) * i_t
    s = superspike(u - 1.0)
    return s, SoftResetState(u, i, s)


class TorchLinearLIF(nn.Module):
    """Linear(n→n, no bias, weight ``w``) then LIFSoftReset; forward(x [T, B, n]) -> spikes [T, B, n]."""

    def __init__(self, w: np.ndarray, alpha: float, beta: float, *, compile_step: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(w.shape[1], w.shape[0], bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.from_numpy(w))
        self.alpha, self.beta = float(alpha), float(beta)
        if compile_step:
            # dynamo's recompile limit is per code object: every new network size in one process would
            # recompile soft_reset_step until the limit fails the run; start each network afresh
            torch._dynamo.reset()
        self.step = torch.compile(soft_reset_step, fullgraph=True, dynamic=False) if compile_step else soft_reset_step

    def forward(self, x: Tensor) -> Tensor:
        cur = self.fc(x)
        z = torch.zeros_like(cur[0])
        state = SoftResetState(z, z, z)
        out = []
        for c in cur.unbind(0):
            s, state = self.step(c, state, self.alpha, self.beta)
            out.append(s)
        return torch.stack(out)
