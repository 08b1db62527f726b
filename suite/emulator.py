"""Emulators: the ``ideal`` one here; hardware emulators live in ``implementations/emulators``.

An emulator (a) constrains a model (quantisation, leakage, limited memory) and (b) turns
recorded activity counts into cost estimates with a named cost model. ``ideal`` does neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Emulator:
    name: str
    description: str
    cost_model: str | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)

    def costs(self, counts: Mapping[str, float]) -> dict[str, float]:
        """Energy and latency estimates from operation counts; ``ideal`` has no cost model."""
        return {}


IDEAL = Emulator(name="ideal", description="float32 digital execution, no hardware constraint")
