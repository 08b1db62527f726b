"""SNNAX's current-based LIF with reset to zero (card P09 §3, "LIF"; SNNAX ``lif.py:LIF``).

Per step, in this order (the order matters: the membrane integrates the *previous* current):

    1. reset     u ← u − u·s_{t−1}                (reset_val None: to zero)
                 u ← u − (u − u_r)·s_{t−1}        (reset_val = u_r)
    2. membrane  u ← α_c·u + (1 − α_c)·i
    3. current   i ← β_c·i + (1 − β_c)·I_t
    4. spike     s_t = H(u − θ)

with α_c = clip(α, 0.5, 1), β_c = clip(β, 0.5, 1). With ``stop_reset_grad`` (SNNAX's default)
the reset term carries no gradient. The surrogate is SuperSpike (β = 10) unless given.

``LIF.scan`` runs a whole sequence: ``lax.scan`` of :func:`lif_step` (autodiff, the reference),
or with ``custom_vjp=True`` the hand-written reverse-time VJP of ``lif_scan_vjp.py``.
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.surrogate import SpikeFn, superspike

DECAY_RANGE = (0.5, 1.0)


class LIFParams(NamedTuple):
    alpha: jax.Array  # membrane decay [n], clamped
    beta: jax.Array  # synaptic decay [n], clamped
    threshold: float = 1.0
    reset_val: float | None = None


class LIFState(NamedTuple):
    u: jax.Array  # membrane potential [..., n]
    i: jax.Array  # synaptic current [..., n]
    s: jax.Array  # previous spike [..., n]


def lif_step(
    i_t: jax.Array, state: LIFState, p: LIFParams, *, spike_fn: SpikeFn, stop_reset_grad: bool = True
) -> tuple[jax.Array, LIFState]:
    """One LIF step (card P09 §3, steps 1-4 above); returns (s_t, new state)."""
    u, i, s = state
    reset = u * s if p.reset_val is None else (u - p.reset_val) * s
    u = u - (jax.lax.stop_gradient(reset) if stop_reset_grad else reset)
    u = p.alpha * u + (1.0 - p.alpha) * i
    i = p.beta * i + (1.0 - p.beta) * i_t
    s = spike_fn(u - p.threshold)
    return s, LIFState(u=u, i=i, s=s)


def decay(tau: float, dt: float = 1.0) -> float:
    """exp(−dt/τ): the decay of a time constant τ at step dt."""
    return math.exp(-dt / tau)


class LIF(eqx.Module):
    """A layer of ``n`` LIF neurons; α and β are trainable per neuron, initialised to constants.

    Subclasses change the reset by overriding ``reset_mode`` (``lif_scan_vjp.lif_scan``'s name for
    it) and ``step`` (the pure step function); everything else is shared."""

    reset_mode: ClassVar[str] = "to_value"
    step: ClassVar = staticmethod(lif_step)

    alpha: jax.Array
    beta: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    threshold: float = eqx.field(static=True, default=1.0)
    reset_val: float | None = eqx.field(static=True, default=None)
    stop_reset_grad: bool = eqx.field(static=True, default=True)
    spike_fn: SpikeFn = eqx.field(static=True, default_factory=superspike)
    custom_vjp: bool = eqx.field(static=True, default=False)

    def __init__(
        self,
        n: int,
        alpha: float = 0.95,
        beta: float = 0.85,
        *,
        threshold: float = 1.0,
        reset_val: float | None = None,
        stop_reset_grad: bool = True,
        spike_fn: SpikeFn | None = None,
        custom_vjp: bool = False,
    ) -> None:
        self.alpha = jnp.full((n,), alpha, jnp.float32)
        self.beta = jnp.full((n,), beta, jnp.float32)
        self.in_features = self.out_features = int(n)
        self.threshold, self.reset_val, self.stop_reset_grad = float(threshold), reset_val, bool(stop_reset_grad)
        self.spike_fn = spike_fn if spike_fn is not None else superspike()
        self.custom_vjp = bool(custom_vjp)

    def params(self) -> LIFParams:
        return LIFParams(
            alpha=jnp.clip(self.alpha, *DECAY_RANGE),
            beta=jnp.clip(self.beta, *DECAY_RANGE),
            threshold=self.threshold,
            reset_val=self.reset_val,
        )

    def init_state(self, batch_shape: tuple[int, ...]) -> LIFState:
        z = jnp.zeros((*batch_shape, self.out_features), jnp.float32)
        return LIFState(u=z, i=z, s=z)

    def __call__(self, state: LIFState, x: jax.Array, *, key: jax.Array | None = None) -> tuple[LIFState, jax.Array]:
        s, state = self.step(x, state, self.params(), spike_fn=self.spike_fn, stop_reset_grad=self.stop_reset_grad)
        return state, s

    def scan(self, state: LIFState, xs: jax.Array, *, unroll: int = 1) -> tuple[LIFState, jax.Array]:
        """The layer over the leading (time) axis of ``xs``; returns (final state, spikes [T, ...]):
        ``lax.scan`` of ``step`` (autodiff, the reference) or, with ``custom_vjp``, ``lif_scan``."""
        from implementations.snnax.lif_scan_vjp import lif_scan  # lif_scan_vjp imports this module

        p = self.params()
        if self.custom_vjp:
            return lif_scan(
                xs,
                state,
                p.alpha,
                p.beta,
                threshold=p.threshold,
                reset_val=p.reset_val,
                reset_mode=self.reset_mode,
                stop_reset_grad=self.stop_reset_grad,
                spike_fn=self.spike_fn,
                unroll=unroll,
            )

        def body(st: LIFState, x_t: jax.Array) -> tuple[LIFState, jax.Array]:
            s, st = self.step(x_t, st, p, spike_fn=self.spike_fn, stop_reset_grad=self.stop_reset_grad)
            return st, s

        return jax.lax.scan(body, state, xs, unroll=unroll)
