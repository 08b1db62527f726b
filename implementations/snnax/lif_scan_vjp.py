"""The LIF time loop with a hand-written reverse-time VJP (card P09 §3; issue 6, the floor goal).

:func:`lif_scan` runs the engine's LIF (``lif.py``, reset to zero / to a value) or LIFSoftReset
(``lif_soft_reset.py``, subtractive reset) over a whole sequence of input currents I [T, ..., n]
and returns the same spikes, bit for bit, as ``lax.scan`` of the cell's step. Only its backward
pass differs: instead of the per-step residuals that autodiff of the scanned step keeps, the
forward pass stores the membrane sequence u_t (plus the current sequence i_t, only when the
decays are differentiated), and the backward pass is one reverse-time scan over the adjoints.

Forward, per step (with ρ the reset term, carrying no gradient with ``stop_reset_grad``)::

    ρ_{t−1} = u_r·s_{t−1}  (subtract)   or   (u_{t−1} − u_r)·s_{t−1}  (to value; u_r = 0: to zero)
    u'_{t−1} = u_{t−1} − ρ_{t−1};   u_t = α u'_{t−1} + (1 − α) i_{t−1}
    i_t = β i_{t−1} + (1 − β) I_t;  s_t = H(u_t − θ)

Backward, for t = T−1 … 0, with g_t = ∂L/∂s_t (the output cotangent), λ the adjoints of the
state (u_t, i_t, s_t) coming from step t + 1 (at t = T−1: the final state's cotangents) and
the spike function's own surrogate vjp (SuperSpike: s̄/(1 + β_s|u_t − θ|)), ::

    s̄_t = g_t + λs_t;      ū_t = λu_t + vjp_spike(u_t − θ; s̄_t);      ī_t = λi_t
    ∂L/∂I_t = (1 − β) ī_t;  λi_{t−1} = β ī_t + (1 − α) ū_t
    λu_{t−1} = α ū_t · ∂u'/∂u   (= 1, or 1 − s_{t−1} for the reset to a value without stop-gradient)
    λs_{t−1} = α ū_t · ∂u'/∂s   (= 0 with stop-gradient; −u_r (subtract) or −(u_{t−1} − u_r))
    ∂L/∂α += ū_t (u'_{t−1} − i_{t−1});   ∂L/∂β += ī_t (i_{t−1} − I_t)

and λ at t = −1 is the cotangent of the initial state. Which residuals are kept follows from
which inputs are differentiated (``symbolic_zeros``): with fixed decays (the throughput
protocol) only u_t is stored, and s_{t−1} is recomputed from u_{t−1} where needed (s_{−1}
from the initial state).
"""

from __future__ import annotations

import functools
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

from implementations.snnax.lif import LIFState
from implementations.snnax.surrogate import SpikeFn

ResetMode = Literal["subtract", "to_value"]


class LIFScanConfig(NamedTuple):
    """The static part of the LIF recurrence (hashable: it is a ``nondiff_argnums`` argument)."""

    threshold: float
    reset_val: float  # u_r: subtracted ("subtract") or reset to ("to_value"; 0 = reset to zero)
    reset_mode: ResetMode
    stop_reset_grad: bool
    spike_fn: SpikeFn
    unroll: int = 1


def _reset(cfg: LIFScanConfig, u: jax.Array, s: jax.Array) -> jax.Array:
    """ρ: the term the reset subtracts from u (no stop-gradient here; the caller decides)."""
    if cfg.reset_mode == "subtract":
        return cfg.reset_val * s
    return u * s if cfg.reset_val == 0.0 else (u - cfg.reset_val) * s


def _forward(
    cfg: LIFScanConfig, currents: jax.Array, state: LIFState, alpha: jax.Array, beta: jax.Array, *, keep_i: bool
) -> tuple[LIFState, jax.Array, jax.Array | None]:
    """The scanned step; returns (final state, u [T, ...], i [T, ...] or None).

    Only u_t leaves the loop (one [T, ...] buffer instead of two): the spikes are H(u_t − θ),
    computed from it afterwards by one elementwise map that XLA fuses into its consumer (e.g.
    the loss's sum), so they are not written out unless something keeps them.
    """

    def body(carry: LIFState, i_t: jax.Array) -> tuple[LIFState, tuple[jax.Array, ...]]:
        u, i, s = carry
        u = u - _reset(cfg, u, s)
        u = alpha * u + (1.0 - alpha) * i
        i = beta * i + (1.0 - beta) * i_t
        s = cfg.spike_fn(u - cfg.threshold)
        return LIFState(u=u, i=i, s=s), ((u, i) if keep_i else (u,))

    final, seqs = jax.lax.scan(body, LIFState(*state), currents, unroll=cfg.unroll)
    return final, seqs[0], seqs[1] if keep_i else None


