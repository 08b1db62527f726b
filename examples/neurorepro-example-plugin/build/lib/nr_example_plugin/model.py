"""A GRU sequence classifier with the classification protocol's factory signature.

``build_gru(n_inputs, n_classes, **hparams) -> nn.Module`` whose ``forward(x [B, T, C])`` returns
class scores ``[B, n_classes]`` (the protocol applies cross-entropy to them).
"""

from __future__ import annotations

import torch
from torch import nn


class GRUClassifier(nn.Module):
    def __init__(self, n_inputs: int, n_classes: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_inputs, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(x)
        return self.readout(h.mean(dim=1))

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        """Per-sample recurrent state, for the suite's ``state_bytes`` metric."""
        return {"h": ((self.gru.hidden_size,), torch.float32)}


def build_gru(n_inputs: int, n_classes: int, *, hidden: int = 64) -> GRUClassifier:
    return GRUClassifier(n_inputs, n_classes, hidden)
