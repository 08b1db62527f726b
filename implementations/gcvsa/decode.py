"""Decoding a position from a (possibly noisy, possibly bundled) code (card P03 §3, "Decode").

``x_hat = argmax_x sum_modules sim(z, P(x))`` over a square candidate grid (the multi-scale code
does not alias inside the arena), then local refinement: a few Gauss-Newton steps on the wrapped
phase residuals ``wrap(arg z - phi(x))``, weighted by the phasor amplitudes ``|z|``.
"""

from __future__ import annotations

import numpy as np

from implementations.gcvsa.grid_code import GridCode, encode_position, position_phases
from implementations.gcvsa.phasor import similarity_matrix, wrap


def candidate_grid(step: float = 0.01, extent: float = 1.0) -> np.ndarray:
    """Candidate positions on ``[0, extent]^2`` every ``step`` metres: ``[G, 2]``."""
    xs = np.arange(0.0, extent + step / 2, step)
    gx, gy = np.meshgrid(xs, xs, indexing="xy")
    return np.stack([gx.ravel(), gy.ravel()], axis=-1)


def refine(z: np.ndarray, x0: np.ndarray, code: GridCode, iterations: int = 3) -> np.ndarray:
    """Gauss-Newton on ``wrap(arg z - phi(x))`` from ``x0 [N, 2]``, weights ``|z|``: returns ``[N, 2]``."""
    jac = code.wavevectors.reshape(-1, 2)  # [3K, 2]
    w = np.abs(z).reshape(z.shape[0], -1)  # [N, 3K]
    target = np.angle(z).reshape(z.shape[0], -1)
    x = np.array(x0, dtype=float)
    jtwj = np.einsum("nr,ra,rb->nab", w, jac, jac)
    for _ in range(iterations):
        r = wrap(target - position_phases(x, code).reshape(x.shape[0], -1))
        x = x + np.linalg.solve(jtwj, np.einsum("nr,ra,nr->na", w, jac, r)[..., None])[..., 0]
    return x


def decode_position(
    z: np.ndarray, code: GridCode, step: float = 0.01, extent: float = 1.0, chunk: int = 256
) -> np.ndarray:
    """Positions ``[N, 2]`` decoded from codes ``z [N, K, 3]``: grid argmax then refinement."""
    cands = candidate_grid(step, extent)
    book = encode_position(cands, code)
    best = np.empty((z.shape[0], 2))
    for lo in range(0, z.shape[0], chunk):
        sims = similarity_matrix(z[lo : lo + chunk], book)
        best[lo : lo + chunk] = cands[np.argmax(sims, axis=1)]
    return refine(z, best, code)
