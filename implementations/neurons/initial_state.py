"""Initial neuron states: the card's U[0,1) draw, or zeros (card P01 §3 and §7).

The SiLIF repository (like sparch) draws every initial state, including the previous spike s0,
from U[0,1) on every forward call; s0 is therefore not binary. The JAX port starts from zeros.
"""

from __future__ import annotations

import torch
from torch import Tensor


def initial_tensor(
    batch: int,
    n: int,
    *,
    zero: bool,
    like: Tensor,
    generator: torch.Generator | None = None,
) -> Tensor:
    """A [batch, n] state tensor on ``like``'s device and dtype: zeros or U[0,1) from ``generator``.

    ``generator=None`` draws from torch's global generator (seeded by ``RunContext.seed_everything``).
    """
    if zero:
        return torch.zeros(batch, n, device=like.device, dtype=like.dtype)
    draw = torch.rand(batch, n, generator=generator, device=generator.device if generator is not None else "cpu")
    return draw.to(device=like.device, dtype=like.dtype)
