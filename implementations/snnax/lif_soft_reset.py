"""SNNAX's LIF with soft (subtractive) reset (card P09 §3, "LIFSoftReset").

The LIF of ``lif.py`` with step 1 replaced by u ← u − u_r·s_{t−1} (u_r = ``reset_val``,
default 1): the threshold is subtracted instead of the potential being zeroed. Then
u ← α_c·u + (1 − α_c)·i, i ← β_c·i + (1 − β_c)·I_t, s_t = H(u − θ); decays clipped to
[0.5, 1]; the reset term carries no gradient with ``stop_reset_grad``.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.lif import DECAY_RANGE, LIFParams, LIFState
from implementations.snnax.surrogate import SpikeFn, superspike


def lif_soft_reset_step(
    i_t: jax.Array, state: LIFState, p: LIFParams, *, spike_fn: SpikeFn, stop_reset_grad: bool = True
) -> tuple[jax.Array, LIFState]:
    """One LIFSoftReset step (card P09 §3); ``p.reset_val`` is u_r (None means 1)."""
    u, i, s = state
    reset = (1.0 if p.reset_val is None else p.reset_val) * s
    u = u - (jax.lax.stop_gradient(reset) if stop_reset_grad else reset)
    u = p.alpha * u + (1.0 - p.alpha) * i
    i = p.beta * i + (1.0 - p.beta) * i_t
    s = spike_fn(u - p.threshold)
    return s, LIFState(u=u, i=i, s=s)


class LIFSoftReset(eqx.Module):
    """A layer of ``n`` soft-reset LIF neurons (trainable per-neuron α, β)."""

    alpha: jax.Array
    beta: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    threshold: float = eqx.field(static=True, default=1.0)
    reset_val: float = eqx.field(static=True, default=1.0)
    stop_reset_grad: bool = eqx.field(static=True, default=True)
    spike_fn: SpikeFn = eqx.field(static=True, default_factory=superspike)

    def __init__(
        self,
        n: int,
        alpha: float = 0.95,
        beta: float = 0.85,
        *,
        threshold: float = 1.0,
        reset_val: float = 1.0,
        stop_reset_grad: bool = True,
        spike_fn: SpikeFn | None = None,
    ) -> None:
        self.alpha = jnp.full((n,), alpha, jnp.float32)
        self.beta = jnp.full((n,), beta, jnp.float32)
        self.in_features = self.out_features = int(n)
        self.threshold, self.reset_val, self.stop_reset_grad = float(threshold), float(reset_val), bool(stop_reset_grad)
        self.spike_fn = spike_fn if spike_fn is not None else superspike()

    def params(self) -> LIFParams:
        return LIFParams(
            alpha=jnp.clip(self.alpha, *DECAY_RANGE),
            beta=jnp.clip(self.beta, *DECAY_RANGE),
            threshold=self.threshold,
            reset_val=self.reset_val,
        )

    def init_state(self, batch_shape: tuple[int, ...]) -> LIFState:
        z = jnp.zeros((*batch_shape, self.out_features), jnp.float32)
        return LIFState(u=z, i=z, s=z)

    def __call__(self, state: LIFState, x: jax.Array, *, key: jax.Array | None = None) -> tuple[LIFState, jax.Array]:
        s, state = lif_soft_reset_step(
            x, state, self.params(), spike_fn=self.spike_fn, stop_reset_grad=self.stop_reset_grad
        )
        return state, s
