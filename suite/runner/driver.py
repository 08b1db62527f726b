"""The driver: plan -> keyed work items -> executor -> records in the store.

Only the driver writes records. It computes every key before anything runs (so a missing
dataset stops the plan with one message and no record), skips keys that already have an ``ok``
record (unless ``force``), hands the rest to an executor, and writes each outcome the moment it
arrives, so an interrupted plan resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from suite.data import data_versions
from suite.provenance import code_version, driver_env
from suite.registry import Registry
from suite.spec import BenchmarkSpec, Plan
from suite.store import SCHEMA, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkItem:
    spec: BenchmarkSpec
    key: str
    data_versions: Mapping[str, str]
    attempt: int = 1


OnResult = Callable[[WorkItem, dict[str, Any]], None]


class Executor(Protocol):
    name: str

    def run(self, items: Sequence[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        """Run every item and call ``on_result(item, outcome)`` once per item, in the driver."""


@dataclass
class PlanState:
    """A plan with keys: what is already done and what is left to run."""

    plan: Plan
    items: list[WorkItem]
    done: set[str]
    code_version: str

    @property
    def todo(self) -> list[WorkItem]:
        return [it for it in self.items if it.key not in self.done]


@dataclass
class RunSummary:
    plan: str
    total: int
    skipped: int
    counts: Counter = field(default_factory=Counter)
    records: list[Path] = field(default_factory=list)

    @property
    def executed(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
        ran = f"executed {self.executed} benchmark{'s' if self.executed != 1 else ''}"
        return f"plan '{self.plan}': {self.total} specs, {self.skipped} already done, {ran}" + (
            f" ({parts})" if parts else ""
        )


def prepare(plan: Plan, registry: Registry, store: Store, data_root: Path, *, force: bool = False) -> PlanState:
    """Key every spec (code version + dataset checksums) and find which are already done."""
    cv = code_version()
    versions_by_dataset: dict[str | None, dict[str, str]] = {}
    items = []
    for spec in plan.specs:
        dataset = registry.get("tasks", spec.task).meta.get("dataset")
        if dataset not in versions_by_dataset:
            versions_by_dataset[dataset] = data_versions(registry, dataset, data_root)
        dv = versions_by_dataset[dataset]
        key = spec.key(cv, dv)
        previous = store.get(plan.name, key)
        attempt = int(previous.get("attempt", 0)) + 1 if previous else 1
        items.append(WorkItem(spec=spec, key=key, data_versions=dv, attempt=attempt))
    keys = [it.key for it in items]
    done = set() if force else store.done_keys(plan.name, keys)
    return PlanState(plan=plan, items=items, done=done, code_version=cv)


def make_record(plan: str, item: WorkItem, outcome: Mapping[str, Any], cv: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "key": item.key,
        "plan": plan,
        "spec": item.spec.to_dict(),
        "status": outcome["status"],
        "error": outcome.get("error"),
        "metrics": dict(outcome.get("metrics") or {}),
        "reasons": dict(outcome.get("reasons") or {}),
        "artifacts": dict(outcome.get("artifacts") or {}),
        "env": {**driver_env(), **(outcome.get("env") or {})},
        "data_versions": dict(item.data_versions),
        "code_version": cv,
        "protocol": outcome.get("protocol"),
        "framework": outcome.get("framework"),
        "seed": item.spec.seed,
        "started_at": outcome.get("started_at"),
        "finished_at": outcome.get("finished_at"),
        "wall_seconds": outcome.get("wall_seconds"),
        "attempt": item.attempt,
    }


def run_plan(
    state: PlanState,
    store: Store,
    executor: Executor,
    context: Mapping[str, Any],
    *,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> RunSummary:
    """Execute what is left of ``state`` and write one record per finished spec."""
    todo = state.todo
    summary = RunSummary(plan=state.plan.name, total=len(state.items), skipped=len(state.items) - len(todo))
    if not todo:
        return summary
    store.check_writable(state.plan.name)

    def on_result(item: WorkItem, outcome: dict[str, Any]) -> None:
        rec = make_record(state.plan.name, item, outcome, state.code_version)
        summary.records.append(store.write(rec, traceback_text=outcome.get("traceback")))
        summary.counts[rec["status"]] += 1
        if rec["status"] != "ok":
            log.warning("%s %s: %s", rec["status"], item.spec.label(), rec["error"])
        if on_record is not None:
            on_record(rec)

    executor.run(todo, context, on_result)
    return summary
