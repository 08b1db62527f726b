"""BPTT through T LIF steps under five checkpointing strategies (card P05 §3), with exact gradients.

Each strategy returns ``Result(loss, grad_w, counters)`` for the loss Σ_t ℓ_t of ``lif.py``
and the input weights W. All but ``none`` run the forward pass without a graph, keep
checkpoints of the full state (u, i, s_{t−1}), and in the backward pass recompute segments with
a graph and back-propagate through each with ``torch.autograd.grad`` from the gradient of the
segment's end state (the same operations as plain BPTT, so the gradients agree to rounding;
only the summation order of W's gradient over segments differs).

* ``none``: plain BPTT, the whole graph kept;
* ``local`` (interval C): local checkpoints every C steps; recompute T steps;
* ``recursive`` (leaf size C): binomial/recursive halving (Chen et al. style): a segment longer
  than C stores its midpoint, recurses on the right half, then the left; O(log T) checkpoints,
  O(T log(T/C)) recomputation;
* ``remote`` (interval C): as ``local`` but checkpoints live in the remote store (counted
  traffic), one restored state buffered locally;
* ``double`` (C1, C2): remote checkpoints every C1; in the backward pass each C1 segment is
  re-run from its remote checkpoint storing local checkpoints every C2, then each C2
  sub-segment is recomputed with a graph; recompute 2·T − T·C2/C1 steps.

``counters.recomputed_steps`` counts every step executed beyond the first forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from implementations.checkpointing.accounting import Accountant
from implementations.checkpointing.lif import (
    LIFParams,
    LIFState,
    NetState,
    flatten,
    network_step,
    step_loss,
    unflatten,
    zero_state,
)

STRATEGIES = ("none", "local", "recursive", "remote", "double")


@dataclass
class Counters:
    forward_steps: int = 0  # every call of the step function
    recomputed_steps: int = 0
    local_peak_bytes: int = 0
    remote_peak_bytes: int = 0
    remote_traffic_bytes: int = 0
    saved_total_bytes: int = 0
    checkpoint_bytes: list[int] | None = None


@dataclass
class Result:
    loss: float
    grad_w: tuple[Tensor, ...]  # one per layer
    counters: Counters


class _Runner:
    """The network, its inputs, the accountant and a step counter shared by every strategy."""

    def __init__(self, x: Tensor, weights: tuple[Tensor, ...], readout: Tensor, p: LIFParams) -> None:
        self.x, self.weights, self.readout, self.p = x, tuple(weights), readout, p
        self.T, self.batch = x.shape[0], x.shape[1]
        self.n = self.weights[0].shape[0]
        self.layers = len(self.weights)
        self.acc = Accountant(resident=(*self.weights, readout, x))
        self.steps = 0
        self.ckpt_sizes: list[int] = []

    def zero(self) -> NetState:
        return zero_state(self.batch, self.n, self.layers)

    def run(self, state: NetState, t0: int, t1: int, weights: tuple[Tensor, ...]) -> tuple[NetState, Tensor]:
        """Steps t0 .. t1−1 from ``state``; returns the end state and Σ ℓ_t over them."""
        loss = torch.zeros(())
        for t in range(t0, t1):
            state = network_step(self.x[t], state, weights, self.p)
            loss = loss + step_loss(state, self.readout)
            self.steps += 1
        return state, loss

    def forward_no_grad(self, state: NetState, t0: int, t1: int) -> NetState:
        with torch.no_grad():
            return self.run(state, t0, t1, self.weights)[0]

    def segment_backward(
        self, start: NetState, t0: int, t1: int, g_end: tuple[Tensor, ...] | None
    ) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...], float]:
        """Recompute t0..t1 with a graph and back-propagate the segment loss plus the incoming
        gradient ``g_end`` of the end state's (u, i) per layer (as ``grad_outputs``, so nothing
        extra is saved); return ``(∂/∂(u, i) at t0 per layer, ∂/∂W per layer, segment loss)``.
        Spikes in the state get no gradient (the reset is detached)."""
        starts = [(lay.u.detach().requires_grad_(True), lay.i.detach().requires_grad_(True)) for lay in start]
        weights = tuple(w.detach().requires_grad_(True) for w in self.weights)
        state = tuple(LIFState(u, i, lay.s.detach()) for (u, i), lay in zip(starts, start, strict=True))
        with torch.enable_grad(), self.acc.hooks():
            end, loss = self.run(state, t0, t1, weights)
        outputs, grads = [loss], [torch.ones(())]
        if g_end is not None:
            ends = [x for lay in end for x in (lay.u, lay.i)]
            outputs += [e for e, g in zip(ends, g_end, strict=True) if e.requires_grad]
            grads += [g for e, g in zip(ends, g_end, strict=True) if e.requires_grad]
        inputs = [x for pair in starts for x in pair] + list(weights)
        got = torch.autograd.grad(outputs, inputs, grads, allow_unused=True)
        del end, outputs
        self.acc.observe()
        got = [torch.zeros_like(v) if g is None else g for g, v in zip(got, inputs, strict=True)]
        n_state = 2 * len(starts)
        return tuple(got[:n_state]), tuple(got[n_state:]), float(loss.detach())

    def put(self, store, t: int, state: NetState) -> None:
        store.put(t, flatten(state), (False, False, True) * self.layers)
        self.ckpt_sizes.append(store.sizes[t])

    def finish(self, loss: float, grad_w: tuple[Tensor, ...]) -> Result:
        a = self.acc
        c = Counters(
            forward_steps=self.steps,
            recomputed_steps=self.steps - self.T,
            local_peak_bytes=a.local_peak,
            remote_peak_bytes=a.remote_peak,
            remote_traffic_bytes=a.remote.traffic_bytes,
            saved_total_bytes=a.saved_total,
            checkpoint_bytes=self.ckpt_sizes,
        )
        return Result(loss, grad_w, c)


def bptt_none(r: _Runner) -> Result:
    """Plain BPTT: one graph over all T steps."""
    _, gw, loss = r.segment_backward(r.zero(), 0, r.T, None)
    return r.finish(loss, gw)


def _add(total: tuple[Tensor, ...] | None, g: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return g if total is None else tuple(a + b for a, b in zip(total, g, strict=True))


def _segments_backward(
    r: _Runner, store, bounds: list[int], restore: Callable[[int], NetState]
) -> tuple[float, tuple[Tensor, ...]]:
    """Back-propagate over consecutive segments [bounds[k], bounds[k+1]) in reverse order."""
    g_end = None
    gw_total = None
    loss_total = 0.0
    for k in range(len(bounds) - 2, -1, -1):
        t0, t1 = bounds[k], bounds[k + 1]
        start = restore(t0)
        g_end, gw, loss = r.segment_backward(start, t0, t1, g_end)
        gw_total = _add(gw_total, gw)
        loss_total += loss
        if store is not None and t0 in store.items:
            store.drop(t0)
        r.acc.buffer_bytes = 0
        r.acc.observe()
    return loss_total, gw_total


def bptt_local(r: _Runner, interval: int) -> Result:
    """Local checkpoints every ``interval`` steps."""
    bounds = list(range(0, r.T, interval)) + [r.T]
    state = r.zero()
    for t0, t1 in zip(bounds[:-1], bounds[1:], strict=True):
        r.put(r.acc.local, t0, state)
        state = r.forward_no_grad(state, t0, t1)
    loss, gw = _segments_backward(r, r.acc.local, bounds, lambda t: unflatten(r.acc.local.get(t)))
    return r.finish(loss, gw)


def bptt_remote(r: _Runner, interval: int) -> Result:
    """Remote checkpoints every ``interval`` steps; the restored one is buffered locally."""
    bounds = list(range(0, r.T, interval)) + [r.T]
    state = r.zero()
    for t0, t1 in zip(bounds[:-1], bounds[1:], strict=True):
        r.put(r.acc.remote, t0, state)
        state = r.forward_no_grad(state, t0, t1)

    def restore(t: int) -> NetState:
        r.acc.buffer_bytes = r.acc.remote.sizes[t]
        return unflatten(r.acc.remote.get(t))

    loss, gw = _segments_backward(r, r.acc.remote, bounds, restore)
    return r.finish(loss, gw)


def bptt_double(r: _Runner, remote_interval: int, local_interval: int) -> Result:
    """Remote checkpoints every C1; local every C2 inside a C1 segment during the backward pass."""
    c1, c2 = remote_interval, local_interval
    outer = list(range(0, r.T, c1)) + [r.T]
    state = r.zero()
    for t0, t1 in zip(outer[:-1], outer[1:], strict=True):
        r.put(r.acc.remote, t0, state)
        state = r.forward_no_grad(state, t0, t1)
    g_end = None
    gw_total = None
    loss_total = 0.0
    for k in range(len(outer) - 2, -1, -1):
        t0, t1 = outer[k], outer[k + 1]
        inner = list(range(t0, t1, c2)) + [t1]
        state = unflatten(r.acc.remote.get(t0))
        for a, b in zip(inner[:-1], inner[1:], strict=True):
            r.put(r.acc.local, a, state)
            if b < t1:  # the last sub-segment's end state is not needed as a checkpoint
                state = r.forward_no_grad(state, a, b)
        del state
        for j in range(len(inner) - 2, -1, -1):
            a, b = inner[j], inner[j + 1]
            g_end, gw, loss = r.segment_backward(unflatten(r.acc.local.get(a)), a, b, g_end)
            gw_total = _add(gw_total, gw)
            loss_total += loss
            r.acc.local.drop(a)
            r.acc.observe()
        r.acc.remote.drop(t0)
    return r.finish(loss_total, gw_total)


def bptt_recursive(r: _Runner, leaf: int) -> Result:
    """Recursive halving: O(log(T/leaf)) local checkpoints."""
    state0 = r.zero()
    with torch.no_grad():  # the first forward pass (loss only; nothing kept)
        r.run(state0, 0, r.T, r.weights)
    g_w = None
    loss_total = 0.0

    def backward(t0: int, t1: int, g_end):
        nonlocal g_w, loss_total
        if t1 - t0 <= leaf:
            g, gw, loss = r.segment_backward(unflatten(r.acc.local.get(t0)), t0, t1, g_end)
            g_w = _add(g_w, gw)
            loss_total += loss
            return g
        mid = (t0 + t1) // 2
        r.put(r.acc.local, mid, r.forward_no_grad(unflatten(r.acc.local.get(t0)), t0, mid))
        g = backward(mid, t1, g_end)
        r.acc.local.drop(mid)
        r.acc.observe()
        return backward(t0, mid, g)

    r.put(r.acc.local, 0, state0)
    backward(0, r.T, None)
    return r.finish(loss_total, g_w)


def run_strategy(
    strategy: str, x: Tensor, weights: tuple[Tensor, ...], readout: Tensor, p: LIFParams | None = None, **kw: int
) -> Result:
    """Run ``strategy`` (one of :data:`STRATEGIES`) on inputs x [T, B, n_in] through the layer chain
    ``weights``; ``kw`` holds its intervals (``interval``; ``remote_interval``, ``local_interval``; ``leaf``)."""
    r = _Runner(x, weights, readout, p or LIFParams())
    if strategy == "none":
        return bptt_none(r)
    if strategy == "local":
        return bptt_local(r, int(kw["interval"]))
    if strategy == "remote":
        return bptt_remote(r, int(kw["interval"]))
    if strategy == "double":
        return bptt_double(r, int(kw["remote_interval"]), int(kw["local_interval"]))
    if strategy == "recursive":
        return bptt_recursive(r, int(kw.get("leaf", 1)))
    raise ValueError(f"unknown checkpointing strategy {strategy!r}; known: {', '.join(STRATEGIES)}")


def optimal_interval(T: int, s: float, c: float) -> int:
    """C* = √(T·c/s) (card P05 §3, local checkpointing), at least 1."""
    return max(1, round(math.sqrt(T * c / s)))
