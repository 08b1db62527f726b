"""Our metrics equal the neurobench 2.3.0 package's on the same model and data."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from suite.metrics.activity import ActivityRecorder
from suite.metrics.neurobench import to_neurobench
from suite.metrics.static import connection_sparsity, footprint_bytes, param_count

pytest.importorskip("neurobench")
pytest.importorskip("snntorch")


def _model_and_data() -> tuple[nn.Module, TensorDataset]:
    gen = torch.Generator().manual_seed(1)
    net = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    with torch.no_grad():
        for layer in (net[0], net[2]):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen))
            layer.weight.mul_(torch.rand(layer.weight.shape, generator=gen) < 0.7)
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=gen))
    # 10 samples x 5 steps of 0/1 spikes: fc1 does ACs, fc2 gets ReLU outputs and does MACs.
    spikes = (torch.rand(10, 5, 6, generator=gen) < 0.3).float()
    labels = torch.zeros(10, dtype=torch.long)
    return net, TensorDataset(spikes, labels)


def test_static_and_workload_metrics_match_neurobench() -> None:
    from neurobench.benchmarks import Benchmark
    from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount
    from neurobench.metrics.workload import ActivationSparsity, SynapticOperations
    from neurobench.models import TorchModel

    net, data = _model_and_data()
    loader = DataLoader(data, batch_size=4, shuffle=False)  # batches of 4, 4, 2
    bench = Benchmark(
        TorchModel(net),
        loader,
        [],
        [],
        [[Footprint, ConnectionSparsity, ParameterCount], [ActivationSparsity, SynapticOperations]],
    )
    theirs = bench.run(quiet=True)

    net.eval()
    with torch.no_grad(), ActivityRecorder(net) as rec:
        for x, _ in loader:
            net(x)
            rec.add_samples(x.shape[0])
    ours = {
        "footprint_bytes": footprint_bytes(net),
        "params": param_count(net),
        "connection_sparsity": connection_sparsity(net),
        "activation_sparsity": rec.activation_sparsity(),
        **rec.synops(),
    }
    exported = to_neurobench(ours)

    assert ours["synops_acs"] > 0 and ours["synops_macs"] > 0  # both kinds exercised
    assert exported["Footprint"] == theirs["Footprint"]
    assert exported["ParameterCount"] == theirs["ParameterCount"]
    assert exported["ConnectionSparsity"] == theirs["ConnectionSparsity"]
    assert exported["ActivationSparsity"] == pytest.approx(theirs["ActivationSparsity"], rel=1e-12)
    for key in ("Effective_MACs", "Effective_ACs", "Dense"):
        assert exported["SynapticOperations"][key] == pytest.approx(theirs["SynapticOperations"][key], rel=1e-12)
