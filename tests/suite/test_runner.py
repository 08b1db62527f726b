from __future__ import annotations

import os
import signal
import textwrap
import threading
import time

import pytest

from suite.registry import build_registry
from suite.runner.driver import prepare, run_plan
from suite.runner.inline import InlineExecutor
from suite.runner.ray_runner import RayExecutor, unschedulable_reason
from suite.spec import Resources, load_plan
from suite.store import Store


def make_plan(tmp_path, body: str, name: str = "t"):
    p = tmp_path / f"{name}.yaml"
    p.write_text(textwrap.dedent(body))
    reg = build_registry(tmp_path, entry_points=False)
    return reg, load_plan(p, reg)


def context(tmp_path):
    return {
        "root": str(tmp_path),
        "data_root": str(tmp_path / "datasets"),
        "plugins": [],
        "scratch": str(tmp_path / "scratch"),
    }


PLAN = """
name: t
benchmarks:
  - {task: noop, model: noop, seeds: [0, 1, 2], params: {value: 0.25}}
  - {task: noop, model: noop, seed: 5, params: {fail: "boom happened"}}
  - {task: noop, model: noop, seed: 6, params: {diverge: 3}}
  - {task: noop, model: noop, seed: 7, params: {sleep: 5}, timeout: 0.3}
"""


def run(tmp_path, reg, plan, executor, force=False):
    store = Store(tmp_path / "results")
    state = prepare(plan, reg, store, tmp_path / "datasets", force=force)
    return store, state, run_plan(state, store, executor, context(tmp_path))


def test_inline_records_every_outcome_and_resumes(tmp_path):
    reg, plan = make_plan(tmp_path, PLAN)
    store, state, summary = run(tmp_path, reg, plan, InlineExecutor())
    assert summary.counts == {"ok": 3, "failed": 1, "diverged": 1, "timeout": 1}
    recs = {r["seed"]: r for r in store.iter_records()}
    assert recs[0]["metrics"] == {"value": 0.25} and recs[0]["status"] == "ok"
    assert recs[5]["error"] == "RuntimeError: boom happened"
    assert "boom happened" in (store.plan_dir("t") / recs[5]["traceback_file"]).read_text()
    assert recs[6]["status"] == "diverged" and recs[6]["error"] == "Diverged: loss is nan at step 3"
    assert recs[7]["status"] == "timeout" and recs[7]["wall_seconds"] < 3
    assert recs[0]["env"]["node_id"] and recs[0]["code_version"] == state.code_version
    # re-run: only the specs without an ok record execute again, as attempt 2
    _, state2, summary2 = run(tmp_path, reg, plan, InlineExecutor())
    assert summary2.skipped == 3 and summary2.executed == 3
    assert {r["attempt"] for r in store.iter_records() if r["status"] != "ok"} == {2}


def test_finished_plan_executes_nothing_and_force_reruns(tmp_path):
    reg, plan = make_plan(tmp_path, "name: t\nbenchmarks: [{task: noop, model: noop, seeds: [0, 1]}]\n")
    run(tmp_path, reg, plan, InlineExecutor())

    class Forbidden:
        name = "forbidden"

        def run(self, *a):
            raise AssertionError("nothing should run")

    _, _, summary = run(tmp_path, reg, plan, Forbidden())
    assert summary.executed == 0 and summary.skipped == 2
    _, _, summary = run(tmp_path, reg, plan, InlineExecutor(), force=True)
    assert summary.executed == 2


def test_same_spec_gives_same_metrics(tmp_path):
    reg, plan = make_plan(tmp_path, "name: t\nbenchmarks: [{task: noop, model: noop, seeds: [4]}]\n")
    store, _, _ = run(tmp_path, reg, plan, InlineExecutor())
    first = next(store.iter_records())["metrics"]
    run(tmp_path, reg, plan, InlineExecutor(), force=True)
    assert next(store.iter_records())["metrics"] == first == {"value": 4.0}


def test_unschedulable_reason():
    nodes = [{"CPU": 2.0, "memory": 8 * 2**30}, {"CPU": 1.0, "GPU": 1.0, "memory": 4 * 2**30, "gpu_node": 1.0}]
    assert unschedulable_reason(Resources(cpus=1, gpus=1, memory_gb=2), nodes) is None
    assert unschedulable_reason(Resources(cpus=1, memory_gb=2, custom={"gpu_node": 1}), nodes) is None
    msg = unschedulable_reason(Resources(cpus=4, memory_gb=2), nodes)
    assert msg == "unschedulable: no node of the cluster has CPU=4, memory=2 GiB"


@pytest.mark.ray
def test_ray_executor_matches_inline(tmp_path, ray_cluster):
    reg, plan = make_plan(tmp_path, PLAN)
    store, _, summary = run(tmp_path, reg, plan, RayExecutor())
    assert summary.counts == {"ok": 3, "failed": 1, "diverged": 1, "timeout": 1}
    assert {r["seed"]: r["metrics"].get("value") for r in store.iter_records() if r["status"] == "ok"} == {
        0: 0.25,
        1: 0.25,
        2: 0.25,
    }
    assert all(r["env"].get("ray_node_id") for r in store.iter_records())


@pytest.mark.ray
def test_unschedulable_spec_is_skipped_not_hung(tmp_path, ray_cluster):
    reg, plan = make_plan(
        tmp_path,
        "name: t\nbenchmarks: [{task: noop, model: noop, seeds: [0], resources: {cpus: 64}}, {task: noop, model: noop, seeds: [1]}]\n",
    )
    store, _, summary = run(tmp_path, reg, plan, RayExecutor())
    assert summary.counts == {"ok": 1, "skipped": 1}
    skipped = [r for r in store.iter_records() if r["status"] == "skipped"][0]
    assert skipped["error"].startswith("unschedulable: no node of the cluster has CPU=64")


@pytest.mark.ray
def test_killed_worker_is_retried_and_recorded_once(tmp_path, ray_cluster):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    reg, plan = make_plan(
        tmp_path,
        f"name: t\nbenchmarks: [{{task: noop, model: noop, seeds: [0, 1, 2], params: {{sleep: 1.5, pid_dir: '{pid_dir}'}}}}]\n",
    )
    killed: list[int] = []

    def killer():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for f in pid_dir.iterdir():
                if f.name.startswith("1-"):
                    pid = int(f.name.split("-")[1])
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    store, _, summary = run(tmp_path, reg, plan, RayExecutor(max_retries=2))
    t.join()
    assert killed, "the test never saw the worker start"
    assert summary.counts == {"ok": 3}
    files = sorted(p.name for p in store.plan_dir("t").glob("*.json"))
    assert len(files) == 3  # every spec recorded exactly once
    assert len([f for f in pid_dir.iterdir() if f.name.startswith("1-")]) == 2  # seed 1 ran twice: killed, retried
