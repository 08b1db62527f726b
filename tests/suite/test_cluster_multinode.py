"""A real three-node Ray cluster on loopback: placement by resources, unschedulable specs, node loss.

``ray.cluster_utils.Cluster`` starts a head and two workers as separate raylets on 127.0.0.1,
each with its own CPUs and custom resources (``gpu_node`` simulates a GPU node). Health checks
run every 0.5 s so a removed node is declared dead in about two seconds, not thirty.
"""

from __future__ import annotations

import textwrap
import threading
import time

import pytest

from suite.registry import build_registry
from suite.runner.driver import prepare, run_plan
from suite.runner.ray_runner import RayExecutor, loopback_only
from suite.spec import load_plan
from suite.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.ray]

FAST_HEALTH = {"health_check_period_ms": 500, "health_check_failure_threshold": 3, "health_check_timeout_ms": 500}
LOOPBACK = {"node_ip_address": "127.0.0.1", "object_store_memory": 80 * 2**20}


@pytest.fixture(scope="module")
def cluster():
    """head (1 CPU, ``head``), a GPU-like node (1 CPU, ``gpu_node``), a CPU node (1 CPU, ``cpu_node``)."""
    import ray
    from ray.cluster_utils import Cluster

    was_up = ray.is_initialized()
    if was_up:  # the session's single-node cluster: step aside, and bring it back afterwards
        ray.shutdown()
    with loopback_only("127.0.0.1"):  # else ray.init rewrites 127.0.0.1 to the host's routable IP
        c = Cluster(
            initialize_head=True,
            head_node_args={
                **LOOPBACK,
                "num_cpus": 1,
                "resources": {"head": 1},
                "include_dashboard": False,
                "_system_config": FAST_HEALTH,
            },
        )
        nodes = {
            "gpu": c.add_node(**LOOPBACK, num_cpus=1, resources={"gpu_node": 1}),
            "cpu": c.add_node(**LOOPBACK, num_cpus=1, resources={"cpu_node": 1}),
        }
        ray.init(address=c.address, logging_level="ERROR", log_to_driver=False)
    try:
        yield c, {"head": c.head_node.node_id, **{k: n.node_id for k, n in nodes.items()}}, nodes
    finally:
        ray.shutdown()
        c.shutdown()
        if was_up:
            ray.init(
                address="local",
                num_cpus=2,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                logging_level="ERROR",
            )


def make(tmp_path, body: str):
    p = tmp_path / "t.yaml"
    p.write_text(textwrap.dedent(body))
    reg = build_registry(tmp_path, entry_points=False)
    return reg, load_plan(p, reg)


def run(tmp_path, reg, plan, executor):
    store = Store(tmp_path / "results")
    state = prepare(plan, reg, store, tmp_path / "datasets")
    ctx = {"root": str(tmp_path), "data_root": str(tmp_path / "datasets"), "plugins": [], "scratch": str(tmp_path)}
    return store, run_plan(state, store, executor, ctx)


def test_cluster_listens_on_loopback_only(cluster):
    import ray

    alive = [n for n in ray.nodes() if n["Alive"]]
    assert len(alive) >= 3
    assert {n["NodeManagerAddress"] for n in alive} == {"127.0.0.1"}


def test_specs_land_on_nodes_with_their_resources_and_impossible_ones_are_skipped(tmp_path, cluster):
    _, ids, _ = cluster
    reg, plan = make(
        tmp_path,
        """
        name: t
        benchmarks:
          - {task: noop, model: noop, seeds: [0, 1, 2], resources: {custom: {gpu_node: 1}, memory_gb: 0}}
          - {task: noop, model: noop, seeds: [3, 4], resources: {custom: {cpu_node: 1}, memory_gb: 0}}
          - {task: noop, model: noop, seeds: [5], resources: {custom: {tpu_node: 1}}}
          - {task: noop, model: noop, seeds: [6], resources: {cpus: 2}}
        """,
    )
    t0 = time.perf_counter()
    store, summary = run(tmp_path, reg, plan, RayExecutor())
    assert time.perf_counter() - t0 < 60  # the impossible specs did not hang the plan
    assert summary.counts == {"ok": 5, "skipped": 2}
    recs = {r["seed"]: r for r in store.iter_records()}
    assert {recs[s]["env"]["ray_node_id"] for s in (0, 1, 2)} == {ids["gpu"]}
    assert {recs[s]["env"]["ray_node_id"] for s in (3, 4)} == {ids["cpu"]}
    assert recs[5]["error"] == "unschedulable: no node of the cluster has CPU=1, memory=2 GiB, tpu_node=1"
    assert recs[6]["error"].startswith("unschedulable: no node of the cluster has CPU=2")


def test_node_killed_mid_plan_retries_elsewhere_and_records_each_spec_once(tmp_path, cluster):
    """Runs last in this module: it removes a node (a fresh one added for the purpose)."""
    import ray

    c, ids, _ = cluster
    victim = c.add_node(**LOOPBACK, num_cpus=2, resources={"victim": 2})
    c.wait_for_nodes()
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    # 5 CPUs in the cluster and 5 specs: all start at once, so the victim runs two of them
    reg, plan = make(
        tmp_path,
        f"""
        name: t
        benchmarks:
          - {{task: noop, model: noop, seeds: [0, 1, 2, 3, 4], params: {{sleep: 4, pid_dir: '{pid_dir}'}},
              resources: {{memory_gb: 0}}}}
        """,
    )
    on_victim: list[str] = []

    def killer() -> None:
        deadline = time.time() + 90
        while time.time() < deadline:
            files = [f for f in pid_dir.iterdir() if f.read_text() == victim.node_id]
            if len(files) >= 2:
                on_victim.extend(f.name.split("-")[0] for f in files)
                c.remove_node(victim, allow_graceful=False)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    store, summary = run(tmp_path, reg, plan, RayExecutor(max_retries=3))
    t.join()
    assert len(on_victim) == 2, "the victim node never ran two specs"
    assert summary.counts == {"ok": 5}
    files = sorted(store.plan_dir("t").glob("*.json"))
    assert len(files) == 5  # every spec exactly once
    recs = {r["seed"]: r for r in store.iter_records()}
    alive = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    for seed in map(int, on_victim):
        assert recs[seed]["env"]["ray_node_id"] in alive - {victim.node_id}  # finished elsewhere
        assert len([f for f in pid_dir.iterdir() if f.name.startswith(f"{seed}-")]) == 2  # ran twice
    assert all(recs[s]["status"] == "ok" and recs[s]["metrics"] == {"value": float(s)} for s in range(5))
