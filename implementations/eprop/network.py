"""The network every gradient method trains: one layer of cells and a linear readout (card P04 §3).

    c_t = W_in · in_t,  in_t = x_t (feed-forward) or [x_t, z_{t−1}] (recurrent)
    h_t = cell.step(h_{t−1}, c_t),  z_t = cell.output(h_t)
    ℓ_t = CE(softmax(W_out z_t), y),  loss = mean_batch Σ_t ℓ_t ;  prediction argmax Σ_t W_out z_t

Init (card P04 §3, verified: repo config): W_in orthogonal with gain √2, W_out Xavier-normal.
Inputs are read through ``x_at(t) -> [batch, inputs]``, so a stream generated inside the scan
(the memory benchmark) and a stored array are the same to every method.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from implementations.eprop.cell import Cell, State

InputFn = Callable[[jax.Array], jax.Array]


class NetParams(NamedTuple):
    w_in: jax.Array  # [H, I] or [H, I + H] when recurrent
    w_out: jax.Array  # [C, H]


def init_params(key: jax.Array, n_inputs: int, hidden: int, n_classes: int, *, recurrent: bool = False) -> NetParams:
    """W_in orthogonal(√2), W_out Xavier-normal (card P04 §3)."""
    k1, k2 = jax.random.split(key)
    fan_in = n_inputs + (hidden if recurrent else 0)
    w_in = jax.nn.initializers.orthogonal(scale=math.sqrt(2.0))(k1, (hidden, fan_in), jnp.float32)
    w_out = jax.nn.initializers.glorot_normal()(k2, (n_classes, hidden), jnp.float32)
    return NetParams(w_in, w_out)


def is_recurrent(params: NetParams, n_inputs: int) -> bool:
    return params.w_in.shape[1] != n_inputs


def layer_input(x_t: jax.Array, z_prev: jax.Array, recurrent: bool) -> jax.Array:
    """in_t = x_t, or [x_t, z_{t−1}] for a recurrent layer."""
    return jnp.concatenate([x_t, z_prev], axis=-1) if recurrent else x_t


def step_loss(w_out: jax.Array, z: jax.Array, y: jax.Array) -> jax.Array:
    """ℓ_t = CE(softmax(W_out z_t), y), averaged over the batch."""
    logits = z @ w_out.T
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def forward(params: NetParams, cell: Cell, x_at: InputFn, n_steps: int, batch: int, n_inputs: int):
    """Run the network; return ``(scores Σ_t W_out z_t [B, C], spikes [T, B, H])``."""
    hidden = params.w_in.shape[0]
    recurrent = is_recurrent(params, n_inputs)

    def body(carry: tuple[State, jax.Array, jax.Array], _: None):
        h, z_prev, t = carry
        h = cell.step(h, layer_input(x_at(t), z_prev, recurrent) @ params.w_in.T)
        z = cell.output(h)
        return (h, z, t + 1), z

    h0 = cell.init(batch, hidden)
    _, zs = jax.lax.scan(
        body, (h0, jnp.zeros((batch, hidden), jnp.float32), jnp.zeros((), jnp.int32)), None, length=n_steps
    )
    return jnp.einsum("tbh,ch->bc", zs, params.w_out), zs


def sequence_loss(
    params: NetParams, cell: Cell, x_at: InputFn, y: jax.Array, n_steps: int, n_inputs: int, unroll: int = 1
) -> jax.Array:
    """Σ_t ℓ_t (card P04 §3): what BPTT and RTRL differentiate; the recurrent input keeps its gradient."""
    hidden = params.w_in.shape[0]
    batch = y.shape[0]
    recurrent = is_recurrent(params, n_inputs)

    def body(carry, _):
        t, h, z_prev, total = carry
        h = cell.step(h, layer_input(x_at(t), z_prev, recurrent) @ params.w_in.T)
        z = cell.output(h)
        return (t + 1, h, z, total + step_loss(params.w_out, z, y)), None

    h0 = cell.init(batch, hidden)
    init = (jnp.zeros((), jnp.int32), h0, jnp.zeros((batch, hidden), jnp.float32), jnp.zeros((), jnp.float32))
    (_, _, _, total), _ = jax.lax.scan(body, init, None, length=n_steps, unroll=unroll)
    return total


def array_inputs(x: jax.Array) -> InputFn:
    """``x_at`` for a stored batch ``x [B, T, I]``."""
    return lambda t: jax.lax.dynamic_index_in_dim(x, t, axis=1, keepdims=False)


def bernoulli_inputs(key: jax.Array, batch: int, n_inputs: int, rate: float) -> InputFn:
    """``x_at`` drawing Bernoulli(rate) spikes for step t from ``fold_in(key, t)``: nothing stored over T."""
    return lambda t: jax.random.bernoulli(jax.random.fold_in(key, t), rate, (batch, n_inputs)).astype(jnp.float32)
