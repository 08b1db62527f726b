"""Per-spec overhead of the harness: the ``ray`` executor against ``inline`` on 200 no-op specs.

Each round runs the whole plan into a fresh, empty store (made outside the timing), so the figure
includes key computation, claims, the atomic record write (temp file, fsync, rename) and, for
Ray, scheduling and result transfer. The embedded cluster is started once, outside the timing (its start-up is
reported on its own). The re-run of a finished plan is timed without Ray. Goals (issue "Harness
core"): ray <= 2 ms per spec; a finished plan re-runs in under a second without starting Ray.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from pathlib import Path

import pytest

from suite.registry import build_registry
from suite.runner.driver import prepare, run_plan
from suite.runner.inline import InlineExecutor
from suite.runner.ray_runner import RayExecutor, loopback_only
from suite.spec import load_plan
from suite.store import Store

N = 200


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    root = tmp_path_factory.mktemp("overhead")
    p = root / "noop200.yaml"
    p.write_text(f"name: noop200\nbenchmarks: [{{task: noop, model: noop, seeds: {list(range(N))}}}]\n")
    reg = build_registry(root, entry_points=False)
    return root, reg, load_plan(p, reg)


def _fresh_store(root: Path):
    """A new, empty results directory per round (deleting the last one is not harness work)."""
    results = Path(tempfile.mkdtemp(prefix="results-", dir=root))
    return (Store(results),), {}


def _run_once(store: Store, *, root: Path, reg, plan, executor) -> None:
    state = prepare(plan, reg, store, root / "datasets")
    ctx = {"root": str(root), "data_root": str(root / "datasets"), "plugins": [], "scratch": str(root / "scratch")}
    summary = run_plan(state, store, executor, ctx)
    assert summary.counts == {"ok": N}


def _bench(benchmark, root: Path, reg, plan, executor) -> None:
    run = functools.partial(_run_once, root=root, reg=reg, plan=plan, executor=executor)
    benchmark.pedantic(run, setup=lambda: _fresh_store(root), rounds=5, iterations=1)
    benchmark.extra_info["per_spec_ms"] = benchmark.stats["median"] / N * 1e3


def test_inline_200_noop(benchmark, plan):
    root, reg, p = plan
    _bench(benchmark, root, reg, p, InlineExecutor())


def test_ray_200_noop(benchmark, plan):
    import ray

    root, reg, p = plan
    t0 = time.perf_counter()
    with loopback_only("127.0.0.1"):
        ray.init(
            address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level="ERROR"
        )
    benchmark.extra_info["ray_init_s"] = time.perf_counter() - t0
    try:
        _run_once(_fresh_store(root)[0][0], root=root, reg=reg, plan=p, executor=RayExecutor())  # warm the workers
        _bench(benchmark, root, reg, p, RayExecutor())
    finally:
        ray.shutdown()


def test_rerun_of_finished_plan(benchmark, plan):
    root, reg, p = plan
    store = Store(root / "results")
    _run_once(store, root=root, reg=reg, plan=p, executor=InlineExecutor())

    def rerun():
        state = prepare(p, reg, store, root / "datasets")
        summary = run_plan(state, store, RayExecutor(), {})
        assert summary.executed == 0

    was_imported = "ray" in sys.modules and sys.modules["ray"].is_initialized()
    benchmark.pedantic(rerun, rounds=5, iterations=1)
    assert not was_imported or not sys.modules["ray"].is_initialized()
