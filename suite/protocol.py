"""What a protocol receives and returns: Task, ModelInfo, RunContext, Measurements.

A protocol is any callable ``run(task, model, spec, ctx) -> Measurements`` registered under the
``protocols`` kind. It trains and evaluates; the runner times it, records the environment and
writes the record. Protocols raise :class:`suite.errors.Diverged` for a diverging run; any other
exception is recorded as ``failed``.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Task:
    """A dataset + split protocol + evaluation, read from a plugin table row."""

    name: str
    protocol: str
    dataset: str | None = None
    description: str = ""
    scales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelInfo:
    """A registered model: its name, import target, framework and the protocols it supports."""

    name: str
    target: str
    framework: str = "torch"
    protocols: tuple[str, ...] = ()
    scales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> Callable[..., Any]:
        """Import and return the model factory."""
        from suite.registry import Entry

        return Entry("models", self.name, self.target, meta=self.meta).load()


@dataclass
class Measurements:
    """What a protocol returns.

    ``metrics`` holds floats named as in the contract; a metric that could not be computed is
    NaN with its reason in ``reasons`` (never 0.0). ``artifacts`` holds small JSON-able data
    (curves as lists, figure data).
    """

    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: float | None, reason: str | None = None) -> None:
        """Record ``name``; ``None`` or a non-finite value requires a reason and becomes NaN."""
        if value is None or not math.isfinite(float(value)):
            if not reason:
                raise ValueError(f"metric '{name}' is {value!r} and no reason was given")
            self.metrics[name] = float("nan")
            self.reasons[name] = reason
        else:
            self.metrics[name] = float(value)

    def update(self, other: Measurements) -> None:
        self.metrics.update(other.metrics)
        self.artifacts.update(other.artifacts)
        self.reasons.update(other.reasons)


@dataclass
class RunContext:
    """Everything a protocol may use from its surroundings.

    ``params`` is the merged configuration: task scale params, then model scale params, then the
    spec's overrides. ``threads`` is the CPU count the spec asked for (torch is limited to it). ``progress(done, total)`` reports progress to the driver's log.
    """

    seed: int
    params: dict[str, Any]
    data_root: Path
    scratch_parent: Path
    device: str = "cpu"
    emulator: str = "ideal"
    threads: int = 1
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("neurorepro.run"))
    progress: Callable[[int, int], None] = lambda done, total: None

    _scratch: Path | None = field(default=None, init=False, repr=False)

    @property
    def scratch(self) -> Path:
        """A private temporary directory for this run, made on first use, removed after it."""
        if self._scratch is None:
            import tempfile

            self.scratch_parent.mkdir(parents=True, exist_ok=True)
            self._scratch = Path(tempfile.mkdtemp(prefix="neurorepro-", dir=self.scratch_parent))
        return self._scratch

    def cleanup(self) -> None:
        if self._scratch is not None:
            import shutil

            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def seed_everything(self, offset: int = 0) -> None:
        """Seed Python, NumPy and, when it is imported, torch with ``seed + offset``."""
        import sys

        s = self.seed + offset
        random.seed(s)
        np.random.seed(s % 2**32)
        torch = sys.modules.get("torch")
        if torch is None:
            return
        torch.manual_seed(s)
        torch.set_num_threads(self.threads)
        torch.use_deterministic_algorithms(True, warn_only=True)

    def rng(self, stream: str = "") -> np.random.Generator:
        """A NumPy generator for a named stream, independent of the other streams."""
        return np.random.default_rng([self.seed, *(ord(c) for c in stream)])

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


class ProtocolFn(Protocol):
    def __call__(self, task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements: ...