def _spikes(cfg: LIFScanConfig, u_seq: jax.Array) -> jax.Array:
    # outside any custom_jvp tracing: the forward value H(u − θ), as the loop computed it
    return cfg.spike_fn(u_seq - cfg.threshold)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _lif_scan(
    cfg: LIFScanConfig, currents: jax.Array, state: LIFState, alpha: jax.Array, beta: jax.Array
) -> tuple[LIFState, jax.Array]:
    final, u_seq, _ = _forward(cfg, currents, state, alpha, beta, keep_i=False)
    return final, _spikes(cfg, u_seq)


class _Residuals(NamedTuple):
    u_seq: jax.Array  # u_t, t = 0 … T−1
    i_seq: jax.Array | None  # i_t, only when a decay is differentiated
    currents: jax.Array | None  # I_t, only when β is differentiated
    state: LIFState  # the initial state
    alpha: jax.Array
    beta: jax.Array


def _lif_scan_fwd(
    cfg: LIFScanConfig, currents: Any, state: Any, alpha: Any, beta: Any
) -> tuple[tuple[LIFState, jax.Array], tuple[_Residuals, tuple[bool, bool]]]:
    # with symbolic_zeros every leaf arrives as CustomVJPPrimal(value, perturbed)
    cur = currents.value
    st = LIFState(*(leaf.value for leaf in state))
    a, b = alpha.value, beta.value
    grad_alpha, grad_beta = alpha.perturbed, beta.perturbed
    keep_i = grad_alpha or grad_beta
    final, u_seq, i_seq = _forward(cfg, cur, st, a, b, keep_i=keep_i)
    res = _Residuals(u_seq, i_seq, cur if grad_beta else None, st, a, b)
    return (final, _spikes(cfg, u_seq)), (res, (grad_alpha, grad_beta))


def _dense(ct: Any, like: jax.Array) -> jax.Array:
    return jnp.zeros_like(like) if isinstance(ct, SymbolicZero) else ct


def _shift(seq: jax.Array, first: jax.Array) -> jax.Array:
    """x_{t−1} for t = 0 … T−1 from x_t and x_{−1} (= ``first``)."""
    return jnp.concatenate([first[None], seq[:-1]], axis=0)


def _sum_to(x: jax.Array, like: jax.Array) -> jax.Array:
    """Sum ``x`` over the axes that ``like`` broadcasts (per-neuron decays from [..., n] terms)."""
    lead = x.ndim - like.ndim
    x = x.sum(axis=tuple(range(lead))) if lead else x
    axes = tuple(k for k, d in enumerate(like.shape) if d == 1 and x.shape[k] != 1)
    return (x.sum(axis=axes, keepdims=True) if axes else x).astype(like.dtype)


