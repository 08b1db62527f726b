"""Synaptic operations and activation sparsity, hand-counted and checked against NeuroBench's layer code."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from suite.metrics import MetricUnavailable
from suite.metrics.activity import ActivityRecorder

# Hand counts for tiny_net on tiny_input (rows = 2 samples x 2 steps):
# fc1 binary weight [[1,0,1],[0,1,1]] has column sums [1,1,2]; binary input rows
# [1,0,1] [0,0,0] [1,1,0] [0,1,1] -> 3 + 0 + 2 + 3 = 8 ops, MACs (0.5, 2.0, 3.0 are not spikes);
# dense 4 rows x 3 x 2 = 24.
# fc1 output rows (2.6, 0.3) (0.1, -0.2) (2.1, -1.2) (-1.9, -3.7) > 0.2 -> spikes
# [1,1] [0,0] [1,0] [0,0]: 3 of 8 nonzero -> activation sparsity 5/8.
# fc2 binary weight [[0,1],[1,1]] has column sums [1,2]: 3 + 0 + 1 + 0 = 4 ops, ACs; dense 4 x 2 x 2 = 16.
# Per sample (2 samples): MACs 4, ACs 2, dense 20.
EXPECTED = {"synops_dense": 20.0, "synops_macs": 4.0, "synops_acs": 2.0}


def test_hand_counted_whole_sequence(tiny_net: nn.Module, tiny_input: torch.Tensor) -> None:
    with ActivityRecorder(tiny_net) as rec:
        tiny_net(tiny_input)
        rec.add_samples(tiny_input.shape[0])
    assert rec.synops() == EXPECTED
    assert rec.activation_sparsity() == pytest.approx(5 / 8)
    assert rec.activation_sparsity_by_layer() == {"spike": pytest.approx(5 / 8)}


def test_stepwise_calls_give_the_same_counts(tiny_net: nn.Module, tiny_input: torch.Tensor) -> None:
    # Both steps of fc1 see a non-spike value (0.5 at t=0, 3.0 at t=1), so the split is unchanged.
    with ActivityRecorder(tiny_net) as rec:
        for t in range(tiny_input.shape[1]):
            tiny_net(tiny_input[:, t])
        rec.add_samples(tiny_input.shape[0])
    assert rec.synops() == EXPECTED
    assert rec.activation_sparsity() == pytest.approx(5 / 8)


def test_hooks_removed_and_reset(tiny_net: nn.Module, tiny_input: torch.Tensor) -> None:
    with ActivityRecorder(tiny_net) as rec:
        tiny_net(tiny_input)
        rec.add_samples(2)
    tiny_net(tiny_input)  # outside the block: not counted
    assert rec.synops() == EXPECTED
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in tiny_net.modules())
    rec.reset()
    with pytest.raises(MetricUnavailable, match="no Linear/Conv"):
        rec.synops()


def test_unavailable_cases(tiny_net: nn.Module, tiny_input: torch.Tensor) -> None:
    with ActivityRecorder(tiny_net) as rec:
        tiny_net(tiny_input)
    with pytest.raises(MetricUnavailable, match="add_samples"):
        rec.synops()

    plain = nn.Linear(3, 2)
    with ActivityRecorder(plain) as rec:
        plain(tiny_input)
        rec.add_samples(2)
    with pytest.raises(MetricUnavailable, match="no activation module"):
        rec.activation_sparsity()

    lstm = nn.Sequential(nn.LSTM(3, 2, batch_first=True))
    with ActivityRecorder(lstm) as rec:
        lstm(tiny_input)
        rec.add_samples(2)
    with pytest.raises(MetricUnavailable, match="LSTM"):
        rec.synops()


def test_tuple_output_counts_first_element() -> None:
    class Cell(nn.Module):
        neurorepro_activation = True

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return (x > 0).float(), torch.ones_like(x)  # (spikes, membrane)

    cell = Cell()
    with ActivityRecorder(cell) as rec:
        cell(torch.tensor([[1.0, -1.0, 0.0, 2.0]]))
    assert rec.activation_sparsity() == pytest.approx(0.5)


def test_record_into_measurements(tiny_net: nn.Module, tiny_input: torch.Tensor) -> None:
    from suite.protocol import Measurements

    with ActivityRecorder(tiny_net) as rec:
        tiny_net(tiny_input)
    m = Measurements()
    rec.record(m)
    assert all(math.isnan(m.metrics[k]) and "add_samples" in m.reasons[k] for k in EXPECTED)
    assert m.metrics["activation_sparsity"] == pytest.approx(5 / 8)


def _neurobench_ops(layer: nn.Module, x: torch.Tensor) -> tuple[int, int, bool]:
    from neurobench.metrics.utils.layers import single_layer_MACs

    effective, spiking = single_layer_MACs(x, layer)
    dense, _ = single_layer_MACs(x, layer, total=True)
    return effective, dense, spiking


def _sparse(shape: tuple[int, ...], gen: torch.Generator, *, spikes: bool) -> torch.Tensor:
    x = torch.randn(shape, generator=gen)
    if spikes:
        x = torch.sign(x)
    return x * (torch.rand(shape, generator=gen) < 0.4)


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (nn.Linear(5, 4), (3, 7, 5)),
        (nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 11)),
        (nn.Conv1d(2, 3, 3, padding=2, dilation=2, padding_mode="circular"), (2, 2, 9)),
        (nn.Conv2d(3, 4, (3, 2), stride=(1, 2), padding=1), (2, 3, 6, 5)),
        (nn.Conv3d(2, 2, 2, padding=1, bias=False), (1, 2, 3, 4, 3)),
    ],
    ids=["linear", "conv1d-groups", "conv1d-circular", "conv2d", "conv3d"],
)
@pytest.mark.parametrize("spikes", [False, True], ids=["real", "spikes"])
def test_layer_ops_equal_neurobench(layer: nn.Module, shape: tuple[int, ...], spikes: bool) -> None:
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        layer.weight.mul_(torch.rand(layer.weight.shape, generator=gen) < 0.6)
    x = _sparse(shape, gen, spikes=spikes)
    effective, dense, spiking = _neurobench_ops(layer, x)
    assert spiking is spikes

    with ActivityRecorder(layer) as rec:
        layer(x)
        rec.add_samples(1)
    ops = rec.synops()
    assert ops["synops_dense"] == dense
    assert ops["synops_acs" if spikes else "synops_macs"] == effective
    assert ops["synops_macs" if spikes else "synops_acs"] == 0
