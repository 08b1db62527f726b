"""BPTT baseline (card P04 §3, "BPTT: jax.value_and_grad over lax.scan"): stores every step for the backward pass."""

from __future__ import annotations

import jax

from implementations.eprop.cell import Cell
from implementations.eprop.network import InputFn, NetParams, sequence_loss


def bptt_grad(
    params: NetParams, cell: Cell, x_at: InputFn, y: jax.Array, n_steps: int, n_inputs: int, unroll: int = 1
) -> tuple[jax.Array, NetParams]:
    """``(loss, ∂loss/∂params)`` by reverse mode through ``lax.scan``."""
    return jax.value_and_grad(sequence_loss)(params, cell, x_at, y, n_steps, n_inputs, unroll)
