"""Static metrics on a hand-built network, every number counted by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from suite.metrics import MetricUnavailable
from suite.metrics.static import connection_sparsity, footprint_bytes, param_count, state_bytes


def test_param_count_counts_trainable_only(tiny_net: nn.Module) -> None:
    # fc1: 6 + 2, fc2 weight: 4; fc2 bias (2) is frozen
    assert param_count(tiny_net) == 12


def test_footprint_counts_all_parameters_and_buffers(tiny_net: nn.Module) -> None:
    # 14 float32 parameters (frozen included) + 1 float32 buffer = 15 * 4 bytes
    assert footprint_bytes(tiny_net) == 60


def test_connection_sparsity_counts_weights_not_biases(tiny_net: nn.Module) -> None:
    # zeros: fc1 2 of 6, fc2 1 of 4 -> 3 / 10
    assert connection_sparsity(tiny_net) == pytest.approx(0.3)


def test_connection_sparsity_rnn_layers_follow_neurobench() -> None:
    gru = nn.GRU(2, 3, bias=True)
    with torch.no_grad():
        gru.weight_hh_l0.zero_()  # 9 * 3 = 27 zeros
    # weight_ih 9x2 = 18, weight_hh 9x3 = 27, bias_ih 9, bias_hh 9 -> 63 counted
    assert connection_sparsity(nn.Sequential(gru)) == pytest.approx(27 / 63)


def test_connection_sparsity_bare_linear_and_no_layer() -> None:
    layer = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
    assert connection_sparsity(layer) == pytest.approx(0.75)
    with pytest.raises(MetricUnavailable, match="no Linear/Conv/RNN"):
        connection_sparsity(nn.Sequential(nn.ReLU()))


def test_state_bytes_sums_declared_state(tiny_net: nn.Module) -> None:
    # v: 2 float32 = 8 bytes, trace: 2 float16 = 4 bytes
    assert state_bytes(tiny_net) == 12
    with pytest.raises(MetricUnavailable, match="state_spec"):
        state_bytes(nn.Linear(2, 2))


def test_record_turns_unavailable_into_nan_with_reason(tiny_net: nn.Module) -> None:
    from suite.metrics import record
    from suite.protocol import Measurements

    m = Measurements()
    record(m, "state_bytes", lambda: state_bytes(nn.Linear(2, 2)))
    record(m, "params", lambda: param_count(tiny_net))
    assert math.isnan(m.metrics["state_bytes"])
    assert "state_spec" in m.reasons["state_bytes"]
    assert m.metrics["params"] == 12.0
