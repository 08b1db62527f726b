"""A hand-built network and input shared by the metric tests; every count is derived in the tests."""

from __future__ import annotations

import pytest
import torch
from torch import nn


class Threshold(nn.Module):
    """Spike where the input exceeds a threshold buffer; declares 12 bytes of state per sample."""

    neurorepro_activation = True

    def __init__(self, threshold: float = 0.2) -> None:
        super().__init__()
        self.register_buffer("threshold", torch.tensor(threshold))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.threshold).to(x.dtype)

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        return {"v": ((2,), torch.float32), "trace": ((2,), torch.float16)}


class TinyNet(nn.Module):
    """Linear(3->2) -> Threshold -> Linear(2->2), weights set by hand (3 zeros out of 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 2)
        self.spike = Threshold(0.2)
        self.fc2 = nn.Linear(2, 2)
        with torch.no_grad():
            self.fc1.weight.copy_(torch.tensor([[1.0, 0.0, 2.0], [0.0, -1.0, 0.5]]))
            self.fc1.bias.copy_(torch.tensor([0.1, -0.2]))
            self.fc2.weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 1.0]]))
            self.fc2.bias.copy_(torch.tensor([0.0, 0.3]))
        self.fc2.bias.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.spike(self.fc1(x)))


@pytest.fixture
def tiny_net() -> TinyNet:
    return TinyNet()


@pytest.fixture
def tiny_input() -> torch.Tensor:
    """2 samples x 2 timesteps x 3 features; real-valued, so fc1 does MACs."""
    return torch.tensor(
        [
            [[0.5, 0.0, 1.0], [0.0, 0.0, 0.0]],
            [[2.0, 1.0, 0.0], [0.0, 3.0, -1.0]],
        ]
    )
