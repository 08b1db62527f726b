"""``neurorepro compare``: a new model against the registered baselines on the same footing.

The comparison is an ordinary plan built in memory (plan name ``compare``): the same task,
seeds, scale and emulator for the new model and every baseline. Specs whose key already has an
``ok`` record anywhere in the store (in ``smoke`` or a paper plan, say) are reused, not re-run:
a key is a content hash of what is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from suite.errors import PlanError
from suite.registry import Registry
from suite.spec import BenchmarkSpec, Plan, plan_from_dict

PLAN_NAME = "compare"


def baselines_for(registry: Registry, task: str, model: str, baselines: str) -> list[str]:
    """``all``: every other registered model supporting the task's protocol; else a comma list."""
    protocol = registry.get("tasks", task).meta.get("protocol")
    if baselines == "all":
        return [
            e.name
            for e in registry.entries("models")
            if e.name != model and protocol in (e.meta.get("protocols") or [])
        ]
    if baselines in ("", "none"):
        return []
    return [b.strip() for b in baselines.split(",") if b.strip() and b.strip() != model]


def comparison_plan(
    registry: Registry,
    task: str,
    model: str,
    *,
    baselines: str = "all",
    seeds: Sequence[int] = (0, 1),
    scale: str = "smoke",
    emulator: str = "ideal",
) -> Plan:
    """The validated plan: ``model`` and its baselines on ``task`` (unknown names raise PlanError)."""
    models = [model, *baselines_for(registry, task, model, baselines)]
    if len(models) == 1:
        raise PlanError(f"compare: no baseline supports task '{task}'; name some with --baselines a,b")
    doc = {
        "name": PLAN_NAME,
        "description": f"{model} against baselines on {task}",
        "defaults": {"scale": scale, "emulator": emulator, "seeds": list(seeds)},
        "benchmarks": [{"task": task, "model": models}],
    }
    return plan_from_dict(doc, registry, source="compare")


def specs_of(plan: Plan) -> list[BenchmarkSpec]:
    return list(plan.specs)
