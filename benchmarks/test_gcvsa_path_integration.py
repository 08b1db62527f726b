"""GC-VSA speed: one 500-step path integration (4 trajectories) and its decoding at the smoke code
(K = 6 modules, 18 phasors), against a baseline measured in the same run: dead reckoning of the
same trajectories. Report the ratio (``extra_info``), not absolute times: shared 2-core machines
are noisy. No goal is asserted."""

from __future__ import annotations

import numpy as np
import pytest

from implementations.gcvsa.decode import decode_position
from implementations.gcvsa.grid_code import make_grid_code
from implementations.gcvsa.path_integration import dead_reckoning, integrate, ou_trajectory

RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def setup():
    code = make_grid_code(3, 2, 0.3, 1.42, 8)
    rng = np.random.default_rng(0)
    traj = np.stack([ou_trajectory(rng, 500) for _ in range(4)])
    return code, traj


def test_dead_reckoning_baseline(benchmark, setup):
    _, traj = setup
    benchmark(lambda: dead_reckoning(traj, 0.0005, np.random.default_rng(1)))
    RESULTS["dr"] = benchmark.stats["median"]


def test_integrate_and_decode(benchmark, setup):
    code, traj = setup

    def go():
        z = integrate(traj, code, 0.01, np.random.default_rng(1))
        return decode_position(z.reshape(-1, code.n_modules, 3), code)

    benchmark.pedantic(go, rounds=3, iterations=1)
    if "dr" in RESULTS:
        benchmark.extra_info["ratio_vs_dead_reckoning"] = benchmark.stats["median"] / RESULTS["dr"]
    benchmark.extra_info["steps_per_second"] = 4 * 501 / benchmark.stats["median"]
