"""The P01 / P06 paper plans expand, validate and build models at the published sizes (without running)."""

from __future__ import annotations

from pathlib import Path

import pytest

from implementations.baselines.classification import DATA_KEYS, split_params
from suite.registry import build_registry
from suite.spec import load_plan, merged_params

ROOT = Path(__file__).resolve().parents[3]
SIZES = {"shd": (140, 20), "ssc": (140, 35), "gsc": (40, 35)}


@pytest.fixture(scope="module")
def registry():
    return build_registry(ROOT)


def test_p01_paper_plan_builds_the_published_models(registry):
    plan = load_plan(ROOT / "plans" / "p01-silif-paper.yaml", registry)
    assert {s.seed for s in plan.specs} == {13, 42, 73, 190, 268}
    assert all(s.resources.gpus == 1 for s in plan.specs)
    counts = {}
    for spec in plan.specs:
        if spec.seed != 13:
            continue
        params = merged_params(spec, registry)
        factory = registry.get("models", spec.model).load()
        _, hparams = split_params(params, factory, DATA_KEYS | {"max_time", "nb_steps", "pool"})
        n_in, n_cls = SIZES[spec.task]
        if spec.model in ("silif", "csilif"):
            counts[(spec.task, spec.model, spec.scale)] = sum(
                p.numel() for p in factory(n_in, n_cls, **hparams).parameters()
            )
    assert counts[("ssc", "silif", "paper")] == 359_017  # the checkpoint (card P01-8)
    assert counts[("ssc", "silif", "paper-10ms")] == 359_017
    assert counts[("shd", "csilif", "paper")] == 350_268
    assert counts[("shd", "csilif", "paper-h128")] == 38_460  # README 38.7k (card P01-1), 0.6 % below
    assert counts[("gsc", "silif", "paper")] == 307_817  # README: 0.3M
    assert counts[("gsc", "silif", "paper-h1024")] == 1_139_817  # README: 1.1M
    ssc = [s for s in plan.specs if s.task == "ssc" and s.scale == "paper"]
    assert {merged_params(s, registry)["nb_steps"] for s in ssc} == {300}
    assert merged_params(next(s for s in ssc if s.model == "csilif"), registry)["dt_max"] == 5.0


def test_p06_paper_plan_expands(registry):
    plan = load_plan(ROOT / "plans" / "p06-time-resolution-paper.yaml", registry)
    assert {s.task for s in plan.specs} == {"shd-resolution", "mswc-resolution", "nmnist-resolution"}
    shd = [s for s in plan.specs if s.task == "shd-resolution"]
    assert sorted({merged_params(s, registry)["nb_steps"] for s in shd}) == [51, 101] and len(shd) == 2 * 2 * 5
    assert all(merged_params(s, registry)["hidden"] == 256 for s in plan.specs)


@pytest.mark.parametrize("name", ["p01-silif-smoke", "p06-time-resolution-smoke"])
def test_smoke_plans_expand(registry, name):
    plan = load_plan(ROOT / "plans" / f"{name}.yaml", registry)
    assert all(s.scale == "smoke" for s in plan.specs) and plan.specs
