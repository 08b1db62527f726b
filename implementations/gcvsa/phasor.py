"""The phasor (FHRR) algebra of GC-VSA (card P03 §3, table "Phasor view").

A vector is complex ``[..., K, 3]`` (one phasor per module and axis). Bind is the element-wise
product (phase addition), unbind multiplies by the conjugate, bundle is the sum, similarity is
the mean over modules and axes of ``Re(z conj(z'))``, cleanup is the nearest codebook entry. The
module attractor (suite choice, card §3 "Path integration") renormalises each phasor and projects
the module back onto the 2-D manifold by removing a third of the wrapped phase sum from each axis.
"""

from __future__ import annotations

import numpy as np


def wrap(phi: np.ndarray) -> np.ndarray:
    """Wrap phases to (-pi, pi] (card P03 §7: always wrap before averaging or projecting)."""
    out = np.angle(np.exp(1j * np.asarray(phi, dtype=float)))
    return np.where(out <= -np.pi, out + 2 * np.pi, out)


def bind(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a (.) b``: element-wise product, i.e. phase addition."""
    return a * b


def unbind(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a (.) conj(b)``: removes ``b`` from a binding (exact for unit phasors)."""
    return a * np.conj(b)


def bundle(vectors: np.ndarray, axis: int = 0) -> np.ndarray:
    """Superposition: the sum of ``vectors`` along ``axis``."""
    return np.sum(vectors, axis=axis)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``mean_{k,j} Re(a conj(b))`` over the last two axes (modules, axes); broadcasts the rest."""
    return np.real(a * np.conj(b)).mean(axis=(-2, -1))


def similarity_matrix(queries: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Similarities of ``queries [N, K, 3]`` with every ``codebook [M, K, 3]`` entry: ``[N, M]``."""
    q = queries.reshape(queries.shape[0], -1)
    c = codebook.reshape(codebook.shape[0], -1)
    return np.real(q @ np.conj(c).T) / q.shape[1]


def random_symbols(rng: np.random.Generator, n: int, n_modules: int) -> np.ndarray:
    """``n`` random symbols: i.i.d. uniform phases on all ``3 K`` axes (not on the 2-D manifold)."""
    return np.exp(1j * rng.uniform(-np.pi, np.pi, size=(n, n_modules, 3)))


def power(base: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """``B^t`` element-wise for a unit-phasor base (the time code T(t) = B^t, card P03 §3)."""
    t = np.asarray(t, dtype=float)
    return np.exp(1j * np.angle(base) * t[..., None, None])


def cleanup(queries: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Index of the most similar codebook entry for each query ``[N, K, 3]`` -> ``[N]``."""
    return np.argmax(similarity_matrix(queries, codebook), axis=1)


def cleanup_set(query: np.ndarray, codebook: np.ndarray, threshold: float = 0.5) -> set[int]:
    """All codebook entries with similarity above ``threshold`` (answers with several solutions, card §7)."""
    sims = similarity_matrix(query[None], codebook)[0]
    return {int(i) for i in np.flatnonzero(sims > threshold)}


def attractor_cleanup(z: np.ndarray) -> np.ndarray:
    """Project ``z [..., K, 3]`` onto the grid manifold (card P03 §3, suite choice).

    Each phasor is renormalised to unit length, then each module's phases are shifted by
    ``-(1/3) wrap(sum_j phi_j)`` so that the three phases sum to zero (mod 2 pi) as they do for
    every ``P(x)``.
    """
    phi = np.angle(z)
    excess = wrap(phi.sum(axis=-1, keepdims=True))
    return np.exp(1j * (phi - excess / 3))
