"""RTRL baseline (card P04 §3, "RTRL: jax.jacfwd through the unrolled loop").

Forward-mode AD carries the full influence tensor ∂h_t/∂θ (H × |θ| per sample) through time: the
exact gradient, with memory independent of T but O(H·|θ|); the card restricts it to H ≤ 128.
"""

from __future__ import annotations

import jax

from implementations.eprop.cell import Cell
from implementations.eprop.network import InputFn, NetParams, sequence_loss

MAX_HIDDEN = 128


def rtrl_grad(params: NetParams, cell: Cell, x_at: InputFn, y: jax.Array, n_steps: int, n_inputs: int) -> NetParams:
    """∂loss/∂params by forward mode (``jax.jacfwd``) through the whole sequence."""
    if params.w_in.shape[0] > MAX_HIDDEN:
        raise ValueError(f"RTRL is restricted to hidden <= {MAX_HIDDEN} (card P04 §7), got {params.w_in.shape[0]}")
    return jax.jacfwd(sequence_loss)(params, cell, x_at, y, n_steps, n_inputs)
