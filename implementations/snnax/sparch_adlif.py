"""JAX port of the harness's PyTorch adLIF (``implementations/neurons/adlif.py``, card P01 §3).

    w_t = β_c·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·(I_t − w_t)
    s_t = H(u_t − θ)   (boxcar surrogate)

α_c ∈ [e^{−1/5}, e^{−1/25}], β_c ∈ [e^{−1/30}, e^{−1/120}], a_c ∈ [−1, 1], b_c ∈ [0, 2], as in the
torch cell. For the parity test of the engine against the suite's torch cells.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.surrogate import boxcar

ALPHA_RANGE = (math.exp(-1 / 5), math.exp(-1 / 25))
BETA_RANGE = (math.exp(-1 / 30), math.exp(-1 / 120))
A_RANGE = (-1.0, 1.0)
B_RANGE = (0.0, 2.0)


class SparchAdLIFParams(NamedTuple):
    alpha: jax.Array
    beta: jax.Array
    a: jax.Array
    b: jax.Array
    threshold: float = 1.0


class SparchAdLIFState(NamedTuple):
    u: jax.Array
    w: jax.Array
    s: jax.Array


def sparch_adlif_step(
    i_t: jax.Array, state: SparchAdLIFState, p: SparchAdLIFParams
) -> tuple[jax.Array, SparchAdLIFState]:
    """One sparch adLIF step (card P01 §3); the same equation as the torch ``adlif_step``."""
    w = p.beta * state.w + p.a * state.u + p.b * state.s
    u = p.alpha * (state.u - state.s) + (1.0 - p.alpha) * (i_t - w)
    s = boxcar(u - p.threshold)
    return s, SparchAdLIFState(u=u, w=w, s=s)


class SparchAdLIF(eqx.Module):
    """A layer of sparch adLIF neurons, initialised like the torch cell; zero initial state."""

    alpha: jax.Array
    beta: jax.Array
    a: jax.Array
    b: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    threshold: float = eqx.field(static=True, default=1.0)

    def __init__(self, n: int, *, key: jax.Array, threshold: float = 1.0) -> None:
        k = jax.random.split(key, 4)
        self.alpha = jax.random.uniform(k[0], (n,), minval=ALPHA_RANGE[0], maxval=ALPHA_RANGE[1])
        self.beta = jax.random.uniform(k[1], (n,), minval=BETA_RANGE[0], maxval=BETA_RANGE[1])
        self.a = jax.random.uniform(k[2], (n,), minval=A_RANGE[0], maxval=A_RANGE[1])
        self.b = jax.random.uniform(k[3], (n,), minval=B_RANGE[0], maxval=B_RANGE[1])
        self.in_features = self.out_features = int(n)
        self.threshold = float(threshold)

    def params(self) -> SparchAdLIFParams:
        return SparchAdLIFParams(
            alpha=jnp.clip(self.alpha, *ALPHA_RANGE),
            beta=jnp.clip(self.beta, *BETA_RANGE),
            a=jnp.clip(self.a, *A_RANGE),
            b=jnp.clip(self.b, *B_RANGE),
            threshold=self.threshold,
        )

    def init_state(self, batch_shape: tuple[int, ...]) -> SparchAdLIFState:
        z = jnp.zeros((*batch_shape, self.out_features), jnp.float32)
        return SparchAdLIFState(u=z, w=z, s=z)

    def __call__(
        self, state: SparchAdLIFState, x: jax.Array, *, key: jax.Array | None = None
    ) -> tuple[SparchAdLIFState, jax.Array]:
        s, state = sparch_adlif_step(x, state, self.params())
        return state, s
