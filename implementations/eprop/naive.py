"""Naive dense e-prop (card P04 §3: "dense jax.jacrev, then einsum('ij,jkl->ikl', H, G)").

The same approximation as ``eprop.py`` but with full Jacobians per sample and step: the state
Jacobian as a dense (K·H)×(K·H) matrix and ∂h_t/∂W_in as a dense (K·H)×H×I tensor, so memory is
O(B·K·H·H·I) and time O(K²H²·H·I) per step. It is the baseline the sparse form is compared
with; never the reference (card P04 §7).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from implementations.eprop.cell import Cell
from implementations.eprop.network import InputFn, NetParams, is_recurrent, layer_input, step_loss


def naive_eprop_grad(
    params: NetParams, cell: Cell, x_at: InputFn, y: jax.Array, n_steps: int, n_inputs: int
) -> tuple[jax.Array, NetParams]:
    """``(loss, gradient estimate)`` with dense per-sample Jacobians (equal to sparse e-prop up to rounding)."""
    hidden, fan_in = params.w_in.shape
    batch = y.shape[0]
    k_states = cell.n_states
    recurrent = is_recurrent(params, n_inputs)

    def flat_step(h_flat: jax.Array, w_in: jax.Array, inp: jax.Array) -> jax.Array:
        h = tuple(h_flat.reshape(k_states, 1, hidden))
        return jnp.concatenate(cell.step(h, (inp @ w_in.T)[None, :]), axis=-1)[0]

    def flat_output(h_flat: jax.Array) -> jax.Array:
        return cell.output(tuple(h_flat.reshape(k_states, 1, hidden)))[0]

    def per_sample(h_flat, eps, inp, w_in):
        h_jac = jax.jacrev(flat_step, argnums=0)(h_flat, w_in, inp)  # [KH, KH]
        g_jac = jax.jacrev(flat_step, argnums=1)(h_flat, w_in, inp)  # [KH, H, I]
        h_new = flat_step(h_flat, w_in, inp)
        eps = jnp.einsum("ij,jkl->ikl", h_jac, eps) + g_jac
        psi = jax.jacrev(flat_output)(h_new)  # [H, KH]
        return h_new, eps, flat_output(h_new), psi

    def body(carry, _):
        t, h, z_prev, eps, g_in, g_out, total = carry
        inp = jax.lax.stop_gradient(layer_input(x_at(t), z_prev, recurrent))
        h, eps, z, psi = jax.vmap(per_sample, in_axes=(0, 0, 0, None))(h, eps, inp, params.w_in)
        loss_t, (dw_out, dz) = jax.value_and_grad(step_loss, argnums=(0, 1))(params.w_out, z, y)
        g_in = g_in + jnp.einsum("bh,bhj,bjkl->kl", dz, psi, eps)
        return (t + 1, h, z, eps, g_in, g_out + dw_out, total + loss_t), None

    h0 = jnp.concatenate(cell.init(batch, hidden), axis=-1)
    init = (
        jnp.zeros((), jnp.int32),
        h0,
        jnp.zeros((batch, hidden), jnp.float32),
        jnp.zeros((batch, k_states * hidden, hidden, fan_in), jnp.float32),
        jnp.zeros_like(params.w_in),
        jnp.zeros_like(params.w_out),
        jnp.zeros((), jnp.float32),
    )
    (_, _, _, _, g_in, g_out, total), _ = jax.lax.scan(body, init, None, length=n_steps)
    return total, NetParams(g_in, g_out)
