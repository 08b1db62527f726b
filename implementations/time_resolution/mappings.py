"""Zero-shot re-discretisation of trained neurons for a new time resolution (card P06 §3).

**Reference re-discretisations, not the paper's methods.** The paper's three formulas were not
available to the card; M2-M4 below are the standard state-space re-discretisations the card
chooses as the suite's reference [unverified: reconstruction]. The source step is Δ_s, the target
Δ_t = Δ_s / k (k = 2: twice the resolution).

Each adLIF/SiLIF neuron is written between spikes in state-space form with h = (u, w):

    h_t = Ā h_{t−1} + B̄ I_t + S̄ s_{t−1},   s_t = H(u_t − θ)

    Ā = [[α − (1−α)a, −(1−α)β],   B̄ = [[1−α],   S̄ = [[−α − (1−α)b],
         [a,           β      ]]        [0  ]]        [b          ]]

(:func:`adlif_ssm`, card P06 §3, derived from the P01 recurrence). The methods (:data:`METHODS`):

* ``none`` (M0): the source (Ā, B̄) on the finer bins.
* ``tau`` (M1, the baseline): α_t = α^{1/k}, β_t = β^{1/k}; a, b, W, θ unchanged; B̄ through the
  (1−α_t) gain. For SiLIF this is exactly log_dt ← log_dt − log k.
* ``zoh`` (M2, "integral approximation", H_t = H_s^{1/k}): Ā_t = Ā_s^{1/k} (principal root),
  B̄_t = (Ā_t − I)(Ā_s − I)^{-1} B̄_s. Exact for a piecewise-constant (rate) input.
* ``euler`` (M3): Ā_t = I + (Ā_s − I)/k, B̄_t = B̄_s/k.
* ``impulse`` (M4, input-magnitude compensation): Ā_t as M2, B̄_t = B̄_s: input spikes are
  impulses, so the per-spike jump is unchanged.

S̄ and θ are per event and stay unchanged in every method (suite choice).

Input semantics (card P06 §7, "BatchNorm"): a hidden layer's current is BN(W x) = g·(W x) + c in
eval mode, with g = γ/√(σ²+ε) and c = β_bn − g·μ. The count part g·W x scales with the bin width
(counts per bin halve at k = 2); the constant part c does not. Each method therefore has two input
gains (:class:`Discretization`): ``b_count`` for g·W x and ``b_const`` for c. M0 and M1 use their
B̄ for both (the naive deployment); the rate-consistent methods M2 and M3 read counts as rates
(counts·k held over the bin, i.e. BN statistics rescaled to μ/k, σ/k) and use their B̄ for c; M4
uses B̄_s for counts (impulses) and the ZOH B̄_t for the constant c. This split is a suite choice.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np

log = logging.getLogger(__name__)

METHODS = ("none", "tau", "zoh", "euler", "impulse")
METHOD_LABELS = {
    "none": "M0 none",
    "tau": "M1 τ-scaling (baseline)",
    "zoh": "M2 ZOH re-discretisation",
    "euler": "M3 Euler-consistent",
    "impulse": "M4 input compensation (ZOH-impulse)",
}


class SSM(NamedTuple):
    """Per-neuron linear part: Ā [n, d, d], B̄ [n, d], S̄ [n, d] (float64)."""

    a: np.ndarray
    b: np.ndarray
    s: np.ndarray


class Discretization(NamedTuple):
    """A neuron population at the target resolution: Ā, gains for counts and constants, S̄."""

    a: np.ndarray  # [n, d, d]
    b_count: np.ndarray  # [n, d]
    b_const: np.ndarray  # [n, d]
    s: np.ndarray  # [n, d]


def adlif_ssm(alpha: np.ndarray, beta: np.ndarray, a: np.ndarray, b: np.ndarray) -> SSM:
    """The adLIF/SiLIF recurrence in 2x2 state-space form (card P06 §3), one matrix per neuron."""
    alpha, beta, a, b = (np.asarray(v, dtype=np.float64) for v in (alpha, beta, a, b))
    n = alpha.shape[0]
    mat = np.empty((n, 2, 2))
    mat[:, 0, 0] = alpha - (1 - alpha) * a
    mat[:, 0, 1] = -(1 - alpha) * beta
    mat[:, 1, 0] = a
    mat[:, 1, 1] = beta
    gain = np.stack([1 - alpha, np.zeros(n)], axis=1)
    reset = np.stack([-alpha - (1 - alpha) * b, b], axis=1)
    return SSM(mat, gain, reset)


def leaky_ssm(alpha: np.ndarray) -> SSM:
    """A leaky integrator u_t = α u_{t−1} + (1−α) I_t (the readout) as a 1x1 system without reset."""
    alpha = np.asarray(alpha, dtype=np.float64)
    n = alpha.shape[0]
    return SSM(alpha.reshape(n, 1, 1), (1 - alpha).reshape(n, 1), np.zeros((n, 1)))


def fractional_power(mat: np.ndarray, p: float) -> np.ndarray:
    """Principal power ``mat**p`` of each [d, d] matrix via its eigendecomposition, as float64.

    Raises ``ValueError`` for a matrix with an eigenvalue on the closed negative real axis (no
    real principal root; card P06 §7) or a numerically defective one.
    """
    vals, vecs = np.linalg.eig(mat)
    bad = (np.abs(vals.imag) < 1e-12) & (vals.real <= 0)
    if np.any(bad):
        raise ValueError(f"{int(bad.any(axis=-1).sum())} matrices have an eigenvalue on the negative real axis")
    cond = np.linalg.cond(vecs)
    if np.any(cond > 1e8):
        raise ValueError("a matrix is (nearly) defective: its eigenvectors are ill-conditioned")
    powered = vecs @ (vals[..., :, None] ** p * np.linalg.inv(vecs))
    out = powered.real
    if np.max(np.abs(powered.imag)) > 1e-9 * max(1.0, float(np.max(np.abs(out)))):
        raise ValueError("the principal power is not real")
    return out


def _euler(src: SSM, k: float) -> Discretization:
    eye = np.eye(src.a.shape[-1])
    b = src.b / k
    return Discretization(eye + (src.a - eye) / k, b * k, b, src.s)


def _zoh_input(a_t: np.ndarray, src: SSM) -> np.ndarray:
    """B̄_t = (Ā_t − I)(Ā_s − I)^{-1} B̄_s, per neuron."""
    eye = np.eye(src.a.shape[-1])
    return ((a_t - eye) @ np.linalg.solve(src.a - eye, src.b[..., None]))[..., 0]


def adapt(src: SSM, method: str, k: float, *, decays: tuple[np.ndarray, ...] | None = None) -> Discretization:
    """The target-resolution system for ``method`` (see the module docstring) and ratio ``k``.

    ``decays`` is needed for ``tau``: ``(alpha, beta, a, b)`` of an adLIF population, or
    ``(alpha,)`` of a leaky integrator. ``zoh``/``impulse`` fall back to ``euler`` with a warning
    when Ā_s has no real principal root.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if method == "none":
        return Discretization(src.a, src.b, src.b, src.s)
    if method == "tau":
        if decays is None:
            raise ValueError("method 'tau' needs the source decays")
        if len(decays) == 4:
            alpha, beta, a, b = decays
            tgt = adlif_ssm(np.asarray(alpha) ** (1 / k), np.asarray(beta) ** (1 / k), a, b)
        else:
            tgt = leaky_ssm(np.asarray(decays[0]) ** (1 / k))
        return Discretization(tgt.a, tgt.b, tgt.b, tgt.s)
    if method == "euler":
        return _euler(src, k)
    try:
        a_t = fractional_power(src.a, 1.0 / k)
    except ValueError as exc:
        log.warning("%s mapping impossible (%s); falling back to the Euler mapping", method, exc)
        return _euler(src, k)
    b_zoh = _zoh_input(a_t, src)
    if method == "zoh":
        return Discretization(a_t, b_zoh * k, b_zoh, src.s)
    return Discretization(a_t, src.b, b_zoh, src.s)  # impulse
