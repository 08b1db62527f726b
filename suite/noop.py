"""The no-op benchmark: a protocol and a model that do nothing, for measuring the harness.

Params (for tests of the harness, never used by a real plan): ``sleep`` seconds to wait,
``fail`` to raise an error, ``diverge`` to raise :class:`Diverged`, ``value`` for the metric,
``pid_dir`` a directory where the process announces itself (a file named ``<seed>-<pid>`` holding
its Ray node id, if any)
before sleeping, so that a test can kill the worker mid-benchmark, ``alloc_gb`` GiB to allocate
(exhausts a spec's ``resources.memory_gb``), ``block_alarm`` to sleep with SIGALRM blocked (a
benchmark stuck in C code that ignores the in-process deadline), ``loss`` the loss to report (NaN
makes the run diverge, as a protocol's divergence check does).
"""

from __future__ import annotations

import math
import signal
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

        (Path(ctx.param("pid_dir")) / f"{spec.seed}-{os.getpid()}").write_text(_ray_node_id())
    if ctx.param("alloc_gb"):
        block = bytearray(int(float(ctx.param("alloc_gb")) * 2**30))
        del block
    if ctx.param("sleep"):
        _sleep(float(ctx.param("sleep")), blocked=bool(ctx.param("block_alarm")))
    if ctx.param("fail"):
        raise RuntimeError(str(ctx.param("fail")))
    if ctx.param("diverge"):
        raise Diverged(f"loss is nan at step {ctx.param('diverge')}")
    loss = float(ctx.param("loss", 0.0))
    if not math.isfinite(loss):
        raise Diverged(f"loss is {loss} at step 0")
    m = Measurements()
    m.set("value", float(ctx.param("value", spec.seed)))
    return m


def _sleep(seconds: float, *, blocked: bool) -> None:
    """Sleep; with ``blocked`` the process cannot see SIGALRM meanwhile (like a hang in C code)."""
    if not blocked:
        time.sleep(seconds)
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        time.sleep(seconds)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


def _ray_node_id() -> str:
    import sys

    ray = sys.modules.get("ray")
    if ray is None or not ray.is_initialized():
        return ""
    return ray.get_runtime_context().get_node_id()
