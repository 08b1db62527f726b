"""The stateful-layer contract of the JAX engine (card P09 §3, SNNAX ``StatefulLayer``).

Every layer is an Equinox module with

* ``in_features`` / ``out_features``: sizes of the last axis in and out, known before any data
  is seen, so that a graph can build the state of a layer whose input arrives through a
  recurrent or feedback edge (SNNAX issue #9);
* ``init_state(batch_shape) -> state``: a pytree (a NamedTuple, or ``()`` for stateless layers)
  shaped ``batch_shape + (out_features,)``;
* ``__call__(state, x, *, key=None) -> (state, out)``: one time step; ``x`` is
  ``batch_shape + (in_features,)``.

``stateless = True`` marks a layer whose step does not depend on time (Linear, dropout); the
graph may then apply it to a whole sequence at once, outside the time loop (see ``graph.py``).
This file holds the stateless wrappers: :class:`Linear` and :class:`Dropout`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp


class Linear(eqx.Module):
    """y = x Wᵀ (+ b); W [out, in] ~ U(−1/√in, 1/√in) like ``torch.nn.Linear`` (and b likewise)."""

    weight: jax.Array
    bias: jax.Array | None
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    stateless: ClassVar[bool] = True

    def __init__(self, in_features: int, out_features: int, *, use_bias: bool = False, key: jax.Array) -> None:
        wkey, bkey = jax.random.split(key)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = jax.random.uniform(wkey, (out_features, in_features), minval=-bound, maxval=bound)
        self.bias = jax.random.uniform(bkey, (out_features,), minval=-bound, maxval=bound) if use_bias else None
        self.in_features, self.out_features = int(in_features), int(out_features)

    def init_state(self, batch_shape: tuple[int, ...]) -> tuple[()]:
        return ()

    def apply(self, x: jax.Array, *, key: jax.Array | None = None, inference: bool = False) -> jax.Array:
        """The stateless map on any leading shape (a step, or a whole [T, B, in] sequence)."""
        # one 2-D matrix product over all leading axes: XLA's CPU backend runs a 3-D dot_general
        # (and its weight gradient, which contracts two axes) markedly slower than a plain GEMM
        y = (x.reshape(-1, x.shape[-1]) @ self.weight.T).reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias

    def __call__(self, state: tuple[()], x: jax.Array, *, key: jax.Array | None = None) -> tuple[tuple[()], jax.Array]:
        return state, self.apply(x)


class Dropout(eqx.Module):
    """Inverted dropout with rate ``p``; identity when ``inference`` or without a key."""

    p: float = eqx.field(static=True)
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    inference: bool = eqx.field(static=True, default=False)
    stateless: ClassVar[bool] = True

    def __init__(self, n: int, p: float, *, inference: bool = False) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {p}")
        self.p, self.in_features, self.out_features, self.inference = float(p), int(n), int(n), inference

    def init_state(self, batch_shape: tuple[int, ...]) -> tuple[()]:
        return ()

    def apply(self, x: jax.Array, *, key: jax.Array | None = None, inference: bool = False) -> jax.Array:
        if self.inference or inference or key is None or self.p == 0.0:
            return x
        keep = jax.random.bernoulli(key, 1.0 - self.p, x.shape)
        return jnp.where(keep, x / (1.0 - self.p), 0.0)

    def __call__(self, state: tuple[()], x: jax.Array, *, key: jax.Array | None = None) -> tuple[tuple[()], jax.Array]:
        return state, self.apply(x, key=key)


def is_stateless(layer: Any) -> bool:
    return bool(getattr(layer, "stateless", False))
