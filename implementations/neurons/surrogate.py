"""The spike nonlinearity with a boxcar surrogate gradient (card P01 §3, "Spike and surrogate").

Forward: s = H(x) = [x > 0] (strict), with x = v − θ.
Backward: ∂s/∂x = 1 on −0.5 < x ≤ 0.5 and 0 elsewhere, the DECOLLE-style boxcar of sparch's
``SpikeFunctionBoxcar`` (half-width 0.5, height 1).
"""

from __future__ import annotations

import torch
from torch import Tensor

BOXCAR_HALF_WIDTH = 0.5


class _BoxcarSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        inside = (x > -BOXCAR_HALF_WIDTH) & (x <= BOXCAR_HALF_WIDTH)
        return grad_out * inside.to(grad_out.dtype)


def spike_boxcar(x: Tensor) -> Tensor:
    """H(x) = [x > 0] forward; boxcar gradient 1 on (−0.5, 0.5] backward."""
    return _BoxcarSpike.apply(x)
