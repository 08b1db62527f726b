"""Spike functions written with ``stop_gradient`` so that forward AND reverse mode see the surrogate.

Card P04 §3 (verified: synaptax code): σ(x) = sigmoid(10x) and
``z = stop_grad(H(x) − σ(x)) + σ(x)``, so ∂z/∂x = ψ(x) = 10·σ(x)(1 − σ(x)); θ = 1.
A ``jax.custom_vjp`` would hide the surrogate from ``jax.jvp``; the stop-gradient form does not,
which is what the forward-mode e-prop pipeline (``eprop.py``) relies on.

Card P01 §3 (verified: SiLIF code) boxcar: H(x) = [x > 0] forward, ∂/∂x = 1 on (−0.5, 0.5];
written as ``stop_grad(H(x) − r(x)) + r(x)`` with r(x) = x·sg([−0.5 < x ≤ 0.5]) (exactly the boxcar in
both AD modes; ``clip`` would give 0.5 at the edges).
"""

from __future__ import annotations

import jax

SIGMOID_SLOPE = 10.0
THRESHOLD = 1.0


def spike_sigmoid(x: jax.Array) -> jax.Array:
    """H(x) forward (strict, [x > 0]); derivative ψ(x) = 10·σ(10x)(1 − σ(10x)) in every AD mode."""
    soft = jax.nn.sigmoid(SIGMOID_SLOPE * x)
    return jax.lax.stop_gradient((x > 0).astype(x.dtype) - soft) + soft


def psi_sigmoid(x: jax.Array) -> jax.Array:
    """The surrogate derivative of :func:`spike_sigmoid`, in closed form (for tests)."""
    soft = jax.nn.sigmoid(SIGMOID_SLOPE * x)
    return SIGMOID_SLOPE * soft * (1.0 - soft)


def spike_boxcar(x: jax.Array) -> jax.Array:
    """H(x) forward; derivative 1 on (−0.5, 0.5] and 0 elsewhere (card P01 boxcar)."""
    inside = jax.lax.stop_gradient(((x > -0.5) & (x <= 0.5)).astype(x.dtype))
    ramp = x * inside
    return jax.lax.stop_gradient((x > 0).astype(x.dtype) - ramp) + ramp
