"""A fixture results store for the report tests: written with ``Store.write`` in the record schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from suite.store import SCHEMA, Store

EVIL = "<script>alert(1)</script>"

# (task, model, scale, seed, status, metrics)
ROWS = [
    *[("shd", "lif", "paper", s, "ok", {"accuracy": a, "n_params": 1000.0, "synops_acs": 5e5, "synops_macs": 1e4,
       "activation_sparsity": 0.9, "state_bytes": 1024.0, "peak_memory_bytes": 2.0**28, "train_seconds": 60.0 + s,
       "footprint_bytes": 4000.0, "connection_sparsity": 0.0})
      for s, a in [(0, 0.80), (1, 0.82), (2, 0.86)]],
    ("shd", "lif", "paper", 3, "failed", {}),
    *[("shd", "silif", "paper", s, "ok", {"accuracy": a, "n_params": 2000.0, "synops_acs": 4e5, "synops_macs": 2e4,
       "activation_sparsity": 0.95, "state_bytes": 2048.0, "peak_memory_bytes": 2.0**29, "train_seconds": 90.0,
       "footprint_bytes": 8000.0, "connection_sparsity": 0.0})
      for s, a in [(0, 0.90), (1, 0.92), (2, 0.95)]],
    ("shd", "silif", "paper", 3, "diverged", {"accuracy": None}),
    *[("shd", EVIL, "smoke", s, "ok", {"accuracy": 0.5 + 0.01 * s, "n_params": 50.0, "synops_acs": 1e3, "synops_macs": 0.0})
      for s in range(3)],
    *[("shd", "csilif", "smoke", s, "ok", {"accuracy": 0.3, "n_params": 60.0}) for s in range(3)],
    *[("ssc", "silif", "paper", s, "ok", {"accuracy": a, "n_params": 2000.0}) for s, a in [(0, 0.70), (1, 0.74), (2, 0.72)]],
    *[("noop", "noop", "smoke", s, "ok", {"value": float(s)}) for s in range(3)],
]  # fmt: skip


def make_record(task: str, model: str, scale: str, seed: int, status: str, metrics: dict) -> dict:
    key = f"{abs(hash((task, model, scale, seed))) % 10**12:012d}{seed:02d}"
    return {
        "schema": SCHEMA,
        "key": key,
        "plan": "fixture",
        "spec": {"task": task, "model": model, "emulator": "ideal", "scale": scale, "seed": seed, "params": {}},
        "status": status,
        "error": None if status == "ok" else f"{status}: simulated",
        "metrics": metrics,
        "env": {"git_sha": "0" * 40, "cpu": "fixture-cpu", "gpu": None},
        "seed": seed,
        "attempt": 1,
        "protocol": "classification",
        "framework": "torch",
        "code_version": "test",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:01:00Z",
        "wall_seconds": 60.0,
    }


@pytest.fixture(scope="module")
def store_table(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("results")
    store = Store(root)
    for row in ROWS:
        store.write(make_record(*row))
    df = store.table()
    assert len(df) == len(ROWS) and not store.problems
    return df


@pytest.fixture(scope="session")
def record_factory():
    """``make_record(task, model, scale, seed, status, metrics) -> record dict``."""
    return make_record


@pytest.fixture(scope="session")
def evil_name() -> str:
    return EVIL
