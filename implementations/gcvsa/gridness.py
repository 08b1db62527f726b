"""Gridness score of a rate map (Sargolini et al. 2006 style), used for claim P03-1.

The spatial autocorrelogram of the map is correlated with itself rotated by 30, 60, 90, 120 and
150 degrees inside an annulus around the central peak; ``gridness = min(r60, r120) - max(r30,
r90, r150)``. A hexagonal pattern scores high (about 1 or more for a perfect lattice), stripes
and square lattices score near or below zero. Grid cells are usually called grid cells above
about 0.3; the suite's test threshold is stated in the test.
"""

from __future__ import annotations

import numpy as np


def autocorrelogram(rate_map: np.ndarray) -> np.ndarray:
    """Pearson-normalised spatial autocorrelation (zero-padded, via FFT); shape ``[2R-1, 2C-1]``."""
    a = rate_map - rate_map.mean()
    r, c = a.shape
    shape = (2 * r - 1, 2 * c - 1)
    f = np.fft.rfft2(a, shape)
    ac = np.fft.irfft2(f * np.conj(f), shape)
    ac = np.fft.fftshift(ac)
    ones = np.ones_like(a)
    fo = np.fft.rfft2(ones, shape)
    overlap = np.fft.fftshift(np.fft.irfft2(fo * np.conj(fo), shape))
    ac = ac / np.maximum(overlap, 1.0)
    return ac / ac[r - 1, c - 1]


def gridness_score(rate_map: np.ndarray, inner: float, outer: float) -> float:
    """Gridness of ``rate_map`` inside the annulus ``inner < radius <= outer`` (radii in pixels)."""
    from scipy.ndimage import rotate

    ac = autocorrelogram(rate_map)
    cy, cx = (np.array(ac.shape) - 1) / 2
    yy, xx = np.mgrid[: ac.shape[0], : ac.shape[1]]
    rad = np.hypot(yy - cy, xx - cx)
    mask = (rad > inner) & (rad <= outer)
    if mask.sum() < 10:
        raise ValueError(f"annulus {inner}..{outer} px holds too few pixels of a {ac.shape} autocorrelogram")
    base = ac[mask]
    corr = {}
    for angle in (30, 60, 90, 120, 150):
        rot = rotate(ac, angle, reshape=False, order=1)
        corr[angle] = float(np.corrcoef(base, rot[mask])[0, 1])
    return min(corr[60], corr[120]) - max(corr[30], corr[90], corr[150])
