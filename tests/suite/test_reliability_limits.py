"""Specs that hang past their timeout or exhaust their memory, and the claim files behind two drivers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from suite.lock import Claims
from suite.registry import build_registry
from suite.runner.driver import RunSummary, prepare, run_plan
from suite.runner.inline import InlineExecutor
from suite.runner.ray_runner import RayExecutor
from suite.spec import load_plan
from suite.store import Store


def run(tmp_path, body: str, executor):
    p = tmp_path / "t.yaml"
    p.write_text(textwrap.dedent(body))
    reg = build_registry(tmp_path, entry_points=False)
    store = Store(tmp_path / "results")
    state = prepare(load_plan(p, reg), reg, store, tmp_path / "datasets")
    ctx = {"root": str(tmp_path), "data_root": str(tmp_path / "datasets"), "plugins": [], "scratch": str(tmp_path)}
    summary = run_plan(state, store, executor, ctx)
    return {r["seed"]: r for r in store.iter_records()}, summary


OOM = """
name: t
benchmarks:
  - {task: noop, model: noop, seed: 0, params: {alloc_gb: 8}, resources: {memory_gb: 0.25}}
  - {task: noop, model: noop, seed: 1, params: {alloc_gb: 0.05}, resources: {memory_gb: 0.25}}
"""


def test_memory_exhaustion_is_a_failed_record_with_the_reason_inline(tmp_path):
    recs, summary = run(tmp_path, OOM, InlineExecutor())
    assert summary.counts == {"failed": 1, "ok": 1}
    assert recs[0]["error"].startswith("out of memory (resources.memory_gb=0.25): MemoryError")
    assert recs[1]["status"] == "ok"  # the limit was lifted after the failed spec and set again


@pytest.mark.ray
def test_memory_exhaustion_and_ignored_timeout_under_ray(tmp_path, ray_cluster):
    body = OOM + "  - {task: noop, model: noop, seed: 2, params: {sleep: 60, block_alarm: true}, timeout: 1}\n"
    t0 = time.perf_counter()
    recs, summary = run(tmp_path, body, RayExecutor(timeout_grace_s=1.0))
    assert time.perf_counter() - t0 < 30  # not the 60 s the benchmark wanted
    assert summary.counts == {"failed": 1, "ok": 1, "timeout": 1}
    assert recs[0]["error"].startswith("out of memory (resources.memory_gb=0.25): MemoryError")
    assert recs[2]["error"].startswith("SpecTimeout: ran past its timeout of 1 s and ignored the in-process deadline")


def test_ignored_timeout_inline_is_recorded_when_the_benchmark_returns(tmp_path):
    recs, _ = run(
        tmp_path,
        "name: t\nbenchmarks: [{task: noop, model: noop, params: {sleep: 0.6, block_alarm: true}, timeout: 0.2}]\n",
        InlineExecutor(),
    )
    assert recs[0]["status"] == "timeout" and 0.5 < recs[0]["wall_seconds"] < 5


def test_claim_is_exclusive_and_dies_with_its_driver(tmp_path):
    lock = tmp_path / "runs" / ".claims.lock"
    mine, other = Claims(lock), Claims(lock)
    assert mine.acquire("0123456789abcdef0123") and not other.acquire("0123456789abcdef0123")
    assert other.acquire("fedcba98765432100000")  # another key: another byte
    mine.release("0123456789abcdef0123")
    assert other.acquire("0123456789abcdef0123")
    other.release_all()
    assert [f.name for f in lock.parent.iterdir()] == [".claims.lock"]  # one file, however many keys
    # a driver SIGKILLed while holding a claim: the kernel drops its lock, the claim is free at once
    code = (
        "import time; from pathlib import Path; from suite.lock import Claims;"
        f"c = Claims(Path({str(lock)!r})); c.acquire('aaaa'); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not mine.acquire("aaaa") and mine.owner("aaaa") == "another driver"
    finally:
        holder.kill()
        holder.wait()
    assert mine.acquire("aaaa")
    mine.release_all()


def test_summary_line_reports_specs_left_to_another_driver():
    s = RunSummary(plan="p", total=5, skipped=1, done_meanwhile=1)
    s.counts["ok"] = 1
    s.claimed["another driver"] = 2
    assert s.line() == (
        "plan 'p': 5 specs, 2 already done, executed 1 benchmark (1 ok); "
        "left 2 to another driver running them: re-run to pick them up"
    )


def test_a_failed_record_write_stops_the_plan_with_the_store_error(tmp_path):
    """Disk full, permissions lost mid-plan: the writer's error reaches the driver, not a log."""
    from suite.errors import StoreError

    class FullDisk(Store):
        def write(self, rec, traceback_text=None):
            if rec["seed"] == 2:
                raise StoreError("results store is full")
            return super().write(rec, traceback_text)

    p = tmp_path / "t.yaml"
    p.write_text("name: t\nbenchmarks: [{task: noop, model: noop, seeds: [0, 1, 2, 3, 4, 5]}]\n")
    reg = build_registry(tmp_path, entry_points=False)
    store = FullDisk(tmp_path / "results")
    state = prepare(load_plan(p, reg), reg, store, tmp_path / "datasets")
    ctx = {"root": str(tmp_path), "data_root": str(tmp_path / "datasets"), "plugins": [], "scratch": str(tmp_path)}
    with pytest.raises(StoreError, match="results store is full"):
        run_plan(state, store, InlineExecutor(), ctx)
    assert 2 <= len(list(store.iter_records())) <= 5 and not store.problems  # whole records or none
