"""The interface every cell offers to the e-prop pipeline, BPTT, naive e-prop and RTRL.

A cell is a pure, element-wise (per neuron) recurrence on a tuple of K state arrays, each
``[batch, neurons]``, driven by a synaptic current ``c = W · in_t`` (card P04 §3,
``h_t = f(h_{t−1}, x_t; W)``):

* ``step(h, c) -> h_new``: one time step; neuron j of ``h_new`` may depend only on neuron j of
  ``h`` and ``c`` (so ∂h_t/∂h_{t−1} is diagonal per neuron, a K×K block, and ∂h_t/∂W is row-sparse);
* ``output(h) -> z``: the spikes read from the new state;
* ``init(batch, n) -> h``: the initial state.

Nothing else is required: no hand-derived derivative. Neuron constants are closed over (a
``functools.partial`` of a step with its NamedTuple params).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

State = tuple[jax.Array, ...]


class Cell(NamedTuple):
    """A neuron model as the gradient methods see it (see the module docstring)."""

    name: str
    n_states: int
    step: Callable[[State, jax.Array], State]
    output: Callable[[State], jax.Array]
    init: Callable[[int, int], State]


def zeros_init(n_states: int) -> Callable[[int, int], State]:
    """An ``init`` returning K zero arrays ``[batch, n]``."""

    def init(batch: int, n: int) -> State:
        return tuple(jnp.zeros((batch, n), jnp.float32) for _ in range(n_states))

    return init
