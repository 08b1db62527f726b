"""The P09 plans expand and validate; the registered scales and claims use defined names."""

from __future__ import annotations

from pathlib import Path

import pytest

from suite.claims import load_claims
from suite.registry import build_registry
from suite.spec import load_plan, merged_params

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def registry():
    return build_registry(ROOT)


@pytest.mark.parametrize(
    "plan, n_specs",
    [("p09-snnax-smoke.yaml", 8), ("p09-speed.yaml", 44), ("p09-snnax-paper.yaml", 2 * 5 * 2 + 3 * 6)],
)
def test_plans_expand(registry, plan, n_specs):
    specs = load_plan(ROOT / "plans" / plan, registry).specs
    assert len(specs) == n_specs
    for spec in specs:
        merged_params(spec, registry)


def test_speed_plan_runs_every_framework_at_cpu_scales(registry):
    specs = load_plan(ROOT / "plans" / "p09-speed.yaml", registry).specs
    models = {s.model for s in specs}
    assert {
        "snnax-jax",
        "snnax-jax-autodiff",
        "snnax-torch",
        "floor-jax",
        "floor-torch",
        "snntorch",
        "norse",
        "spyx",
    } <= models
    params = [merged_params(s, registry) for s in specs if s.model == "snnax-jax"]
    assert sorted(p["n"] for p in params) == [512, 1024, 2048, 4096]
    assert {(p["batch"], p["steps"]) for p in params} == {(16, 500)}


def test_paper_plan_uses_the_published_widths(registry):
    specs = load_plan(ROOT / "plans" / "p09-snnax-paper.yaml", registry).specs
    widths = sorted({merged_params(s, registry)["n"] for s in specs if s.task == "snn-throughput"})
    assert widths == [4096, 8192, 16384]
    shd = [merged_params(s, registry) for s in specs if s.task == "shd-jax"]
    assert {(p["batch_size"], p["lr"], p["weight_decay"], p["grad_clip"], p["layers"]) for p in shd} == {
        (256, 1e-3, 0.01, 0.5, 3)
    }


def test_claims_name_registered_tasks_and_scales(registry):
    claims = [c for c in load_claims(registry) if c.paper == "P09"]
    assert {c.id for c in claims} == {"P09-1", "P09-2", "P09-3", "P09-4a", "P09-4b"}
    scales = registry.get("tasks", "snn-throughput").meta["scales"]
    for c in claims:
        assert c.task == "snn-throughput" and c.scale in scales
        assert registry.has("models", c.model)
