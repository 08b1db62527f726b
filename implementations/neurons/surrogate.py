"""The spike nonlinearity H(x) = [x > 0] (strict, x = v − θ) with a surrogate derivative in the
backward pass: one autograd function, :func:`heaviside`, for every surrogate the torch cells use.

* boxcar (card P01 §3, sparch's ``SpikeFunctionBoxcar``, DECOLLE-style): ∂s/∂x = 1 on
  −0.5 < x ≤ 0.5, else 0 (half-width 0.5, height 1);
* fast sigmoid 1/(k|x| + 1)² (card P10's SOEL code, k = 10; P05's checkpointed LIF uses the same
  form as its SuperSpike);
* SuperSpike as SNNAX implements it, 1/(1 + β|x|) (card P09, β = 10).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import Tensor

BOXCAR_HALF_WIDTH = 0.5
Derivative = Callable[[Tensor], Tensor]


class _HeavisideSurrogate(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, derivative: Derivative) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        ctx.derivative = derivative
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad_out * ctx.derivative(x).to(grad_out.dtype), None


def heaviside(x: Tensor, derivative: Derivative) -> Tensor:
    """H(x) = [x > 0] forward; ``derivative(x)`` as ∂s/∂x backward."""
    return _HeavisideSurrogate.apply(x, derivative)


def boxcar_derivative(x: Tensor) -> Tensor:
    """1 on (−0.5, 0.5], 0 elsewhere."""
    return ((x > -BOXCAR_HALF_WIDTH) & (x <= BOXCAR_HALF_WIDTH)).to(x.dtype)


def fast_sigmoid_derivative(x: Tensor, slope: float = 10.0) -> Tensor:
    """1/(slope·|x| + 1)²."""
    return 1.0 / (slope * x.abs() + 1.0) ** 2


def superspike_derivative(x: Tensor, beta: float = 10.0) -> Tensor:
    """1/(1 + β|x|) (SNNAX's implemented SuperSpike tangent)."""
    return 1.0 / (1.0 + beta * x.abs())


def spike_boxcar(x: Tensor) -> Tensor:
    """H(x) = [x > 0] forward; boxcar gradient 1 on (−0.5, 0.5] backward."""
    return heaviside(x, boxcar_derivative)


def spike_fast_sigmoid(x: Tensor, slope: float = 10.0) -> Tensor:
    """H(x) forward, 1/(slope·|x| + 1)² backward."""
    return heaviside(x, partial(fast_sigmoid_derivative, slope=slope))


def spike_superspike(x: Tensor, beta: float = 10.0) -> Tensor:
    """H(x) forward, 1/(1 + β|x|) backward."""
    return heaviside(x, partial(superspike_derivative, beta=beta))
