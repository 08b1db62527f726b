"""The adaptation ("calibration") algorithm that carries a linear gain-cell GPT to the nonlinear one.

Card P08 §3 (authors' ``utils/llms_training_utils.py: calibration_algorithm``):

1. The linear model keeps EMA (rate 0.1) target means μ* and stds σ* of its scaled q, k, v and
   output signals per head (:class:`~implementations.gaincell_attention.gpt.RangeScaler`).
2. The nonlinear model is initialised from it (same weights, scalers and targets).
3. On one batch, iterate: one forward pass records every signal's current μ and σ per head; then
   for every layer, scaler (q, k, v, output) and head whose error exceeds the tolerance

       a ← α·(a·σ*/σ) + (1 − α)·a          (if |σ − σ*| > tol and σ ≠ 0)
       b ← α·(b + μ* − μ) + (1 − α)·b      (if |μ − μ*| > tol)

   α falls linearly from 1.0 to 0.1 over the first 50 iterations and stays at 0.1.
4. Stop when every |σ − σ*| and |μ − μ*| < 1e-4, or after at most 100 iterations.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import torch
from torch import Tensor

from implementations.gaincell_attention.gpt import GPT

log = logging.getLogger(__name__)

TOLERANCE = 1e-4
MAX_ITERATIONS = 100
ALPHA_MAX, ALPHA_MIN, ALPHA_STEPS = 1.0, 0.1, 50


class AdaptationResult(NamedTuple):
    iterations: int  # forward passes run (1 .. MAX_ITERATIONS)
    converged: bool
    std_error_before: float  # max |σ − σ*| over layers, scalers and heads, before any update
    mean_error_before: float
    std_error_after: float  # the same, at the last forward pass
    mean_error_after: float
    curve: list[float]  # max(|σ − σ*|, |μ − μ*|) per iteration


def alpha_schedule(iteration: int) -> float:
    """α at a 0-based iteration: linspace(1.0, 0.1, 50)[iteration], then 0.1."""
    if iteration >= ALPHA_STEPS:
        return ALPHA_MIN
    return ALPHA_MAX + (ALPHA_MIN - ALPHA_MAX) * iteration / (ALPHA_STEPS - 1)


@torch.no_grad()
def adapt(
    model: GPT, batch: Tensor, *, tolerance: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS
) -> AdaptationResult:
    """Run the adaptation algorithm on ``model`` (nonlinear, targets already copied) with one batch."""
    layers = model.scalers()
    if not layers:
        raise ValueError("adaptation needs a gain-cell model (it has no range scalers)")
    for layer in layers:
        for name, sc in layer.items():
            if torch.isnan(sc.target_mean).any() or torch.isnan(sc.target_std).any():
                raise ValueError(f"scaler '{name}' has no target statistics: train the linear model first")
    was_training = model.training
    model.eval()
    model.set_scaler_flags(track_targets=False, record=True)
    curve: list[float] = []
    before: tuple[float, float] | None = None
    std_err = mean_err = float("inf")
    converged = False
    it = 0
    try:
        while it < max_iterations:
            model(batch)
            std_err = max(float((sc.last_std - sc.target_std).abs().max()) for ly in layers for sc in ly.values())
            mean_err = max(float((sc.last_mean - sc.target_mean).abs().max()) for ly in layers for sc in ly.values())
            if before is None:
                before = (std_err, mean_err)
            curve.append(max(std_err, mean_err))
            it += 1
            if std_err < tolerance and mean_err < tolerance:
                converged = True
                break
            alpha = alpha_schedule(it - 1)
            for layer in layers:
                for sc in layer.values():
                    ds = (sc.last_std - sc.target_std).abs() > tolerance
                    ok = ds & (sc.last_std != 0)
                    new_a = sc.a * sc.target_std / torch.where(ok, sc.last_std, torch.ones_like(sc.last_std))
                    sc.a.copy_(torch.where(ok, alpha * new_a + (1 - alpha) * sc.a, sc.a))
                    dm = (sc.last_mean - sc.target_mean).abs() > tolerance
                    new_b = sc.b + sc.target_mean - sc.last_mean
                    sc.b.copy_(torch.where(dm, alpha * new_b + (1 - alpha) * sc.b, sc.b))
    finally:
        model.set_scaler_flags(record=False)
        model.train(was_training)
    log.info("adaptation: %d iterations, converged=%s, max error %.2e", it, converged, curve[-1])
    assert before is not None
    return AdaptationResult(it, converged, before[0], before[1], std_err, mean_err, curve)
