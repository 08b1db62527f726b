"""SNNAX's adaptive LIF (card P09 §3, "AdaptiveLIF"; SNNAX ``lif.py:AdaptiveLIF`` after PR #6).

Per step:

    1. u ← α_c·u + (1 − α_c)·(I_t + w);   s_t = H(u − θ)
    2. w ← (1 − β_c)·a_c·u + β_c·w − b_c·stop_grad(s_t)
    3. u ← u − u·s_t                        (reset to zero, after the adaptation update)

α_c, β_c = clip(·, 0.5, 1); a_c = clip(a, −1, 1); b_c = clip(b, 0, 2). Defaults β = 0.8,
a = 0.5, b = 1 (card). The reset term carries no gradient with ``stop_reset_grad``.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.lif import DECAY_RANGE
from implementations.snnax.surrogate import SpikeFn, superspike

A_RANGE = (-1.0, 1.0)
B_RANGE = (0.0, 2.0)


class AdaptiveLIFParams(NamedTuple):
    alpha: jax.Array
    beta: jax.Array
    a: jax.Array
    b: jax.Array
    threshold: float = 1.0


class AdaptiveLIFState(NamedTuple):
    u: jax.Array
    w: jax.Array
    s: jax.Array


def adaptive_lif_step(
    i_t: jax.Array, state: AdaptiveLIFState, p: AdaptiveLIFParams, *, spike_fn: SpikeFn, stop_reset_grad: bool = True
) -> tuple[jax.Array, AdaptiveLIFState]:
    """One AdaptiveLIF step (card P09 §3, steps 1-3 above); returns (s_t, new state)."""
    u, w, _ = state
    u = p.alpha * u + (1.0 - p.alpha) * (i_t + w)
    s = spike_fn(u - p.threshold)
    w = (1.0 - p.beta) * p.a * u + p.beta * w - p.b * jax.lax.stop_gradient(s)
    reset = u * s
    u = u - (jax.lax.stop_gradient(reset) if stop_reset_grad else reset)
    return s, AdaptiveLIFState(u=u, w=w, s=s)


class AdaptiveLIF(eqx.Module):
    """A layer of ``n`` adaptive LIF neurons with trainable per-neuron α, β, a, b."""

    alpha: jax.Array
    beta: jax.Array
    a: jax.Array
    b: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    threshold: float = eqx.field(static=True, default=1.0)
    stop_reset_grad: bool = eqx.field(static=True, default=True)
    spike_fn: SpikeFn = eqx.field(static=True, default_factory=superspike)

    def __init__(
        self,
        n: int,
        alpha: float = 0.95,
        beta: float = 0.8,
        a: float = 0.5,
        b: float = 1.0,
        *,
        threshold: float = 1.0,
        stop_reset_grad: bool = True,
        spike_fn: SpikeFn | None = None,
    ) -> None:
        self.alpha = jnp.full((n,), alpha, jnp.float32)
        self.beta = jnp.full((n,), beta, jnp.float32)
        self.a = jnp.full((n,), a, jnp.float32)
        self.b = jnp.full((n,), b, jnp.float32)
        self.in_features = self.out_features = int(n)
        self.threshold, self.stop_reset_grad = float(threshold), bool(stop_reset_grad)
        self.spike_fn = spike_fn if spike_fn is not None else superspike()

    def params(self) -> AdaptiveLIFParams:
        return AdaptiveLIFParams(
            alpha=jnp.clip(self.alpha, *DECAY_RANGE),
            beta=jnp.clip(self.beta, *DECAY_RANGE),
            a=jnp.clip(self.a, *A_RANGE),
            b=jnp.clip(self.b, *B_RANGE),
            threshold=self.threshold,
        )

    def init_state(self, batch_shape: tuple[int, ...]) -> AdaptiveLIFState:
        z = jnp.zeros((*batch_shape, self.out_features), jnp.float32)
        return AdaptiveLIFState(u=z, w=z, s=z)

    def __call__(
        self, state: AdaptiveLIFState, x: jax.Array, *, key: jax.Array | None = None
    ) -> tuple[AdaptiveLIFState, jax.Array]:
        s, state = adaptive_lif_step(
            x, state, self.params(), spike_fn=self.spike_fn, stop_reset_grad=self.stop_reset_grad
        )
        return state, s
