"""Speed of the loihi2 emulator's plastic-attention engine against the float plastic attention it
emulates (ratio in the same run: integer engine / float). No timed assertions."""

from __future__ import annotations

import torch

from implementations.loihi_icl.loihi2_attention import loihi2_plastic_attention
from implementations.loihi_icl.plastic_attention import PlasticParams, QuantScales, plastic_attention

g = torch.Generator().manual_seed(0)
Q, K = torch.randn(16, 26, 2, 16, generator=g), torch.randn(16, 26, 2, 16, generator=g)
V = torch.randn(16, 26, 2, 16, generator=g)


def test_float_plastic_attention(benchmark) -> None:
    benchmark(plastic_attention, Q, K, V, PlasticParams())


def test_loihi2_plastic_attention(benchmark) -> None:
    benchmark(loihi2_plastic_attention, Q, K, V, QuantScales(5, 5, 5, 6), {})
