"""The sparch network: shapes, the softmax-sum readout, parameter counts, pluggable cells."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from implementations.baselines.sparch import (
    READOUT_ALPHA_RANGE,
    LeakyReadout,
    ReadoutParams,
    ReadoutState,
    SparchNet,
    build_adlif,
    build_lif,
    readout_step,
)
from implementations.neurons import LIF, AdLIF


@pytest.mark.parametrize("build", [build_lif, build_adlif])
def test_forward_shapes_and_softmax_sum_is_T(build):
    torch.manual_seed(0)
    net = build(140, 20, hidden=16, dropout=0.1)
    x = torch.rand(4, 30, 140)
    out = net(x)
    assert out.shape == (4, 20)
    assert out.sum(dim=1).tolist() == pytest.approx([30.0] * 4, rel=1e-5)
    assert float(out.detach().min()) > 0
    net.eval()
    assert net(x).sum(dim=1).tolist() == pytest.approx([30.0] * 4, rel=1e-5)
    loss = nn.CrossEntropyLoss()(out, torch.tensor([0, 1, 2, 3]))
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())


def test_layer_structure():
    net = build_adlif(10, 5, hidden=8, layers=2, dropout=0.25)
    assert len(net.hidden) == 2
    for k, layer in enumerate(net.hidden):
        assert layer.W.bias is None and layer.W.in_features == (10 if k == 0 else 8)
        assert isinstance(layer.norm, nn.BatchNorm1d) and layer.norm.momentum == 0.05
        assert isinstance(layer.cell, AdLIF)
        assert layer.drop.p == 0.25
    assert net.readout.W.bias is None and net.readout.norm.momentum == 0.05
    assert isinstance(build_lif(10, 5, hidden=8).hidden[0].cell, LIF)


def test_parameter_counts_140_512_512_35():
    # weights 140·512 + 512·512 + 512·35 = 351,744; BN affine 2·2·512; readout BN 2·35 and α 35
    weights, bn, readout = 351_744, 2_048, 105
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(build_adlif(140, 35)) == weights + 4 * 1024 + bn + readout == 357_993
    assert count(build_lif(140, 35)) == weights + 1 * 1024 + bn + readout == 354_921


def test_readout_step_by_hand_and_clamp():
    # α = 0.9, u0 = 0, i = [1, 0] -> u = [0.1, 0]; softmax = [e^0.1, 1] / (e^0.1 + 1)
    p = ReadoutParams(alpha=torch.tensor([0.9, 0.9], dtype=torch.float64))
    probs, st = readout_step(
        torch.tensor([[1.0, 0.0]], dtype=torch.float64), ReadoutState(u=torch.zeros(1, 2, dtype=torch.float64)), p
    )
    assert st.u[0].tolist() == pytest.approx([0.1, 0.0])
    e = math.exp(0.1)
    assert probs[0].tolist() == pytest.approx([e / (e + 1), 1 / (e + 1)])
    r = LeakyReadout(4, 3)
    assert (math.exp(-1 / 5), math.exp(-1 / 25)) == READOUT_ALPHA_RANGE
    with torch.no_grad():
        r.alpha.copy_(torch.tensor([0.0, 0.9, 1.0]))
    assert r.params().alpha.tolist() == pytest.approx([READOUT_ALPHA_RANGE[0], 0.9, READOUT_ALPHA_RANGE[1]])


def test_zero_init_state_is_deterministic_and_random_init_uses_generator():
    torch.manual_seed(0)
    net = build_adlif(6, 3, hidden=8, zero_init_state=True).eval()
    x = torch.rand(2, 12, 6) * 3
    assert torch.equal(net(x), net(x))
    rnd = build_adlif(6, 3, hidden=8).eval()
    a = rnd(x, generator=torch.Generator().manual_seed(1))
    b = rnd(x, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert not torch.equal(a, rnd(x, generator=torch.Generator().manual_seed(2)))


def test_a_new_cell_class_plugs_in():
    class Relu(nn.Module):
        neurorepro_activation = True

        def __init__(self, n, *, zero_init_state):
            super().__init__()
            self.n = n

        def forward(self, i, *, generator=None):
            return torch.relu(i)

    net = SparchNet(5, 2, Relu, hidden=4, layers=3, weight_init="xavier")
    assert net(torch.rand(3, 7, 5)).shape == (3, 2)
    assert len(net.hidden) == 3
    with pytest.raises(ValueError, match="weight_init"):
        SparchNet(5, 2, Relu, hidden=4, weight_init="he")


def test_state_specs():
    net = build_adlif(6, 3, hidden=8)
    specs = [m.state_spec() for m in net.modules() if hasattr(m, "state_spec")]
    assert sum(math.prod(shape) for spec in specs for shape, _ in spec.values()) == 2 * 3 * 8 + 2 * 3
