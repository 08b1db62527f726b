"""Scale: a plan of 10,000 no-op specs through the ray executor, and a report over 10,000 records.

The plan runs in a child process (this file run as a script) so that its peak RSS is the
driver's own: ``ru_maxrss`` after ``ray.init`` (the baseline) and after the plan. The driver holds
every work item (a spec and its key, ~1 KiB each) but no record: records stream to the store
through the writer and the summary keeps counts only. Bounded memory is checked by comparing the
driver's growth over 10,000 specs with its growth over 1,000: it may not grow tenfold.

Numbers go to ``benchmark.extra_info`` (``--benchmark-json``): expand/prepare/run seconds, ms per
spec, peak RSS, the seconds to read the plan's records into the table and to render their report;
and, separately, the report of a harsher 10,000-row table (20 tasks x 50 models x 10 seeds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()


def drive(n: int, root: Path) -> dict[str, float]:
    """Run an ``n``-spec no-op plan under Ray in this process; return timings and peak RSS (MiB)."""
    import resource

    import ray

    from suite.registry import build_registry
    from suite.runner.driver import prepare, run_plan
    from suite.runner.ray_runner import RayExecutor, loopback_only
    from suite.spec import load_plan
    from suite.store import Store

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with loopback_only("127.0.0.1"):
        ray.init(
            address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level="ERROR"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        reg = build_registry(root, entry_points=False)
        p = root / f"scale{n}.yaml"
        p.write_text(f"name: scale{n}\nbenchmarks: [{{task: noop, model: noop, seeds: {list(range(n))}}}]\n")
        base = rss_mib()
        t0 = time.perf_counter()
        plan = load_plan(p, reg)
        t1 = time.perf_counter()
        store = Store(root / "results")
        state = prepare(plan, reg, store, root / "datasets")
        t2 = time.perf_counter()
        ctx = {"root": str(root), "data_root": str(root / "datasets"), "plugins": [], "scratch": str(root)}
        summary = run_plan(state, store, RayExecutor(), ctx)
        t3 = time.perf_counter()
        peak_run = rss_mib()  # before pandas is imported by the table
        assert summary.counts == {"ok": n}, summary.line()
        t4 = time.perf_counter()
        df = store.table()
        t5 = time.perf_counter()
        assert len(df) == n
        from suite.report import build_report

        build_report(df, root / "report", claims=[])  # the report over this plan's n records
        t6 = time.perf_counter()
    finally:
        ray.shutdown()
    return {
        "specs": n,
        "expand_s": t1 - t0,
        "prepare_s": t2 - t1,
        "run_s": t3 - t2,
        "run_ms_per_spec": (t3 - t2) / n * 1e3,
        "read_table_s": t5 - t4,
        "report_s": t6 - t5,
        "rss_base_mib": base,
        "rss_peak_mib": peak_run,
        "rss_peak_with_table_mib": rss_mib(),
    }


def _child(n: int, root: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    out = subprocess.run(
        [sys.executable, str(HERE), str(n), str(root)], capture_output=True, text=True, env=env, timeout=900
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_plan_of_10k_noop_specs(benchmark, tmp_path):
    small = _child(1000, tmp_path / "1k")
    big = benchmark.pedantic(_child, args=(10_000, tmp_path / "10k"), rounds=1, iterations=1)
    benchmark.extra_info.update({f"10k_{k}": v for k, v in big.items()})
    benchmark.extra_info.update({f"1k_{k}": v for k, v in small.items()})
    growth_small = small["rss_peak_mib"] - small["rss_base_mib"]
    growth_big = big["rss_peak_mib"] - big["rss_base_mib"]
    benchmark.extra_info["rss_growth_ratio_10k_over_1k"] = growth_big / max(growth_small, 1.0)
    assert growth_big < 5 * max(growth_small, 10.0)  # 10x the specs, far less than 10x the memory


def synthetic_table(n_configs: int = 1000, seeds: int = 10):
    """A results table in ``Store.table()`` layout: 20 tasks x 50 models x ``seeds`` seeds.

    Twenty tasks is about the suite's own count; the figures (four per task, PNG and SVG) cost
    about 0.6 s each on 2 loaded vCPUs and dominate the report, the tables take ~3 s."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = []
    for c in range(n_configs):
        for s in range(seeds):
            rows.append(
                {
                    "key": f"{c:08x}{s:012x}",
                    "plan": "scale",
                    "task": f"task-{c % 20}",
                    "model": f"model-{c // 20}",
                    "emulator": "ideal",
                    "scale": "smoke",
                    "seed": s,
                    "spec_params": "{}",
                    "status": "ok",
                    "error": None,
                    "protocol": "classification",
                    "framework": "torch",
                    "code_version": "x",
                    "git_sha": "x",
                    "machine": "AMD EPYC (2 vCPU)",
                    "gpu": None,
                    "started_at": "2026-01-01T00:00:00",
                    "finished_at": "2026-01-01T00:00:01",
                    "wall_seconds": 1.0,
                    "attempt": 1,
                    "reasons": "{}",
                    "artifacts": "{}",
                    "accuracy": float(rng.uniform(0.5, 0.95)),
                    "params": float(10_000 + c),
                    "synops_dense": float(rng.uniform(1e5, 1e7)),
                    "peak_memory_bytes": float(rng.uniform(1e7, 1e9)),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_report_over_10k_records(benchmark, tmp_path):
    from suite.report import build_report

    df = synthetic_table()
    assert len(df) == 10_000
    index = benchmark.pedantic(
        build_report, args=(df, tmp_path / "report"), kwargs={"claims": []}, rounds=1, iterations=1
    )
    assert index.is_file() and "model-49" in index.read_text()
    benchmark.extra_info["seconds"] = benchmark.stats["median"]


if __name__ == "__main__":
    print(json.dumps(drive(int(sys.argv[1]), Path(sys.argv[2]))))
