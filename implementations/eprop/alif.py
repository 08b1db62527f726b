"""ALIF of synaptax's ``SNN_ALIF`` (card P04 §3, verified: repo code); α = 0.95, β = 0.8, γ = 1, θ = 1.

    a_t = α u_{t−1} + β a_{t−1} + γ z_{t−1}
    u_t = α(u_{t−1} − z_{t−1}) + (1−α)(W x_t − a_t) ;  z_t = H(u_t − 1)

z_{t−1} = H(u_{t−1} − 1) is recomputed from the state and treated as a non-differentiated input
(``stop_gradient``), as the card states, so the 2×2 state Jacobian per neuron is constant:
∂u/∂u = α − α(1−α), ∂u/∂a = −β(1−α), ∂a/∂u = α, ∂a/∂a = β, ∂u/∂(Wx) = 1−α.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax

from implementations.eprop.cell import Cell, State, zeros_init
from implementations.eprop.spike import THRESHOLD, spike_sigmoid


class ALIFParams(NamedTuple):
    alpha: float = 0.95
    beta: float = 0.8
    gamma: float = 1.0
    threshold: float = THRESHOLD


def alif_step(h: State, c: jax.Array, p: ALIFParams) -> State:
    """One ALIF step (card P04 §3 ALIF); state (u, a)."""
    u, a = h
    z = jax.lax.stop_gradient(spike_sigmoid(u - p.threshold))
    a_new = p.alpha * u + p.beta * a + p.gamma * z
    u_new = p.alpha * (u - z) + (1.0 - p.alpha) * (c - a_new)
    return (u_new, a_new)


def alif_output(h: State, p: ALIFParams) -> jax.Array:
    """z_t = H(u_t − θ), sigmoid(10x) surrogate."""
    return spike_sigmoid(h[0] - p.threshold)


def alif_cell(alpha: float = 0.95, beta: float = 0.8, gamma: float = 1.0) -> Cell:
    """The ALIF cell (two states per neuron)."""
    p = ALIFParams(alpha=alpha, beta=beta, gamma=gamma)
    return Cell("alif", 2, partial(alif_step, p=p), partial(alif_output, p=p), zeros_init(2))
