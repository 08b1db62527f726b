"""Scanning a pure step function over time: the torch counterpart of ``jax.lax.scan``.

Every cell in this package writes its dynamics as ``step(i_t, state, p) -> (s_t, state)`` on
[batch, neurons] tensors; :func:`scan` applies it along the time axis of [batch, time, neurons].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import Tensor

S = TypeVar("S")


def scan(step: Callable[[Tensor, S, Any], tuple[Tensor, S]], inputs: Tensor, state: S, p: Any) -> tuple[Tensor, S]:
    """Run ``step`` over ``inputs[:, t]`` for t = 0..T−1; return outputs [B, T, H] and the final state."""
    outs = []
    for t in range(inputs.shape[1]):
        out, state = step(inputs[:, t], state, p)
        outs.append(out)
    return torch.stack(outs, dim=1), state
