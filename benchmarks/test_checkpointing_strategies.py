"""P05: wall time of each checkpointing strategy against plain BPTT (card P05 smoke size).

N = 128, T = 256, B = 2, two LIF layers, ρ_in = 0.05; intervals of the card (C = 16; C1 = 64,
C2 = 8; recursive leaf 8). ``extra_info`` holds the time ratio to plain BPTT measured in the same
session (shared CPUs: only ratios mean anything), the counted recomputed steps and the
measured local peak bytes, so that the trade-off can be read from one table.
"""

from __future__ import annotations

import pytest
import torch

from implementations.checkpointing.strategies import run_strategy

T, B, N = 256, 2, 128
CASES = {
    "none": {},
    "local": {"interval": 16},
    "remote": {"interval": 16},
    "double": {"remote_interval": 64, "local_interval": 8},
    "recursive": {"leaf": 8},
}
_MEDIANS: dict[str, float] = {}


@pytest.fixture(scope="module")
def problem():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = (torch.rand(T, B, N) < 0.05).float()
    weights = tuple(torch.randn(N, N) * 30 / N**0.5 for _ in range(2))
    return x, weights, torch.randn(N)


@pytest.mark.parametrize("name", list(CASES))  # "none" first: the baseline of the ratio
def test_strategy_time(benchmark, problem, name):
    result = benchmark.pedantic(lambda: run_strategy(name, *problem, **CASES[name]), rounds=3, iterations=1,
                                warmup_rounds=1)  # fmt: skip
    _MEDIANS[name] = benchmark.stats["median"]
    benchmark.extra_info.update(
        {"recomputed_steps": result.counters.recomputed_steps, "local_peak_bytes": result.counters.local_peak_bytes,
         "remote_traffic_bytes": result.counters.remote_traffic_bytes}
    )  # fmt: skip
    if name != "none" and "none" in _MEDIANS:
        benchmark.extra_info["time_ratio_vs_none"] = _MEDIANS[name] / _MEDIANS["none"]
