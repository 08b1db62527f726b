"""Spike functions with surrogate gradients for the JAX engine (card P09 §3, "Surrogates").

Forward, every surrogate is the Heaviside step H(x) with H(0) = 0 (``jnp.heaviside(x, 0)``, as
in SNNAX). Backward, the tangent is replaced (``jax.custom_jvp``):

* :func:`superspike` (SNNAX's default, β = 10): ẋ / (1 + β|x|). This is the form SNNAX
  *implements*; the SuperSpike paper's surrogate is the squared form ẋ / (1 + β|x|)². The card
  (§7) asks for the implemented form, and so does this file.
* :func:`boxcar`: ẋ on −0.5 < x ≤ 0.5, else 0: the sparch/DECOLLE boxcar of
  ``implementations.neurons.surrogate``, used by the JAX ports of the PyTorch cells (parity).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

SUPERSPIKE_BETA = 10.0
BOXCAR_HALF_WIDTH = 0.5

SpikeFn = Callable[[jax.Array], jax.Array]


def superspike(beta: float = SUPERSPIKE_BETA) -> SpikeFn:
    """H(x) forward; tangent ẋ/(1 + β|x|) (SNNAX ``superspike_surrogate``, as implemented)."""

    @jax.custom_jvp
    def spike(x: jax.Array) -> jax.Array:
        return jnp.heaviside(x, 0.0).astype(x.dtype)

    @spike.defjvp
    def spike_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[jax.Array, jax.Array]:
        (x,), (x_dot,) = primals, tangents
        return spike(x), x_dot / (1.0 + beta * jnp.abs(x))

    return spike


@jax.custom_jvp
def boxcar(x: jax.Array) -> jax.Array:
    """H(x) = [x > 0] forward; tangent ẋ·[−0.5 < x ≤ 0.5] (sparch's boxcar, card P01 §3)."""
    return (x > 0).astype(x.dtype)


@boxcar.defjvp
def _boxcar_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[jax.Array, jax.Array]:
    (x,), (x_dot,) = primals, tangents
    inside = (x > -BOXCAR_HALF_WIDTH) & (x <= BOXCAR_HALF_WIDTH)
    return boxcar(x), x_dot * inside.astype(x_dot.dtype)
