"""Per-class top-down modulations (card P02 §3 "Modulation parametrisation", verified: repo
``TaskModulation``).

Every modulated op gets a gain ``g_c`` and a bias ``b_c`` per class ``c`` (size: the op's output
dimension); the modulated output is ``o = (1 + g_c) * (W x + s) + b_c``, applied before the next
nonlinearity. Init ``g, b ~ N(0, 0.02^2)``. The "no modulation" state is the virtual index
``n_classes`` whose gain and bias are constant zeros (a buffer, never a parameter), so it is the
identity exactly and no optimiser can move it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

#: Standard deviation of the modulation init (repo ``TaskModulation``).
INIT_STD = 0.02


class ModulationParams(NamedTuple):
    """Gains and biases of one op for a batch: ``[B, out]`` each (zeros for "no modulation")."""

    gain: Tensor
    bias: Tensor


def modulate(h: Tensor, p: ModulationParams) -> Tensor:
    """``(1 + g_c) * h + b_c`` with ``h = W x + s`` (card P02 §3). ``h [B, ..., out]``, params ``[B, out]``."""
    shape = (h.shape[0],) + (1,) * (h.dim() - 2) + (h.shape[-1],)
    return (1 + p.gain.reshape(shape)) * h + p.bias.reshape(shape)


class TaskModulation(nn.Module):
    """The per-class gains and biases of one op: ``n_classes`` learnable rows plus a zero row."""

    def __init__(self, n_classes: int, features: int) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.gain = nn.Parameter(torch.randn(n_classes, features) * INIT_STD)
        self.bias = nn.Parameter(torch.randn(n_classes, features) * INIT_STD)
        self.register_buffer("zero", torch.zeros(1, features), persistent=False)

    def params(self, task: Tensor) -> ModulationParams:
        """Rows for class indices ``task [B]``; index ``n_classes`` selects the zero (identity) row."""
        gain = torch.cat([self.gain, self.zero], dim=0)
        bias = torch.cat([self.bias, self.zero], dim=0)
        return ModulationParams(gain[task], bias[task])


class ModulatedLinear(nn.Module):
    """``Linear`` followed by its per-class modulation; ``task=None`` means no modulation."""

    def __init__(self, in_features: int, out_features: int, n_classes: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        self.modulation = TaskModulation(n_classes, out_features)

    def forward(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        h = self.linear(x)
        if task is None:
            return h
        return modulate(h, self.modulation.params(task))
