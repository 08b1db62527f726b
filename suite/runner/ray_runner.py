"""The ``ray`` executor (default): one Ray task per spec, results streamed back with ``ray.wait``.

Without an address it starts an embedded single-machine cluster bound to 127.0.0.1 and shuts it
down afterwards; with ``address`` ("auto" or "HOST:PORT") it joins an existing cluster and
leaves it running. Each spec is one task with the spec's resources (``num_cpus``, ``num_gpus``,
``memory`` and custom resources). A worker process that dies is retried by Ray
(``max_retries``); when retries are exhausted the spec is recorded ``failed`` with the reason.
Specs that no node of the cluster can ever satisfy are reported at plan start as ``skipped``
(unschedulable) instead of waiting forever. Submission is windowed, so the driver holds a bounded
number of task references however long the plan is.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Mapping, Sequence
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


def _execute_remote(spec_dict: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
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
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.host = host

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
        else:
            kwargs["address"] = self.address
        ray.init(**kwargs)
        return ray, True

    def run(self, items: Sequence[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        ray, started = self._connect()
        try:
            self._run(ray, items, context, on_result)
        finally:
            if started:
                ray.shutdown()

    def _run(self, ray: Any, items: Sequence[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
        cluster_cpus = int(sum(n.get("CPU", 0) for n in nodes)) or 1
        window = self.max_in_flight or max(16, 4 * cluster_cpus)
        remote = ray.remote(_execute_remote)
        ctx_ref = ray.put(dict(context))
        queue: deque[WorkItem] = deque()
        for item in items:
            reason = unschedulable_reason(item.spec.resources, nodes)
            if reason is None:
                queue.append(item)
            else:
                t = now()
                on_result(
                    item, {"status": "skipped", "error": reason, "started_at": t, "finished_at": t, "wall_seconds": 0.0}
                )
        pending: dict[Any, WorkItem] = {}
        while queue or pending:
            while queue and len(pending) < window:
                item = queue.popleft()
                r = item.spec.resources
                ref = remote.options(
                    num_cpus=r.cpus,
                    num_gpus=r.gpus,
                    memory=int(r.memory_gb * GIB) if r.memory_gb else None,
                    resources=dict(r.custom) or None,
                    max_retries=self.max_retries,
                    retry_exceptions=False,
                    name=f"neurorepro:{item.spec.label()}",
                ).remote(item.spec.to_dict(), ctx_ref)
                pending[ref] = item
            ready, _ = ray.wait(list(pending), num_returns=1)
            more, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
            done = list(dict.fromkeys([*ready, *more]))
            try:
                outcomes = ray.get(done)
            except ray.exceptions.RayError:
                outcomes = [None] * len(done)  # one failed: fetch one by one below
            for ref, outcome in zip(done, outcomes, strict=True):
                item = pending.pop(ref)
                try:
                    outcome = outcome if outcome is not None else ray.get(ref)
                except ray.exceptions.RayError as exc:
                    t = now()
                    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    outcome = {
                        "status": "failed",
                        "error": f"{type(exc).__name__} after {self.max_retries} retries: {first}"[:500],
                        "traceback": str(exc),
                        "started_at": t,
                        "finished_at": t,
                        "wall_seconds": None,
                    }
                on_result(item, outcome)
