"""SiLIF in JAX (card P01 §3, verified: SiLIF repo code), a cell the e-prop pipeline was not written for.

    α = exp(−exp(log_λu)·Δt)   β = exp(−exp(log_λw)·Δt)   a_c = clamp(a, 0, 1)   b_c = clamp(b, 0, 2)
    w_t = β·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α·(u_{t−1} − s_{t−1}) + (1 − α)·(I_t − w_t)      s_t = H(u_t − 1)

State (u, w); s_{t−1} = H(u_{t−1} − 1) is recomputed from the state *with* its boxcar surrogate
(not detached), so the 2×2 per-neuron Jacobian changes every step: nothing about it is
hand-derived. Per-neuron constants are drawn with the card's initialisation (Δt = 4 ms,
log_λu ~ U(log 10, log 250), log_λw ~ U(log 2.5, log 10), a ~ U(0, 1), b ~ U(0, 2)) and kept
fixed; only the synaptic weights are trained here (I_t = W x_t, no BatchNorm: a suite choice).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from implementations.eprop.cell import Cell, State, zeros_init
from implementations.eprop.spike import spike_boxcar

DT = 0.004


class SiLIFParams(NamedTuple):
    alpha: jax.Array  # [n]
    beta: jax.Array  # [n]
    a: jax.Array  # [n], clamped to [0, 1]
    b: jax.Array  # [n], clamped to [0, 2]


def silif_params(key: jax.Array, n: int, dt: float = DT) -> SiLIFParams:
    """Per-neuron constants with the card P01 initialisation."""
    k1, k2, k3, k4 = jax.random.split(key, 4)
    log_lu = jax.random.uniform(k1, (n,), minval=math.log(10.0), maxval=math.log(250.0))
    log_lw = jax.random.uniform(k2, (n,), minval=math.log(2.5), maxval=math.log(10.0))
    return SiLIFParams(
        alpha=jnp.exp(-jnp.exp(log_lu) * dt),
        beta=jnp.exp(-jnp.exp(log_lw) * dt),
        a=jnp.clip(jax.random.uniform(k3, (n,)), 0.0, 1.0),
        b=jnp.clip(jax.random.uniform(k4, (n,), maxval=2.0), 0.0, 2.0),
    )


def silif_step(h: State, c: jax.Array, p: SiLIFParams) -> State:
    """One SiLIF step (card P01 §3 SiLIF); subtractive reset applied one step late."""
    u, w = h
    s = spike_boxcar(u - 1.0)
    w_new = p.beta * w + p.a * u + p.b * s
    u_new = p.alpha * (u - s) + (1.0 - p.alpha) * (c - w_new)
    return (u_new, w_new)


def silif_output(h: State) -> jax.Array:
    """s_t = H(u_t − 1), boxcar surrogate."""
    return spike_boxcar(h[0] - 1.0)


def silif_cell(n: int, *, key: jax.Array) -> Cell:
    """The SiLIF cell for ``n`` neurons with constants drawn from ``key``."""
    p = silif_params(key, n)
    return Cell("silif", 2, partial(silif_step, p=p), silif_output, zeros_init(2))
