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


GIB = 2**30
MEMORY_SLACK_GB = 4.0  # address space beyond resources.memory_gb: libraries imported by the benchmark
# (torch + jax map ~1.9 GiB on first import), thread stacks, allocator arenas
_OOM_WORDS = ("out of memory", "can't allocate memory", "cannot allocate memory", "unable to allocate")


def _vm_bytes() -> int | None:
    """This process's mapped address space (``VmSize``), or ``None`` off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextmanager
def _memory_limit(spec: BenchmarkSpec, enabled: bool):
    """Cap the address space at what it is now plus ``resources.memory_gb`` (+ a slack), for CPU specs.

    ``RLIMIT_AS`` makes an allocation past the cap fail inside the benchmark (``MemoryError`` in
    Python and numpy, a ``RuntimeError`` in torch), which is recorded ``failed`` with the reason,
    instead of the kernel's OOM killer taking the whole worker (or the driver, inline) down.
    Why this and not Ray's memory monitor: the monitor kills by node-wide pressure, picks its
    victim itself and needs the node to be nearly full, so a spec could exhaust the memory of
    the specs beside it first. Specs with GPUs are left alone: a CUDA context maps far more
    address space than it uses.
    """
    import resource

    vm = _vm_bytes() if enabled and spec.resources.gpus == 0 and spec.resources.memory_gb > 0 else None
    if vm is None:
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_AS)
    cap = vm + int((spec.resources.memory_gb + MEMORY_SLACK_GB) * GIB)
    if previous[1] != resource.RLIM_INFINITY:
        cap = min(cap, previous[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or any(w in str(exc).lower() for w in _OOM_WORDS)


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
        out["primary_metric"] = task.meta.get("primary_metric")
        protocol = reg.load("protocols", task.protocol)
        ctx = RunContext(
            seed=spec.seed,
            params=merged_params(spec, reg),
            data_root=Path(context["data_root"]),
            scratch_parent=Path(context.get("scratch") or tempfile.gettempdir()),
            # a spec that asks for a GPU runs on it (Ray sets CUDA_VISIBLE_DEVICES for the task)
            device=str(context.get("device") or ("cuda" if spec.resources.gpus > 0 else "cpu")),
            emulator=spec.emulator,
            threads=max(1, int(spec.resources.cpus)),
        )
        try:
            ctx.seed_everything()
            with _deadline(spec.timeout), _memory_limit(spec, bool(context.get("memory_limit", True))):
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
    except Exception as exc:  # a benchmark may raise anything; it is recorded, the plan goes on
        error = _one_line(exc)
        if _is_oom(exc):
            error = f"out of memory (resources.memory_gb={spec.resources.memory_gb:g}): {error}"
        out.update(status="failed", error=error, traceback=traceback.format_exc())
    out["started_at"], out["finished_at"] = started_at, now()
    out["wall_seconds"] = time.perf_counter() - t0
    out["env"] = worker_env()
    return out


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
