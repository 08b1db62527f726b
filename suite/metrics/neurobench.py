"""Export our metric names to NeuroBench 2.3.0's result keys and layout (``Benchmark.run``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: our name -> NeuroBench top-level key, in the order NeuroBench prints them
_TOP_LEVEL = {
    "footprint_bytes": "Footprint",
    "params": "ParameterCount",
    "connection_sparsity": "ConnectionSparsity",
    "accuracy": "ClassificationAccuracy",
    "activation_sparsity": "ActivationSparsity",
}
#: our name -> key inside NeuroBench's ``SynapticOperations`` dict
_SYNOPS = {"synops_macs": "Effective_MACs", "synops_acs": "Effective_ACs", "synops_dense": "Dense"}
_INTEGERS = {"Footprint", "ParameterCount"}


def _value(key: str, value: float | None) -> float | int | None:
    if value is None or not math.isfinite(float(value)):
        return None
    if key in _INTEGERS:
        return int(round(float(value)))
    if key == "ConnectionSparsity":
        return round(float(value), 4)  # as NeuroBench's ConnectionSparsity returns it
    return float(value)


def to_neurobench(metrics: Mapping[str, float | None]) -> dict[str, Any]:
    """NeuroBench's result dict for the metrics present in ``metrics``.

    ``footprint_bytes`` -> ``Footprint``, ``params`` -> ``ParameterCount`` (ours counts only
    trainable parameters), ``connection_sparsity`` -> ``ConnectionSparsity`` (rounded to 4
    decimals as NeuroBench does), ``accuracy`` -> ``ClassificationAccuracy``,
    ``activation_sparsity`` -> ``ActivationSparsity`` and ``synops_macs`` / ``synops_acs`` /
    ``synops_dense`` -> ``SynapticOperations: {Effective_MACs, Effective_ACs, Dense}``.

    A NaN (uncomputable) value becomes ``None`` (JSON ``null``), never 0.0 as NeuroBench's
    harness would store; absent names are left out, other names are ignored.
    """
    out: dict[str, Any] = {}
    for ours, theirs in _TOP_LEVEL.items():
        if ours in metrics:
            out[theirs] = _value(theirs, metrics[ours])
    synops = {theirs: _value(theirs, metrics[ours]) for ours, theirs in _SYNOPS.items() if ours in metrics}
    if synops:
        out["SynapticOperations"] = synops
    return out
