"""SNNAX's LIF with soft (subtractive) reset (card P09 §3, "LIFSoftReset").

The LIF of ``lif.py`` with step 1 replaced by u ← u − u_r·s_{t−1} (u_r = ``reset_val``,
default 1): the threshold is subtracted instead of the potential being zeroed. Then
u ← α_c·u + (1 − α_c)·i, i ← β_c·i + (1 − β_c)·I_t, s_t = H(u − θ); decays clipped to
[0.5, 1]; the reset term carries no gradient with ``stop_reset_grad``.

``scan`` runs the layer over a whole sequence: ``lax.scan`` of the step (autodiff, the
reference), or with ``custom_vjp=True`` the hand-written reverse-time VJP of
``lif_scan_vjp.py`` (same spikes, fewer residuals). A graph runs a ``custom_vjp`` layer whose
input is known for all steps as one such scan (``graph.py``).
"""

from __future__ import annotations

from typing import ClassVar

import jax

from implementations.snnax.lif import LIF, LIFParams, LIFState
from implementations.snnax.surrogate import SpikeFn


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


class LIFSoftReset(LIF):
    """A layer of ``n`` soft-reset LIF neurons (trainable per-neuron α, β): :class:`LIF` with the
    subtractive reset; ``reset_val`` (u_r) defaults to 1."""

    reset_mode: ClassVar[str] = "subtract"
    step: ClassVar = staticmethod(lif_soft_reset_step)

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
        custom_vjp: bool = False,
    ) -> None:
        super().__init__(
            n,
            alpha,
            beta,
            threshold=threshold,
            reset_val=float(reset_val),
            stop_reset_grad=stop_reset_grad,
            spike_fn=spike_fn,
            custom_vjp=custom_vjp,
        )
