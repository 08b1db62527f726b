"""JAX port of the harness's PyTorch LIF (``implementations/neurons/lif.py``, card P01 §3).

    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·I_t,   s_t = H(u_t − θ),   α_c = clamp(α, e^{−1/5}, e^{−1/25})

with the boxcar surrogate. It exists so the engine can run the suite's torch cells' equations
under JAX, and so a parity test can check both frameworks give the same outputs and gradients.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.surrogate import boxcar

ALPHA_RANGE = (math.exp(-1 / 5), math.exp(-1 / 25))  # the torch cell's range


class SparchLIFParams(NamedTuple):
    alpha: jax.Array
    threshold: float = 1.0


class SparchLIFState(NamedTuple):
    u: jax.Array
    s: jax.Array


def sparch_lif_step(i_t: jax.Array, state: SparchLIFState, p: SparchLIFParams) -> tuple[jax.Array, SparchLIFState]:
    """One sparch LIF step (card P01 §3); the same equation as the torch ``lif_step``."""
    u = p.alpha * (state.u - state.s) + (1.0 - p.alpha) * i_t
    s = boxcar(u - p.threshold)
    return s, SparchLIFState(u=u, s=s)


class SparchLIF(eqx.Module):
    """A layer of sparch LIF neurons; α ~ U[e^{−1/5}, e^{−1/25}] like the torch cell; zero initial state."""

    alpha: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    threshold: float = eqx.field(static=True, default=1.0)

    def __init__(self, n: int, *, key: jax.Array, threshold: float = 1.0) -> None:
        self.alpha = jax.random.uniform(key, (n,), minval=ALPHA_RANGE[0], maxval=ALPHA_RANGE[1])
        self.in_features = self.out_features = int(n)
        self.threshold = float(threshold)

    def params(self) -> SparchLIFParams:
        return SparchLIFParams(alpha=jnp.clip(self.alpha, *ALPHA_RANGE), threshold=self.threshold)

    def init_state(self, batch_shape: tuple[int, ...]) -> SparchLIFState:
        z = jnp.zeros((*batch_shape, self.out_features), jnp.float32)
        return SparchLIFState(u=z, s=z)

    def __call__(
        self, state: SparchLIFState, x: jax.Array, *, key: jax.Array | None = None
    ) -> tuple[SparchLIFState, jax.Array]:
        s, state = sparch_lif_step(x, state, self.params())
        return state, s
