"""What one implementation of the throughput benchmark provides: a :class:`Case`.

A case owns its network (Linear(n→n, no bias) then a LIF layer), a fixed input of Bernoulli(p)
spikes [T, B, n] and everything needed to time it:

* ``forward()``: the forward pass that keeps what the backward pass needs, synchronised
  (``block_until_ready`` / the torch call returning on CPU, ``torch.cuda.synchronize`` on GPU);
* ``backward()``: the backward pass of loss = Σ outputs from that forward, synchronised;
* ``fused()``: forward and backward as one call where the framework has one (JAX
  ``value_and_grad``), else ``None``;
* ``outputs()``: the last forward's output spikes as NumPy [T, B, n]; ``weight()``, ``inputs()``;
* ``reference(cur)``: the NumPy reference of its own neuron model (``reference.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INPUT_RATE = 0.1  # PEERS.md: Bernoulli(0.1) input spikes
BETA = 0.9  # PEERS.md / Open Neuromorphic: β = 0.9, threshold 1


@dataclass
class Case:
    name: str
    framework: str
    forward: Callable[[], None]
    backward: Callable[[], None]
    outputs: Callable[[], np.ndarray]
    weight: Callable[[], np.ndarray]
    inputs: Callable[[], np.ndarray]
    reference: Callable[[np.ndarray], np.ndarray]
    fused: Callable[[], None] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def input_spikes(steps: int, batch: int, n: int, seed: int) -> np.ndarray:
    """Bernoulli(0.1) spikes [T, B, n] float32 from a seeded NumPy generator."""
    rng = np.random.default_rng([seed, 9])
    return (rng.random((steps, batch, n)) < INPUT_RATE).astype(np.float32)


def uniform_weight(n: int, seed: int, scale: float = 1.0) -> np.ndarray:
    """W [n, n] ~ U(±1/√n)·scale (torch's Linear default range), float32, seeded."""
    rng = np.random.default_rng([seed, 7])
    bound = 1.0 / np.sqrt(n)
    return (rng.uniform(-bound, bound, (n, n)) * scale).astype(np.float32)


def cotangent(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """A fixed random cotangent for the floor's backward GEMM (a ones cotangent could be folded)."""
    return np.random.default_rng([seed, 5]).standard_normal(shape).astype(np.float32)
