"""Run one spec in the current process and return its outcome (never a record: the driver writes).

This is the body of every executor: the ``inline`` executor calls it directly, the ``ray``
executor calls it inside a Ray task. Exceptions from the benchmark become outcomes (``failed``,
``diverged``, ``timeout``); they never escape, so one bad spec cannot stop a plan.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from suite.errors import Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task
from suite.provenance import worker_env
from suite.registry import Registry, build_registry
from suite.spec import BenchmarkSpec, merged_params

log = logging.getLogger(__name__)


class SpecTimeout(Exception):
    """The benchmark ran past its spec's ``timeout``."""


@functools.cache
def _registry(root: str, plugins: tuple[str, ...] | None) -> Registry:
    return build_registry(Path(root), plugins=plugins)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@contextmanager
def _deadline(seconds: float | None):
    """Raise :class:`SpecTimeout` in this thread after ``seconds`` (main thread only: SIGALRM)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise SpecTimeout(f"ran past its timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def task_and_model(reg: Registry, spec: BenchmarkSpec) -> tuple[Task, ModelInfo]:
    t = reg.get("tasks", spec.task)
    m = reg.get("models", spec.model)
    task = Task(
        name=t.name,
        protocol=t.meta["protocol"],
        dataset=t.meta.get("dataset"),
        description=t.meta.get("description", ""),
        scales=t.meta.get("scales", {}),
        meta=t.meta,
    )
    model = ModelInfo(
        name=m.name,
        target=m.target or "",
        framework=m.meta.get("framework", "torch"),
        protocols=tuple(m.meta.get("protocols", ())),
        scales=m.meta.get("scales", {}),
        meta=m.meta,
    )
    return task, model


def execute(spec_dict: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Run one spec; return ``{status, metrics, reasons, artifacts, error, traceback, timings, env}``.

    ``context`` carries plain data only (paths as strings): ``root`` (where plans and datasets
    are resolved), ``data_root``, ``plugins`` (entry-point names or None), ``scratch``.
    """
    spec = BenchmarkSpec.from_dict(spec_dict)
    started_at, t0 = now(), time.perf_counter()
    out: dict[str, Any] = {
        "status": "ok",
        "metrics": {},
        "reasons": {},
        "artifacts": {},
        "error": None,
        "traceback": None,
    }
    try:
        plugins = context.get("plugins")
        reg = _registry(str(context["root"]), tuple(plugins) if plugins is not None else None)
        task, model = task_and_model(reg, spec)
        out["protocol"], out["framework"] = task.protocol, model.framework
        protocol = reg.load("protocols", task.protocol)
        ctx = RunContext(
            seed=spec.seed,
            params=merged_params(spec, reg),
            data_root=Path(context["data_root"]),
            scratch_parent=Path(context.get("scratch") or tempfile.gettempdir()),
            device=str(context.get("device", "cpu")),
            emulator=spec.emulator,
            threads=max(1, int(spec.resources.cpus)),
        )
        try:
            ctx.seed_everything()
            with _deadline(spec.timeout):
                result = protocol(task, model, spec, ctx)
        finally:
            ctx.cleanup()
        if not isinstance(result, Measurements):
            raise TypeError(f"protocol '{task.protocol}' returned {type(result).__name__}, not Measurements")
        bad = [k for k, v in result.metrics.items() if not math.isfinite(v) and k not in result.reasons]
        if bad:
            raise ValueError(f"metrics {bad} are not finite and have no reason")
        out.update(metrics=result.metrics, reasons=result.reasons, artifacts=result.artifacts)
    except Diverged as exc:
        out.update(status="diverged", error=_one_line(exc), traceback=traceback.format_exc())
    except SpecTimeout as exc:
        out.update(status="timeout", error=_one_line(exc), traceback=traceback.format_exc())
    except MemoryError as exc:
        out.update(status="failed", error=f"out of memory: {_one_line(exc)}", traceback=traceback.format_exc())
    except Exception as exc:  # a benchmark may raise anything; it is recorded, the plan goes on
        out.update(status="failed", error=_one_line(exc), traceback=traceback.format_exc())
    out["started_at"], out["finished_at"] = started_at, now()
    out["wall_seconds"] = time.perf_counter() - t0
    out["env"] = worker_env()
    return out


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
