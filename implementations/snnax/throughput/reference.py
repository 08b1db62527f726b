"""NumPy references of each implementation's own neuron model, for the conformance check.

Frameworks do not share one LIF: each implementation of the throughput benchmark is checked
spike for spike against the NumPy form of *its own* model (as PEERS.md's measurements were),
computed in float64 from its own weights and inputs. ``cur`` is the input current
W·x_t, shape [T, B, n]. H(x) = [x > 0] everywhere.
"""

from __future__ import annotations

import numpy as np


def soft_reset_lif(
    cur: np.ndarray, alpha: float, beta: float, threshold: float = 1.0, reset: float = 1.0
) -> np.ndarray:
    """Ours (SNNAX ``LIFSoftReset``, card P09 §3): u −= u_r·s; u = αu + (1−α)i; i = βi + (1−β)I; s = H(u−θ)."""
    u = np.zeros(cur.shape[1:])
    i, s, out = u.copy(), u.copy(), []
    for c in cur:
        u = u - reset * s
        u = alpha * u + (1 - alpha) * i
        i = beta * i + (1 - beta) * c
        s = (u - threshold > 0).astype(np.float64)
        out.append(s)
    return np.stack(out)


def snntorch_leaky(cur: np.ndarray, beta: float, threshold: float = 1.0) -> np.ndarray:
    """snnTorch ``Leaky`` (subtract reset): r = H(u_{t−1}−θ); u = βu + I − rθ; s = H(u−θ)."""
    u = np.zeros(cur.shape[1:])
    out = []
    for c in cur:
        r = (u - threshold > 0).astype(np.float64)
        u = beta * u + c - r * threshold
        out.append((u - threshold > 0).astype(np.float64))
    return np.stack(out)


def norse_lif_box(cur: np.ndarray, dt_tau: float = 0.1, threshold: float = 1.0) -> np.ndarray:
    """Norse ``LIFBoxCell``: v = v + dt/τ·(I − v); z = H(v−θ); v = (1−z)·v (reset to 0)."""
    v = np.zeros(cur.shape[1:])
    out = []
    for c in cur:
        v = v + dt_tau * (c - v)
        z = (v - threshold > 0).astype(np.float64)
        v = (1 - z) * v
        out.append(z)
    return np.stack(out)


def spyx_lif(cur: np.ndarray, beta: float, threshold: float = 1.0) -> np.ndarray:
    """Spyx 1.0 ``LIF``: s_t = H(V_{t−1}−θ) (from the previous potential); V = βV + I − s_tθ."""
    v = np.zeros(cur.shape[1:])
    out = []
    for c in cur:
        s = (v - threshold > 0).astype(np.float64)
        v = beta * v + c - s * threshold
        out.append(s)
    return np.stack(out)
