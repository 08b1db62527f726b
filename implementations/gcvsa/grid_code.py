"""The grid code: module geometry and the fractional power encoding P(x) (card P03 §3).

**Reference reconstruction** (card P03 §3, "[unverified: reconstruction]"): the paper's exact
parametrisation is not public. A module has scale ``lambda_s = lambda0 * ratio**s`` (ratio 1.42,
third-party, unverified) and orientation ``theta_o = o * (pi/3) / O`` (suite choice); its three
axes point along ``k_j = (cos(theta_o + 2 pi j/3), sin(theta_o + 2 pi j/3))``. The position
phases are ``phi_j(x) = 2 pi (k_j . x) / lambda_s``; the canonical state of a code is one unit
phasor ``exp(i phi_j)`` per module and axis (the FHRR view), shape ``[..., K, 3]`` with
``K = S * O`` modules ordered scale-major.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Scale ratio between successive modules (card P03 §2, third-party, unverified).
SCALE_RATIO = 1.42


class GridCode(NamedTuple):
    """Geometry of a grid code of ``K = n_scales * n_orientations`` modules with ``m`` neurons per axis."""

    wavevectors: np.ndarray  # [K, 3, 2]: 2 pi k_j / lambda_s, so phi = wavevectors @ x
    scales: np.ndarray  # [K] lambda_s in metres
    orientations: np.ndarray  # [K] theta_o in radians
    m: int  # neurons per axis of a module's cube (m**3 neurons per module)

    @property
    def n_modules(self) -> int:
        return int(self.scales.shape[0])

    @property
    def n_phasors(self) -> int:
        return 3 * self.n_modules

    @property
    def n_neurons(self) -> int:
        return self.n_modules * self.m**3


def make_grid_code(
    n_scales: int = 3, n_orientations: int = 2, lambda0: float = 0.3, ratio: float = SCALE_RATIO, m: int = 8
) -> GridCode:
    """Build the card's module geometry: scales ``lambda0 * ratio**s``, orientations ``o (pi/3) / O``."""
    if n_scales < 1 or n_orientations < 1:
        raise ValueError(f"need at least one scale and one orientation, got {n_scales} and {n_orientations}")
    if m < 3:
        raise ValueError(f"m must be >= 3 so that the cube's cross terms cancel (card P03 §7), got {m}")
    if lambda0 <= 0 or ratio <= 0:
        raise ValueError(f"lambda0 and ratio must be positive, got {lambda0} and {ratio}")
    s = np.repeat(np.arange(n_scales), n_orientations)
    o = np.tile(np.arange(n_orientations), n_scales)
    scales = lambda0 * ratio ** s.astype(float)
    orientations = o * (np.pi / 3) / n_orientations
    angles = orientations[:, None] + 2 * np.pi * np.arange(3)[None, :] / 3  # [K, 3]
    k = np.stack([np.cos(angles), np.sin(angles)], axis=-1)  # [K, 3, 2]
    wavevectors = 2 * np.pi * k / scales[:, None, None]
    return GridCode(wavevectors=wavevectors, scales=scales, orientations=orientations, m=int(m))


def build(
    n_scales: int = 3, n_orientations: int = 2, lambda0: float = 0.3, ratio: float = SCALE_RATIO, m: int = 8
) -> GridCode:
    """Model factory of ``gcvsa``: the grid code the GC-VSA protocols compute with."""
    return make_grid_code(n_scales, n_orientations, lambda0, ratio, m)


def position_phases(x: np.ndarray, code: GridCode) -> np.ndarray:
    """``phi_j(x) = 2 pi (k_j . x) / lambda_s`` (card P03 §3); ``x [..., 2]`` -> ``[..., K, 3]`` (unwrapped)."""
    x = np.asarray(x, dtype=float)
    return np.einsum("kjd,...d->...kj", code.wavevectors, x)


def encode_position(x: np.ndarray, code: GridCode) -> np.ndarray:
    """FPE of a position, ``P(x) = exp(i phi_j(x))`` per module and axis: ``x [..., 2]`` -> complex ``[..., K, 3]``."""
    return np.exp(1j * position_phases(x, code))