def _lif_scan_bwd(
    cfg: LIFScanConfig, saved: tuple[_Residuals, tuple[bool, bool]], cts: Any
) -> tuple[jax.Array, LIFState, jax.Array, jax.Array]:
    res, (grad_alpha, grad_beta) = saved
    (ct_final, ct_spikes) = cts
    alpha, beta, st0 = res.alpha, res.beta, res.state
    lam = LIFState(*(_dense(c, x) for c, x in zip(ct_final, st0, strict=True)))
    g_seq = _dense(ct_spikes, res.u_seq)
    # With stop-gradient through the reset no adjoint reaches s_{t−1} from step t, so λs is not
    # carried: the final state's spike cotangent (if any) joins g at t = T − 1.
    carry_ls = not cfg.stop_reset_grad
    if not carry_ls and not isinstance(ct_final.s, SymbolicZero):
        g_seq = g_seq.at[-1].add(ct_final.s)
    # s_{t−1}, u_{t−1}, i_{t−1} are needed only for the decay gradients and the reset to a value
    # without stop-gradient; the common case (fixed decays) scans over g_t and u_t alone
    need_prev = grad_alpha or grad_beta or (cfg.reset_mode == "to_value" and not cfg.stop_reset_grad)
    u_prev = _shift(res.u_seq, st0.u) if need_prev else None
    # s_{t−1} from u_{t−1}, except s_{−1}: the initial state need not satisfy s = H(u − θ)
    s_prev = _shift(_spikes(cfg, res.u_seq), st0.s) if need_prev else None
    i_prev = _shift(res.i_seq, st0.i) if res.i_seq is not None else None
    zeros = jnp.zeros_like(st0.u)

    def spike_vjp(u: jax.Array, s_bar: jax.Array) -> jax.Array:
        _, pull = jax.vjp(cfg.spike_fn, u - cfg.threshold)
        return pull(s_bar)[0]

    def body(carry: tuple[Any, ...], xs: tuple[Any, ...]) -> tuple[tuple[Any, ...], jax.Array]:
        lu, li, ls, da, db = carry
        g_t, u_t, up, sp, ip, cur_t = xs
        u_bar = lu + spike_vjp(u_t, g_t if ls is None else g_t + ls)
        i_bar = li
        d_cur = (1.0 - beta) * i_bar
        li = beta * i_bar + (1.0 - alpha) * u_bar
        up_bar = alpha * u_bar  # adjoint of u'_{t−1}
        if cfg.stop_reset_grad:
            lu = up_bar
        elif cfg.reset_mode == "subtract":
            lu, ls = up_bar, -cfg.reset_val * up_bar
        else:
            lu, ls = up_bar * (1.0 - sp), -(up - cfg.reset_val) * up_bar
        if grad_alpha:
            da = da + u_bar * (up - _reset(cfg, up, sp) - ip)
        if grad_beta:
            db = db + i_bar * (ip - cur_t)
        return (lu, li, ls, da, db), d_cur

    carry0 = (
        lam.u,
        lam.i,
        lam.s if carry_ls else None,
        zeros if grad_alpha else None,
        zeros if grad_beta else None,
    )
    xs = (g_seq, res.u_seq, u_prev, s_prev, i_prev, res.currents)
    (lu, li, ls, da, db), d_currents = jax.lax.scan(body, carry0, xs, reverse=True, unroll=cfg.unroll)
    d_state = LIFState(u=lu, i=li, s=zeros if ls is None else ls)
    d_alpha = _sum_to(da, alpha) if grad_alpha else jnp.zeros_like(alpha)
    d_beta = _sum_to(db, beta) if grad_beta else jnp.zeros_like(beta)
    return d_currents, d_state, d_alpha, d_beta


_lif_scan.defvjp(_lif_scan_fwd, _lif_scan_bwd, symbolic_zeros=True)


def lif_scan(
    currents: jax.Array,
    state: LIFState,
    alpha: jax.Array,
    beta: jax.Array,
    *,
    threshold: float,
    reset_val: float | None,
    reset_mode: ResetMode,
    stop_reset_grad: bool,
    spike_fn: SpikeFn,
    unroll: int = 1,
) -> tuple[LIFState, jax.Array]:
    """The LIF recurrence over the leading (time) axis of ``currents``; returns (final state, spikes).

    Same forward as ``lax.scan`` of ``lif_step`` (``reset_mode="to_value"``; ``reset_val`` None
    means reset to zero) or ``lif_soft_reset_step`` (``"subtract"``; None means u_r = 1), with
    the reverse-time VJP of the module docstring. ``alpha``/``beta`` are the (already clamped)
    decays, broadcast against the state [..., n].
    """
    if reset_mode not in ("subtract", "to_value"):
        raise ValueError(f"reset_mode must be 'subtract' or 'to_value', got {reset_mode!r}")
    if reset_val is None:
        reset_val = 1.0 if reset_mode == "subtract" else 0.0
    cfg = LIFScanConfig(float(threshold), float(reset_val), reset_mode, bool(stop_reset_grad), spike_fn, int(unroll))
    dtype = currents.dtype
    alpha = jnp.asarray(alpha, dtype)
    beta = jnp.asarray(beta, dtype)
    return _lif_scan(cfg, currents, LIFState(*state), alpha, beta)
