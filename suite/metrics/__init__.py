"""Model and run metrics, named as in ARCHITECTURE.md "Metrics", with NeuroBench semantics.

Importing this package does not import torch (``neurorepro list`` must stay light); the names
below are loaded from their modules on first use:

============================  ==========================  =======================================
name                          module                      NeuroBench equivalent
============================  ==========================  =======================================
``param_count``               ``suite.metrics.static``    ParameterCount (trainable only, see doc)
``footprint_bytes``           ``suite.metrics.static``    Footprint
``connection_sparsity``       ``suite.metrics.static``    ConnectionSparsity
``state_bytes``               ``suite.metrics.static``    (none: declared recurrent state)
``ActivityRecorder``          ``suite.metrics.activity``  SynapticOperations, ActivationSparsity
``PeakMemory``                ``suite.metrics.memory``    (none: measured process peak memory)
``Stopwatch``, ``timed``      ``suite.metrics.timing``    (none: wall seconds)
``to_neurobench``             ``suite.metrics.neurobench`` result-dict layout and key names
============================  ==========================  =======================================

A metric that cannot be computed raises :class:`MetricUnavailable`; :func:`record` turns that
into NaN plus the reason in a :class:`suite.protocol.Measurements`, never 0.0.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol


class MetricUnavailable(Exception):
    """A metric cannot be computed for this model or run; the message is the recorded reason."""


class _SetsMetrics(Protocol):
    def set(self, name: str, value: float | None, reason: str | None = None) -> None: ...


def record(
    measurements: _SetsMetrics,
    names: str | Sequence[str],
    compute: Callable[[], float | Mapping[str, float]],
) -> None:
    """Call ``compute()`` and store its value(s) under ``names`` in ``measurements``.

    ``compute`` returns one float (one name) or a mapping holding every name (several names,
    e.g. the three ``synops_*``). If it raises :class:`MetricUnavailable`, every name is stored
    as NaN with the exception's message as the reason. Other exceptions propagate.
    """
    keys = (names,) if isinstance(names, str) else tuple(names)
    try:
        value = compute()
    except MetricUnavailable as exc:
        for key in keys:
            measurements.set(key, None, reason=str(exc) or type(exc).__name__)
        return
    if isinstance(value, Mapping):
        for key in keys:
            measurements.set(key, value[key])
    elif len(keys) == 1:
        measurements.set(keys[0], value)
    else:
        raise TypeError(f"compute() returned one value for several names {keys}")


_LAZY = {
    "param_count": "suite.metrics.static",
    "footprint_bytes": "suite.metrics.static",
    "connection_sparsity": "suite.metrics.static",
    "state_bytes": "suite.metrics.static",
    "ActivityRecorder": "suite.metrics.activity",
    "SYNOPS_NAMES": "suite.metrics.activity",
    "PeakMemory": "suite.metrics.memory",
    "Stopwatch": "suite.metrics.timing",
    "timed": "suite.metrics.timing",
    "to_neurobench": "suite.metrics.neurobench",
}

__all__ = ["MetricUnavailable", "record", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'suite.metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
