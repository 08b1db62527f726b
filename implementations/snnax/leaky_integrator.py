"""SNNAX's leaky integrator (card P09 §3, ``li.py:SimpleLI``): the non-spiking readout.

u_t = α_c·u_{t−1} + (1 − α_c)·I_t,   output u_t,   α_c = clip(α, 0.5, 1)
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.lif import DECAY_RANGE


class LeakyIntegratorParams(NamedTuple):
    alpha: jax.Array


class LeakyIntegratorState(NamedTuple):
    u: jax.Array


def leaky_integrator_step(
    i_t: jax.Array, state: LeakyIntegratorState, p: LeakyIntegratorParams
) -> tuple[jax.Array, LeakyIntegratorState]:
    """u_t = α·u_{t−1} + (1 − α)·I_t (card P09 §3); returns (u_t, new state)."""
    u = p.alpha * state.u + (1.0 - p.alpha) * i_t
    return u, LeakyIntegratorState(u=u)


class LeakyIntegrator(eqx.Module):
    """A layer of ``n`` leaky integrators with a trainable per-unit α."""

    alpha: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)

    def __init__(self, n: int, alpha: float = 0.95) -> None:
        self.alpha = jnp.full((n,), alpha, jnp.float32)
        self.in_features = self.out_features = int(n)

    def params(self) -> LeakyIntegratorParams:
        return LeakyIntegratorParams(alpha=jnp.clip(self.alpha, *DECAY_RANGE))

    def init_state(self, batch_shape: tuple[int, ...]) -> LeakyIntegratorState:
        return LeakyIntegratorState(u=jnp.zeros((*batch_shape, self.out_features), jnp.float32))

    def __call__(
        self, state: LeakyIntegratorState, x: jax.Array, *, key: jax.Array | None = None
    ) -> tuple[LeakyIntegratorState, jax.Array]:
        u, state = leaky_integrator_step(x, state, self.params())
        return state, u
