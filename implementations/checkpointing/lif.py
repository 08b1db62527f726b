"""The reference LIF layer of the checkpointing benchmark (card P05 §3, [unverified: suite choice]).

SNNAX-style LIF (card P09 §3, verified: SNNAX ``lif.py``, in its order) with two dense states
(u, i) per neuron, α = 0.95, β = 0.9, θ = 1, and the card P05 subtractive reset:

    u ← u − θ·sg(s_{t−1})            # reset, no gradient through it (SNNAX stop_reset_grad)
    u_t = α u + (1 − α) i_{t−1}
    i_t = β i_{t−1} + (1 − β) W x_t
    s_t = H(u_t − θ)                  # SuperSpike surrogate ∂s/∂u = 1 / (1 + 10|u − θ|)²

The state carries s_{t−1}: a checkpoint must hold the previous spikes as well as (u, i), or
recomputation diverges (card P05 §7). The per-step loss is a fixed random readout of the spikes,
ℓ_t = r · s_t of the last layer, summed over the batch (card P05 §4: "a summed-output loss").
A network is ``layers`` such layers in a feed-forward chain (card P05 §3: "feed-forward layers
N→N"); the spikes of one layer are the next layer's input, which autograd saves (sparsely) for
the weight gradient, so spike sparsity enters the saved bytes per step.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from implementations.neurons.surrogate import spike_fast_sigmoid

SUPERSPIKE_SCALE = 10.0


class LIFParams(NamedTuple):
    alpha: float = 0.95
    beta: float = 0.9
    threshold: float = 1.0


class LIFState(NamedTuple):
    u: Tensor  # [batch, n]
    i: Tensor  # [batch, n]
    s: Tensor  # [batch, n], binary


def superspike(x: Tensor) -> Tensor:
    """H(x) forward, 1/(1 + 10|x|)² backward (SNNAX default ``superspike_surrogate(10.)``)."""
    return spike_fast_sigmoid(x, slope=SUPERSPIKE_SCALE)


def lif_step(x_t: Tensor, state: LIFState, w: Tensor, p: LIFParams) -> LIFState:
    """One step (see the module docstring). x_t [batch, n_in], w [n, n_in]."""
    u = state.u - p.threshold * state.s.detach()
    u = p.alpha * u + (1.0 - p.alpha) * state.i
    i = p.beta * state.i + (1.0 - p.beta) * (x_t @ w.T)
    s = superspike(u - p.threshold)
    return LIFState(u, i, s)


NetState = tuple[LIFState, ...]


def network_step(x_t: Tensor, state: NetState, weights: tuple[Tensor, ...], p: LIFParams) -> NetState:
    """One step of the layer chain: layer k's input is layer k−1's new spikes."""
    out = []
    inp = x_t
    for layer, w in zip(state, weights, strict=True):
        new = lif_step(inp, layer, w, p)
        out.append(new)
        inp = new.s
    return tuple(out)


def zero_state(batch: int, n: int, layers: int = 1) -> NetState:
    return tuple(LIFState(torch.zeros(batch, n), torch.zeros(batch, n), torch.zeros(batch, n)) for _ in range(layers))


def flatten(state: NetState) -> tuple[Tensor, ...]:
    return tuple(x for layer in state for x in layer)


def unflatten(flat: tuple[Tensor, ...]) -> NetState:
    return tuple(LIFState(*flat[k : k + 3]) for k in range(0, len(flat), 3))


def step_loss(state: NetState, readout: Tensor) -> Tensor:
    """ℓ_t = Σ_b r · s_t of the last layer."""
    return (state[-1].s * readout).sum()
