"""The no-op benchmark: a protocol and a model that do nothing, for measuring the harness.

Params (for tests of the harness, never used by a real plan): ``sleep`` seconds to wait,
``fail`` to raise an error, ``diverge`` to raise :class:`Diverged`, ``value`` for the metric,
``pid_dir`` a directory where the process announces itself (a file named ``<seed>-<pid>``)
before sleeping, so that a test can kill the worker mid-benchmark.
"""

from __future__ import annotations

import time
from typing import Any

from suite.errors import Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task


def build(**_: Any) -> None:
    return None


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Return ``{"value": params.value or seed}`` after the optional ``sleep``."""
    if ctx.param("pid_dir"):
        import os
        from pathlib import Path

        (Path(ctx.param("pid_dir")) / f"{spec.seed}-{os.getpid()}").touch()
    if ctx.param("sleep"):
        time.sleep(float(ctx.param("sleep")))
    if ctx.param("fail"):
        raise RuntimeError(str(ctx.param("fail")))
    if ctx.param("diverge"):
        raise Diverged(f"loss is nan at step {ctx.param('diverge')}")
    m = Measurements()
    m.set("value", float(ctx.param("value", spec.seed)))
    return m
