"""The synaptax-compatible LIF e-prop rule (card P04 §3 "Correction" and §7 pitfall), for comparison.

synaptax's ``SNN_LIF`` keeps the *post-reset* potential ũ as its state and its trace
(card P04 §3, verified: repo code):

    ū_t = β ũ_{t−1} + (1−β) W x_t ;  z_t = H(ū_t − 1) ;  ũ_t = ū_t − z_t ū_t
    ε_t = H_t ε_{t−1} + F_t,  H_t = ∂ũ_t/∂ũ_{t−1},  F_t = ∂ũ_t/∂W      (the post-reset trace)
    ΔW += (L_t ψ(ũ_t − 1)) ε_t                                      (ψ at the post-reset value)

The forward pass (and so the loss) is that of ``lif.py``; only the gradient rule differs. H_t and
the row factor of F_t come from ``jax.jvp`` of the post-reset step, as in ``eprop.py``. The card
[derived]: with the reset fully detached (``reset="C"``) and ψ read at the pre-reset ū
(``psi_at="pre"``) this rule is exact; as synaptax runs it (reset A, ψ post-reset) it is not.
Feed-forward layers only.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from implementations.eprop.lif import LIFParams, lif_reset
from implementations.eprop.network import InputFn, NetParams, step_loss
from implementations.eprop.spike import psi_sigmoid, spike_sigmoid

PSI_AT = ("post", "pre")


def synaptax_lif_grad(
    params: NetParams,
    x_at: InputFn,
    y: jax.Array,
    n_steps: int,
    n_inputs: int,
    *,
    beta: float = 0.95,
    reset: str = "A",
    psi_at: str = "post",
) -> tuple[jax.Array, NetParams]:
    """``(loss, gradient estimate)`` of the LIF network's loss by synaptax's post-reset rule."""
    if psi_at not in PSI_AT:
        raise ValueError(f"psi_at must be one of {PSI_AT}, got {psi_at!r}")
    if params.w_in.shape[1] != n_inputs:
        raise ValueError("the synaptax-compatible rule is implemented for feed-forward layers only")
    p = LIFParams(beta=beta, reset=reset)
    hidden = params.w_in.shape[0]
    batch = y.shape[0]

    def post_step(u_post: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array]:
        u_bar = p.beta * u_post + (1.0 - p.beta) * c
        return lif_reset(u_bar, p), u_bar

    def body(carry, _):
        t, u, trace, g_in, g_out, total = carry
        x = x_at(t)
        c = x @ params.w_in.T
        ones = jnp.ones_like(u)
        (u_new, u_bar), (h_t, _) = jax.jvp(lambda uu: post_step(uu, c), (u,), (ones,))
        _, (d_c, _) = jax.jvp(lambda cc: post_step(u, cc), (c,), (ones,))
        trace = h_t[:, :, None] * trace + d_c[:, :, None] * x[:, None, :]
        z = spike_sigmoid(u_bar - p.threshold)
        psi = psi_sigmoid((u_new if psi_at == "post" else u_bar) - p.threshold)
        loss_t, (dw_out, dz) = jax.value_and_grad(step_loss, argnums=(0, 1))(params.w_out, z, y)
        g_in = g_in + jnp.einsum("bh,bhi->hi", dz * psi, trace)
        return (t + 1, u_new, trace, g_in, g_out + dw_out, total + loss_t), None

    init = (
        jnp.zeros((), jnp.int32),
        jnp.zeros((batch, hidden), jnp.float32),
        jnp.zeros((batch, hidden, n_inputs), jnp.float32),
        jnp.zeros_like(params.w_in),
        jnp.zeros_like(params.w_out),
        jnp.zeros((), jnp.float32),
    )
    (_, _, _, g_in, g_out, total), _ = jax.lax.scan(body, init, None, length=n_steps)
    return total, NetParams(g_in, g_out)
