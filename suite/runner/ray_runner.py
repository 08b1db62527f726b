"""The ``ray`` executor (default): one Ray task per spec, results streamed back with ``ray.wait``.

Without an address it starts an embedded single-machine cluster bound to 127.0.0.1 (every
socket: GCS, raylet, object manager) and shuts it down afterwards; with ``address`` ("auto" or "HOST:PORT") it joins an existing cluster and
leaves it running. Each spec is one task with the spec's resources (``num_cpus``, ``num_gpus``,
``memory`` and custom resources). A worker process that dies is retried by Ray
(``max_retries``); when retries are exhausted the spec is recorded ``failed`` with the reason.
Specs that no node of the cluster can ever satisfy are reported at plan start as ``skipped``
(unschedulable) instead of waiting forever. Submission is windowed and pulls items lazily, so the
driver holds a bounded number of task references however long the plan is. A spec with a
``timeout`` that ignores the worker's own deadline (a hang in C code) is force-cancelled by the
driver after the timeout plus ``timeout_grace_s`` and recorded ``timeout``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from suite.runner.driver import OnResult, WorkItem
from suite.runner.execute import execute, now
from suite.spec import Resources

log = logging.getLogger(__name__)

GIB = 2**30


def _ray_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in ("RAY_AUTH_MODE", "RAY_USAGE_STATS_ENABLED", "PYTHONPATH") if k in os.environ}
    env.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    return env


@contextmanager
def loopback_only(host: str):
    """Let ``ray.init`` bind a loopback ``host`` as given.

    Ray rewrites 127.0.0.1 to the machine's routable address (``resolve_ip_for_localhost``) unless
    its "cluster mode" is off, which would expose the embedded cluster's GCS and raylet on the
    network. Turning it off for the start of a loopback cluster keeps every socket on 127.0.0.1.
    """
    import ray._private.ray_constants as ray_constants

    if host not in ("127.0.0.1", "localhost", "::1"):
        yield
        return
    saved = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved


def _execute_remote(
    spec_dict: Mapping[str, Any], context: Mapping[str, Any], key: str | None = None, board: Any = None
) -> dict[str, Any]:
    if board is not None:
        board.start.remote(key)  # fire and forget: the driver's fallback deadline starts now
    return execute(spec_dict, context)


def unschedulable_reason(res: Resources, nodes: Sequence[Mapping[str, float]]) -> str | None:
    """Why no node among ``nodes`` (their total resources) can run a spec needing ``res``."""
    need = {"CPU": res.cpus, "GPU": res.gpus, "memory": res.memory_gb * GIB, **dict(res.custom)}
    need = {k: v for k, v in need.items() if v > 0}
    for node in nodes:
        if all(node.get(k, 0.0) >= v for k, v in need.items()):
            return None
    wanted = ", ".join(f"{k}={v / GIB:g} GiB" if k == "memory" else f"{k}={v:g}" for k, v in need.items())
    return f"unschedulable: no node of the cluster has {wanted}"


class RayExecutor:
    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        max_retries: int = 3,
        max_in_flight: int | None = None,
        host: str = "127.0.0.1",
        timeout_grace_s: float = 10.0,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.host = host
        self.timeout_grace_s = timeout_grace_s
        self._remotes: dict[tuple, Any] = {}

    def _connect(self):
        import ray

        if ray.is_initialized():
            return ray, False
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "logging_level": logging.WARNING,
            "log_to_driver": True,
            "runtime_env": {"env_vars": _ray_env()},
        }
        if self.address in (None, "local"):
            kwargs.update(address="local", num_cpus=self.num_cpus or os.cpu_count(), _node_ip_address=self.host)
            with loopback_only(self.host):
                ray.init(**kwargs)
        else:
            kwargs["address"] = self.address
            ray.init(**kwargs)
        return ray, True

    def run(self, items: Iterable[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        ray, started = self._connect()
        try:
            self._run(ray, items, context, on_result)
        finally:
            if started:
                ray.shutdown()

    def _run(self, ray: Any, items: Iterable[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
        cluster_cpus = int(sum(n.get("CPU", 0) for n in nodes)) or 1
        window = self.max_in_flight or max(16, 4 * cluster_cpus)
        remote = ray.remote(_execute_remote)
        self._remotes.clear()
        ctx_ref = ray.put(dict(context))
        watch = _Watchdog(ray, self.timeout_grace_s)
        source = iter(items)
        pending: dict[Any, WorkItem] = {}
        exhausted = False
        while not exhausted or pending:
            while not exhausted and len(pending) < window:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                reason = unschedulable_reason(item.spec.resources, nodes)
                if reason is not None:
                    t = now()
                    outcome = {"status": "skipped", "error": reason, "started_at": t, "finished_at": t}
                    on_result(item, {**outcome, "wall_seconds": 0.0})
                    continue
                board = watch.board() if item.spec.timeout else None
                ref = self._remote(remote, item).remote(item.spec.to_dict(), ctx_ref, item.key, board)
                pending[ref] = item
                if board is not None:
                    watch.add(ref, item)
            if not pending:
                continue
            # one blocking wait for the first result, then everything else already done: results
            # arrive in batches under load, and each batch costs one wait and one get
            ready, rest = ray.wait(list(pending), num_returns=1, timeout=watch.poll_s())
            if ready and rest:
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            watch.cancel_overdue()
            if not ready:
                continue
            try:
                outcomes = ray.get(ready)
            except ray.exceptions.RayError:
                outcomes = [None] * len(ready)  # one failed: fetch one by one below
            for ref, outcome in zip(ready, outcomes, strict=True):
                item = pending.pop(ref)
                cancelled = watch.done(ref)
                if outcome is None:
                    outcome = self._failure(ray, ref, cancelled)
                on_result(item, outcome)

    def _remote(self, remote: Any, item: WorkItem) -> Any:
        """``remote.options(...)`` for the item, built once per (resources, task, model): building
        options costs about as much as submitting the task."""
        r = item.spec.resources
        sig = (r.cpus, r.gpus, r.memory_gb, tuple(sorted(r.custom.items())), item.spec.task, item.spec.model)
        if sig not in self._remotes:
            self._remotes[sig] = remote.options(**self._options(item))
        return self._remotes[sig]

    def _options(self, item: WorkItem) -> dict[str, Any]:
        r = item.spec.resources
        return {
            "num_cpus": r.cpus,
            "num_gpus": r.gpus,
            "memory": int(r.memory_gb * GIB) if r.memory_gb else None,
            "resources": dict(r.custom) or None,
            "max_retries": self.max_retries,
            "retry_exceptions": False,
            "name": f"neurorepro:{item.spec.task}/{item.spec.model}",
        }

    def _failure(self, ray: Any, ref: Any, cancelled: str | None) -> dict[str, Any]:
        """The outcome of a task whose result is an error: cancelled past its deadline, or lost."""
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as exc:
            t = now()
            if cancelled is not None:
                return {
                    "status": "timeout",
                    "error": cancelled,
                    "started_at": t,
                    "finished_at": t,
                    "wall_seconds": None,
                }
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return {
                "status": "failed",
                "error": f"{type(exc).__name__} after {self.max_retries} retries: {first}"[:500],
                "traceback": str(exc),
                "started_at": t,
                "finished_at": t,
                "wall_seconds": None,
            }


class _StartBoard:
    """A tiny actor where tasks with a timeout announce their start, so deadlines count run time only.

    Times are taken and compared in the actor's own clock, so node clocks need not agree.
    """

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    def start(self, key: str) -> None:
        self.started[key] = time.monotonic()

    def overdue(self, limits: Mapping[str, float]) -> list[str]:
        t = time.monotonic()
        return [k for k, limit in limits.items() if k in self.started and t - self.started[k] > limit]

    def forget(self, key: str) -> None:
        self.started.pop(key, None)


class _Watchdog:
    """The driver-side fallback deadline: force-cancel a task that outlives its timeout plus a grace.

    The worker's own SIGALRM deadline handles a benchmark that returns to Python; this catches one
    that does not (a hang in C code, signals blocked). It costs nothing for specs without a
    timeout: the start board actor is created on the first spec that has one.
    """

    def __init__(self, ray: Any, grace_s: float) -> None:
        self.ray, self.grace_s = ray, grace_s
        self._board: Any = None
        self.watched: dict[Any, WorkItem] = {}
        self.cancelled: dict[Any, str] = {}
        self._last_check = 0.0

    def board(self) -> Any:
        if self._board is None:
            self._board = self.ray.remote(num_cpus=0)(_StartBoard).remote()
        return self._board

    def add(self, ref: Any, item: WorkItem) -> None:
        self.watched[ref] = item

    def poll_s(self) -> float | None:
        return min(1.0, self.grace_s / 2) if self.watched else None

    def cancel_overdue(self) -> None:
        if not self.watched or time.monotonic() - self._last_check < (self.poll_s() or 0):
            return
        self._last_check = time.monotonic()
        limits = {it.key: float(it.spec.timeout) + self.grace_s for it in self.watched.values()}
        overdue = set(self.ray.get(self._board.overdue.remote(limits)))
        for ref, item in list(self.watched.items()):
            if item.key in overdue and ref not in self.cancelled:
                log.warning("%s ignored its %g s timeout; cancelling its task", item.spec.label(), item.spec.timeout)
                self.cancelled[ref] = (
                    f"SpecTimeout: ran past its timeout of {item.spec.timeout:g} s and ignored the in-process "
                    f"deadline; the driver cancelled it after {item.spec.timeout + self.grace_s:g} s"
                )
                self.ray.cancel(ref, force=True)

    def done(self, ref: Any) -> str | None:
        """Stop watching ``ref``; the cancellation message if the watchdog cancelled it."""
        item = self.watched.pop(ref, None)
        if item is not None:
            self._board.forget.remote(item.key)
        return self.cancelled.pop(ref, None)
