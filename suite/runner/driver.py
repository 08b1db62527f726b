"""The driver: plan -> keyed work items -> executor -> records in the store.

Only the driver writes records. It computes every key before anything runs (so a missing
dataset stops the plan with one message and no record), skips keys that already have an ``ok``
record (unless ``force``), hands the rest to an executor, and writes each outcome the moment it
arrives, so an interrupted plan resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from suite.data import data_versions
from suite.errors import DataError
from suite.lock import Claims
from suite.provenance import code_version, driver_env
from suite.registry import Registry
from suite.runner.writer import RecordWriter
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

    def run(self, items: Iterable[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        """Run every item and call ``on_result(item, outcome)`` once per item, in the driver.

        ``items`` is consumed lazily: the driver claims each item as the executor pulls it, so
        an executor must pull an item only when it is about to submit it.
        """


@dataclass
class PlanState:
    """A plan with keys: what is already done and what is left to run."""

    plan: Plan
    items: list[WorkItem]
    done: set[str]
    code_version: str
    force: bool = False
    missing_data: dict[str, str] = field(default_factory=dict)  # dataset -> why (dry runs only)

    @property
    def todo(self) -> list[WorkItem]:
        return [it for it in self.items if it.key not in self.done]


@dataclass
class RunSummary:
    """Counts only: a plan of any length is summarised in constant memory (no list of records)."""

    plan: str
    total: int
    skipped: int
    counts: Counter = field(default_factory=Counter)
    last_record: Path | None = None
    claimed: Counter = field(default_factory=Counter)  # owner -> specs it held
    done_meanwhile: int = 0  # finished by another driver between planning and claiming

    @property
    def executed(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
        ran = f"executed {self.executed} benchmark{'s' if self.executed != 1 else ''}"
        text = f"plan '{self.plan}': {self.total} specs, {self.skipped + self.done_meanwhile} already done, {ran}"
        text += f" ({parts})" if parts else ""
        if self.claimed:
            text += f"; left {sum(self.claimed.values())} to another driver running them: re-run to pick them up"
        return text


def prepare(
    plan: Plan, registry: Registry, store: Store, data_root: Path, *, force: bool = False, missing_ok: bool = False
) -> PlanState:
    """Key every spec (code version + dataset checksums) and find which are already done.

    A missing or corrupt dataset raises :class:`DataError`, unless ``missing_ok`` (a dry run):
    then the specs that need it get an empty key and the reason is kept in ``missing_data``.
    """
    cv = code_version()
    versions_by_dataset: dict[str | None, dict[str, str] | None] = {}
    missing: dict[str, str] = {}
    items = []
    for spec in plan.specs:
        dataset = registry.get("tasks", spec.task).meta.get("dataset")
        if dataset not in versions_by_dataset:
            try:
                versions_by_dataset[dataset] = data_versions(registry, dataset, data_root)
            except DataError as exc:
                if not missing_ok:
                    raise
                versions_by_dataset[dataset] = None
                missing[str(dataset)] = str(exc)
        dv = versions_by_dataset[dataset]
        if dv is None:
            items.append(WorkItem(spec=spec, key="", data_versions={}, attempt=1))
            continue
        key = spec.key(cv, dv)
        previous = store.get(plan.name, key)
        attempt = int(previous.get("attempt", 0)) + 1 if previous else 1
        items.append(WorkItem(spec=spec, key=key, data_versions=dv, attempt=attempt))
    keys = [it.key for it in items if it.key]
    done = set() if force else store.done_keys(plan.name, keys)
    return PlanState(plan=plan, items=items, done=done, code_version=cv, force=force, missing_data=missing)


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
        "primary_metric": outcome.get("primary_metric"),
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
    """Execute what is left of ``state`` and write one record per finished spec.

    Records are written by a :class:`~suite.runner.writer.RecordWriter` (atomic each, several
    fsyncs in flight). Each spec is claimed (:mod:`suite.lock`) as the executor pulls it and
    released once its record is durable: a spec that a live other driver holds is left to it
    and counted in ``summary.claimed``; one that it finished meanwhile is not run again.
    """
    todo = state.todo
    summary = RunSummary(plan=state.plan.name, total=len(state.items), skipped=len(state.items) - len(todo))
    if not todo:
        return summary
    store.check_writable(state.plan.name)
    claims = Claims(store.claims_file)

    def written(rec: dict[str, Any], path: Path) -> None:  # in a writer thread, once durable
        summary.last_record = path
        claims.release(rec["key"])
        if on_record is not None:
            on_record(rec)

    writer = RecordWriter(store, written)

    def on_result(item: WorkItem, outcome: dict[str, Any]) -> None:
        rec = make_record(state.plan.name, item, outcome, state.code_version)
        summary.counts[rec["status"]] += 1
        if rec["status"] != "ok":
            log.warning("%s %s: %s", rec["status"], item.spec.label(), rec["error"])
        writer.submit(rec, outcome.get("traceback"))

    try:
        executor.run(_claimed(todo, claims, store, state, summary), context, on_result)
    finally:
        try:
            writer.close()  # every record handed over is durable before run_plan returns
        finally:
            claims.release_all()
    for owner, n in summary.claimed.items():
        log.warning("%d specs of plan '%s' are being run by another driver (%s)", n, state.plan.name, owner)
    return summary


def _claimed(
    todo: Iterable[WorkItem], claims: Claims, store: Store, state: PlanState, summary: RunSummary
) -> Iterator[WorkItem]:
    """The items of ``todo`` this driver claims and that no one finished meanwhile, lazily."""
    for item in todo:
        if not claims.acquire(item.key):
            summary.claimed[claims.owner(item.key)] += 1
            continue
        if not state.force and store.has_ok(state.plan.name, item.key):
            claims.release(item.key)
            summary.done_meanwhile += 1
            continue
        yield item
