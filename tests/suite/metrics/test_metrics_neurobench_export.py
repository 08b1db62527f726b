"""to_neurobench: our names to NeuroBench's keys and nesting, NaN to None."""

from __future__ import annotations

import json
import math

from suite.metrics.neurobench import to_neurobench


def test_full_mapping_and_layout() -> None:
    ours = {
        "footprint_bytes": 304828.0,
        "params": 76207.0,
        "connection_sparsity": 0.123456,
        "accuracy": 0.8636,
        "activation_sparsity": 0.9507,
        "synops_macs": 9227011.6,
        "synops_acs": 30564617.7,
        "synops_dense": 891206400.0,
        "eval_seconds": 3.0,  # no NeuroBench key: dropped
    }
    out = to_neurobench(ours)
    assert out == {
        "Footprint": 304828,
        "ParameterCount": 76207,
        "ConnectionSparsity": 0.1235,
        "ClassificationAccuracy": 0.8636,
        "ActivationSparsity": 0.9507,
        "SynapticOperations": {"Effective_MACs": 9227011.6, "Effective_ACs": 30564617.7, "Dense": 891206400.0},
    }
    assert isinstance(out["Footprint"], int) and isinstance(out["ParameterCount"], int)


def test_nan_becomes_none_and_absent_is_omitted() -> None:
    out = to_neurobench({"activation_sparsity": math.nan, "synops_dense": math.nan, "params": 10})
    assert out == {"ParameterCount": 10, "ActivationSparsity": None, "SynapticOperations": {"Dense": None}}
    assert json.loads(json.dumps(out))["ActivationSparsity"] is None
    assert to_neurobench({}) == {}
