"""Path integration by binding (card P03 §3 "Path integration", §4 "Trajectories").

Trajectories: an Ornstein-Uhlenbeck velocity in a 1 m x 1 m box with reflecting walls, dt = 20 ms.
Integration step (pure): ``z <- attractor(z (.) P(d_t) (.) exp(i sigma eps))`` with the true
displacement ``d_t`` and Gaussian phase noise ``eps ~ N(0, 1)`` per module and axis. The
dead-reckoning baseline integrates the same displacements with position noise of the same size
as one phase-noise draw on the finest module: ``sigma_x = sigma * lambda_min / (2 pi)`` per
coordinate and step (suite choice: the noise a single integrator as precise as the best grid
axis would get).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from implementations.gcvsa.grid_code import GridCode, encode_position
from implementations.gcvsa.phasor import attractor_cleanup


class PathState(NamedTuple):
    """The integrator's state: one unit phasor per module and axis, ``[B, K, 3]``."""

    z: np.ndarray


def ou_trajectory(
    rng: np.random.Generator,
    n_steps: int,
    dt: float = 0.02,
    speed: float = 0.15,
    tau: float = 0.7,
    extent: float = 1.0,
) -> np.ndarray:
    """Positions ``[n_steps + 1, 2]`` of a smooth random walk: OU velocity, reflecting walls."""
    x = np.empty((n_steps + 1, 2))
    x[0] = rng.uniform(0.2 * extent, 0.8 * extent, size=2)
    v = rng.normal(0.0, speed, size=2)
    noise = speed * np.sqrt(2 * dt / tau)
    for t in range(n_steps):
        v = v - v * dt / tau + noise * rng.normal(size=2)
        nxt = x[t] + v * dt
        for d in range(2):
            if nxt[d] < 0.0:
                nxt[d], v[d] = -nxt[d], -v[d]
            elif nxt[d] > extent:
                nxt[d], v[d] = 2 * extent - nxt[d], -v[d]
        x[t + 1] = nxt
    return x


def path_step(state: PathState, displacement: np.ndarray, noise: np.ndarray, code: GridCode) -> PathState:
    """One integration step: bind with ``P(d)`` and phase noise, then the attractor cleanup.

    ``displacement [B, 2]``, ``noise [B, K, 3]`` (radians, already scaled by sigma).
    """
    z = state.z * encode_position(displacement, code) * np.exp(1j * noise)
    return PathState(attractor_cleanup(z))


def integrate(trajectories: np.ndarray, code: GridCode, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Codes ``[B, T+1, K, 3]`` integrated along ``trajectories [B, T+1, 2]`` from ``P(x_0)``."""
    n_traj, n_points, _ = trajectories.shape
    out = np.empty((n_traj, n_points, code.n_modules, 3), dtype=complex)
    state = PathState(encode_position(trajectories[:, 0], code))
    out[:, 0] = state.z
    disp = np.diff(trajectories, axis=1)
    for t in range(n_points - 1):
        noise = sigma * rng.normal(size=(n_traj, code.n_modules, 3))
        state = path_step(state, disp[:, t], noise, code)
        out[:, t + 1] = state.z
    return out


def dead_reckoning(trajectories: np.ndarray, sigma_x: float, rng: np.random.Generator) -> np.ndarray:
    """Positions ``[B, T+1, 2]``: the true displacements summed with ``N(0, sigma_x^2)`` noise per step."""
    disp = np.diff(trajectories, axis=1)
    noisy = disp + sigma_x * rng.normal(size=disp.shape)
    return trajectories[:, :1] + np.concatenate([np.zeros_like(disp[:, :1]), np.cumsum(noisy, axis=1)], axis=1)


def matched_position_noise(sigma: float, code: GridCode) -> float:
    """``sigma * lambda_min / (2 pi)``: the position noise of one phase-noise draw on the finest axis."""
    return float(sigma * code.scales.min() / (2 * np.pi))
