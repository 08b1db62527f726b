"""Feed-forward LIF of synaptax's ``SNN_LIF`` (card P04 §3, verified: repo code), pre-reset state.

Card P04: ū_t = β ũ_{t−1} + (1−β) W x_t, z_t = H(ū_t − 1), ũ_t = ū_t − z_t ū_t, β = 0.95, θ = 1.

The state kept here is the *pre-reset* potential ū (the card's correction, [derived]): the reset
of step t−1 is applied at the start of step t, so that the spike is a function of the state,
z_t = H(ū_t − 1), and the trace of ū is exact. The three reset conventions of the card give
three different gradients; ``reset`` names the one this cell uses, identically for e-prop and BPTT:

* ``"A"``: the gradient flows through the surrogate inside the reset, ũ = ū − z·ū;
* ``"B"``: the reset factor is detached, ũ = ū − sg(z)·ū;
* ``"C"``: the whole reset is detached, ũ = ū − sg(z·ū) (then the post-reset trace is exact too).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax

from implementations.eprop.cell import Cell, State, zeros_init
from implementations.eprop.spike import THRESHOLD, spike_sigmoid

RESETS = ("A", "B", "C")


class LIFParams(NamedTuple):
    beta: float = 0.95
    threshold: float = THRESHOLD
    reset: str = "A"


def lif_reset(u_bar: jax.Array, p: LIFParams) -> jax.Array:
    """ũ = ū − z·ū under convention ``p.reset`` (see the module docstring)."""
    z = spike_sigmoid(u_bar - p.threshold)
    if p.reset == "A":
        return u_bar - z * u_bar
    if p.reset == "B":
        return u_bar - jax.lax.stop_gradient(z) * u_bar
    if p.reset == "C":
        return u_bar - jax.lax.stop_gradient(z * u_bar)
    raise ValueError(f"LIF reset convention must be one of {RESETS}, got {p.reset!r}")


def lif_step(h: State, c: jax.Array, p: LIFParams) -> State:
    """ū_t = β·reset(ū_{t−1}) + (1 − β)·c_t with c_t = W x_t (card P04 §3 LIF)."""
    (u_bar,) = h
    return (p.beta * lif_reset(u_bar, p) + (1.0 - p.beta) * c,)


def lif_output(h: State, p: LIFParams) -> jax.Array:
    """z_t = H(ū_t − θ) with the sigmoid(10x) surrogate."""
    return spike_sigmoid(h[0] - p.threshold)


def lif_cell(beta: float = 0.95, reset: str = "A") -> Cell:
    """The LIF cell (one state per neuron)."""
    if reset not in RESETS:
        raise ValueError(f"LIF reset convention must be one of {RESETS}, got {reset!r}")
    p = LIFParams(beta=beta, reset=reset)
    return Cell("lif", 1, partial(lif_step, p=p), partial(lif_output, p=p), zeros_init(1))
