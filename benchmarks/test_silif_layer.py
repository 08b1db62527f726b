"""One SiLIF hidden layer forward + backward (B = 32, T = 250, 140 -> 512) against our adLIF layer.

The layer is the sparch one (Linear(bias=False) -> BatchNorm1d -> cell, card P01 §3). The goal is a
ratio, not an absolute time (shared CPUs are noisy): ``silif / adlif`` of the median round time,
measured in the same session, is stored in ``extra_info["ratio_vs_adlif"]``. SiLIF computes its
decays with two exps per call and otherwise runs adLIF's recurrence, so the ratio should be ~1.
C-SiLIF (complex arithmetic) is measured beside them for reference.
"""

from __future__ import annotations

import pytest
import torch

from implementations.baselines.sparch import SpikingLayer
from implementations.neurons import AdLIF, CSiLIF, SiLIF

B, T, N_IN, N_HIDDEN = 32, 250, 140, 512
_MEDIANS: dict[str, float] = {}


def _step(layer: SpikingLayer, x: torch.Tensor) -> None:
    layer.zero_grad(set_to_none=True)
    layer(x).sum().backward()


@pytest.mark.parametrize("name", ["adlif", "silif", "csilif"])  # adlif first: the baseline of the ratio
def test_layer_forward_backward(benchmark, name):
    torch.manual_seed(0)
    cell = {"adlif": AdLIF, "silif": SiLIF, "csilif": CSiLIF}[name]
    layer = SpikingLayer(N_IN, N_HIDDEN, cell)
    x = (torch.rand(B, T, N_IN) < 0.05).float()
    benchmark.pedantic(_step, args=(layer, x), rounds=3, iterations=1, warmup_rounds=1)
    _MEDIANS[name] = benchmark.stats["median"]
    benchmark.extra_info["threads"] = torch.get_num_threads()
    if name != "adlif" and "adlif" in _MEDIANS:
        benchmark.extra_info["ratio_vs_adlif"] = _MEDIANS[name] / _MEDIANS["adlif"]
