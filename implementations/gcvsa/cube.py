"""The neural view of a module: the outer sum of three cosine gratings (card P03 §3, "Neurons").

A module with ``m`` neurons per axis has preferred phases ``psi_i = 2 pi i / m``; the gratings are
``g_j[i] = cos(psi_i - phi_j)`` and the cube is ``A[i, k, l] = g_0[i] + g_1[k] + g_2[l]`` (m**3
neurons per module). The phases stay the canonical state; cubes are rendered from them
(card §7: cube shifts are exact only for multiples of 2 pi / m). Verified element: the outer sum
of three gratings (abstract, Fig. 1 caption); the neuron layout is the reference reconstruction.
"""

from __future__ import annotations

import numpy as np


def preferred_phases(m: int) -> np.ndarray:
    """``psi_i = 2 pi i / m`` for ``i = 0..m-1``."""
    return 2 * np.pi * np.arange(m) / m


def gratings(phases: np.ndarray, m: int) -> np.ndarray:
    """``g_j[i] = cos(psi_i - phi_j)``: phases ``[..., 3]`` -> ``[..., 3, m]``."""
    return np.cos(preferred_phases(m) - np.asarray(phases)[..., None])


def render_cube(phases: np.ndarray, m: int) -> np.ndarray:
    """``A[i,k,l] = g_0[i] + g_1[k] + g_2[l]``: phases ``[..., 3]`` -> activity ``[..., m, m, m]``."""
    g = gratings(phases, m)
    return g[..., 0, :, None, None] + g[..., 1, None, :, None] + g[..., 2, None, None, :]


def cube_phases(cube: np.ndarray) -> np.ndarray:
    """Read the three phases back from a cube ``[..., m, m, m]`` by marginalising (card P03 §3).

    ``sum_{k,l} A[i,k,l] = m^2 g_0[i]`` (the other gratings sum to zero for m >= 3), then
    ``phi_0 = arg sum_i g_0[i] exp(i psi_i)``; likewise for axes 1 and 2.
    """
    m = cube.shape[-1]
    e = np.exp(1j * preferred_phases(m))
    marg = np.stack([cube.sum(axis=(-2, -1)), cube.sum(axis=(-3, -1)), cube.sum(axis=(-3, -2))], axis=-2)
    return np.angle(marg @ e)


def neuron_rate_map(
    wavevectors: np.ndarray, index: tuple[int, int, int], m: int, extent: float = 1.0, resolution: int = 100
) -> np.ndarray:
    """Activity of cube neuron ``index`` of one module (``wavevectors [3, 2]``) over a square arena.

    Returns ``[resolution, resolution]`` (rows: y, columns: x) sampled on ``[0, extent]^2``.
    """
    xs = np.linspace(0.0, extent, resolution)
    grid = np.stack(np.meshgrid(xs, xs, indexing="xy"), axis=-1)  # [R, R, 2]
    phases = grid @ wavevectors.T  # [R, R, 3]
    psi = preferred_phases(m)[list(index)]
    return np.cos(psi - phases).sum(axis=-1)
