"""Sparse, online e-prop for any cell, with its Jacobians from JAX forward-mode AD (card P04 §3).

Per step, for a cell with K states per neuron (``cell.py``):

* state Jacobian H_t = ∂h_t/∂h_{t−1}: diagonal across neurons, a K×K block per neuron. Column k is
  one ``jax.jvp`` of ``cell.step`` with tangent e_k (ones on state k, zeros elsewhere): K jvps give
  every block, kept as K×K arrays ``[B, H]`` (never an H×H matrix);
* parameter Jacobian F_t = ∂h_t/∂W_in: row j depends only on row j of W_in, and W_in enters
  through c = W_in·in_t, so F_t[l][j, i] = D^l_{t,j}·in_{t,i} with D^l = ∂h^l_t/∂c_t from one
  ``jvp`` with tangent ones on c. It is kept as its two factors (row-sparse outer product);
* ψ^k_t = ∂z_t/∂h^k_t: K ``jvp`` of ``cell.output``.

Updates, element-wise only (card P04 §3):

    ε^l_t  = Σ_k H^{lk}_t ⊙ ε^k_{t−1} + D^l_t ⊗ in_t                 [B, H, I] per state
    L_t    = ∂ℓ_t/∂z_t  (through the readout only)
    ΔW_in += Σ_l (L_t ⊙ ψ^l_t)[:, :, None] ⊙ ε^l_t                    summed over t and batch
    ΔW_out += ∂ℓ_t/∂W_out                                             exact

Nothing is stored over time: memory is O(B·K·H·I), independent of T. The recurrent input
z_{t−1} of a recurrent layer is treated as a constant input (the e-prop approximation); for a
feed-forward layer the recursion covers every path from W_in to z_t and equals BPTT.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from implementations.eprop.cell import Cell, State
from implementations.eprop.network import InputFn, NetParams, is_recurrent, layer_input, step_loss


class StepJacobians(NamedTuple):
    """The sparse per-step Jacobians of one cell step, all ``[B, H]`` arrays."""

    state: tuple[tuple[jax.Array, ...], ...]  # state[l][k] = ∂h^l_t/∂h^k_{t−1}
    current: tuple[jax.Array, ...]  # current[l] = ∂h^l_t/∂c_t (row factor of ∂h_t/∂W)
    psi: tuple[jax.Array, ...]  # psi[k] = ∂z_t/∂h^k_t


def unit_tangent(h: State, k: int) -> State:
    """Tangent with ones on state component k and zeros elsewhere."""
    return tuple(jnp.ones_like(x) if i == k else jnp.zeros_like(x) for i, x in enumerate(h))


def step_jacobians(cell: Cell, h: State, c: jax.Array) -> tuple[State, jax.Array, StepJacobians]:
    """``(h_t, z_t, jacobians)`` of one step by forward-mode AD (valid because the cell is element-wise)."""
    cols = []
    h_new = None
    for k in range(cell.n_states):
        h_new, col = jax.jvp(lambda hh: cell.step(hh, c), (h,), (unit_tangent(h, k),))
        cols.append(col)
    _, d_c = jax.jvp(lambda cc: cell.step(h, cc), (c,), (jnp.ones_like(c),))
    psi = []
    z = None
    for k in range(cell.n_states):
        z, dz = jax.jvp(cell.output, (h_new,), (unit_tangent(h_new, k),))
        psi.append(dz)
    state = tuple(tuple(cols[k][m] for k in range(cell.n_states)) for m in range(cell.n_states))
    return h_new, z, StepJacobians(state, tuple(d_c), tuple(psi))


def eligibility_update(traces: tuple[jax.Array, ...], jac: StepJacobians, inp: jax.Array) -> tuple[jax.Array, ...]:
    """ε^l_t = Σ_k H^{lk}_t ⊙ ε^k_{t−1} + D^l_t ⊗ in_t, element-wise (``[B, H, I]`` each)."""
    out = []
    for m, row in enumerate(jac.state):
        e = jac.current[m][:, :, None] * inp[:, None, :]
        for k, h_lk in enumerate(row):
            e = e + h_lk[:, :, None] * traces[k]
        out.append(e)
    return tuple(out)


def eprop_grad(
    params: NetParams, cell: Cell, x_at: InputFn, y: jax.Array, n_steps: int, n_inputs: int, unroll: int = 1
) -> tuple[jax.Array, NetParams]:
    """``(loss, gradient estimate)`` of ``network.sequence_loss`` by sparse online e-prop."""
    hidden, fan_in = params.w_in.shape
    batch = y.shape[0]
    recurrent = is_recurrent(params, n_inputs)

    def body(carry, _):
        t, h, z_prev, traces, g_in, g_out, total = carry
        inp = jax.lax.stop_gradient(layer_input(x_at(t), z_prev, recurrent))
        h, z, jac = step_jacobians(cell, h, inp @ params.w_in.T)
        traces = eligibility_update(traces, jac, inp)
        loss_t, (dw_out, dz) = jax.value_and_grad(step_loss, argnums=(0, 1))(params.w_out, z, y)
        for m in range(cell.n_states):
            g_in = g_in + jnp.einsum("bh,bhi->hi", dz * jac.psi[m], traces[m])
        return (t + 1, h, z, traces, g_in, g_out + dw_out, total + loss_t), None

    traces0 = tuple(jnp.zeros((batch, hidden, fan_in), jnp.float32) for _ in range(cell.n_states))
    init = (
        jnp.zeros((), jnp.int32),
        cell.init(batch, hidden),
        jnp.zeros((batch, hidden), jnp.float32),
        traces0,
        jnp.zeros_like(params.w_in),
        jnp.zeros_like(params.w_out),
        jnp.zeros((), jnp.float32),
    )
    (_, _, _, _, g_in, g_out, total), _ = jax.lax.scan(body, init, None, length=n_steps, unroll=unroll)
    return total, NetParams(g_in, g_out)
