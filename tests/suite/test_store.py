from __future__ import annotations

import json
import math

import pytest

from suite.errors import StoreError
from suite.store import SCHEMA, Store, load


def record(key: str, status: str = "ok", plan: str = "p", seed: int = 0, **metrics) -> dict:
    return {
        "schema": SCHEMA,
        "key": key,
        "plan": plan,
        "spec": {"task": "t", "model": "m", "emulator": "ideal", "scale": "smoke", "seed": seed, "params": {}},
        "status": status,
        "metrics": metrics,
        "env": {"cpu": "test cpu"},
        "seed": seed,
        "attempt": 1,
    }


def test_write_is_atomic_and_readable(tmp_path):
    store = Store(tmp_path)
    path = store.write(record("k1", accuracy=0.5, params=10))
    assert path == tmp_path / "runs" / "p" / "k1.json"
    assert store.get("p", "k1")["metrics"] == {"accuracy": 0.5, "params": 10}
    assert [p.name for p in path.parent.iterdir()] == ["k1.json"]  # no temp file left behind


def test_nan_metric_is_stored_as_null_and_read_as_nan(tmp_path):
    store = Store(tmp_path)
    store.write(record("k1", accuracy=float("nan")))
    assert json.loads((tmp_path / "runs/p/k1.json").read_text())["metrics"]["accuracy"] is None
    df = store.table()
    assert math.isnan(df.loc[0, "accuracy"])


def test_done_keys_only_counts_ok(tmp_path):
    store = Store(tmp_path)
    store.write(record("a"))
    store.write(record("b", status="failed"))
    assert store.done_keys("p", ["a", "b", "c"]) == {"a"}


def test_corrupt_record_is_reported_not_trusted_and_set_aside(tmp_path, caplog):
    store = Store(tmp_path)
    d = tmp_path / "runs" / "p"
    d.mkdir(parents=True)
    (d / "k1.json").write_text('{"schema": "neurorepro.record/1", "key": "k1", "sta')  # truncated
    (d / "k2.json").write_text(json.dumps({"hello": "foreign"}))
    assert store.done_keys("p", ["k1", "k2"]) == set()
    assert {p.path.name for p in store.problems} == {"k1.json", "k2.json"}
    assert len(store.table()) == 0
    store.write(record("k1"))
    assert (d / "k1.json.corrupt-0").read_text().endswith('"sta')  # kept, not silently overwritten
    assert store.get("p", "k1")["status"] == "ok"


def test_invalid_record_is_refused(tmp_path):
    with pytest.raises(StoreError, match="unknown status 'great'"):
        Store(tmp_path).write(record("k", status="great"))


def test_table_and_parquet(tmp_path):
    store = Store(tmp_path)
    for i, acc in enumerate([0.5, 0.7, 0.9]):
        store.write(record(f"k{i}", seed=i, accuracy=acc))
    df = load(tmp_path)
    assert sorted(df["accuracy"]) == [0.5, 0.7, 0.9]
    assert set(df["status"]) == {"ok"} and df["machine"].iloc[0] == "test cpu"
    import pandas as pd

    again = pd.read_parquet(tmp_path / "results.parquet")
    assert len(again) == 3 and again["accuracy"].sum() == pytest.approx(2.1)
    assert load(tmp_path).equals(df)  # idempotent


def test_unwritable_store_fails_before_running(tmp_path):
    import os

    if os.geteuid() == 0:
        # root ignores directory permissions; a file where the plan directory should be is unwritable for all
        (tmp_path / "runs").write_text("not a directory")
    else:
        tmp_path.chmod(0o500)
    with pytest.raises(StoreError, match="is not writable"):
        Store(tmp_path).check_writable("p")


def test_ok_record_of_another_plan_is_reused_and_counted_once(tmp_path):
    store = Store(tmp_path)
    rec = record("same", accuracy=0.8)
    store.write({**rec, "finished_at": "2026-01-01T00:00:00"})
    store.write({**rec, "plan": "other", "finished_at": "2026-01-02T00:00:00"})
    assert store.done_keys("third", ["same", "new"]) == {"same"}
    df = store.table()
    assert len(df) == 1 and df.loc[0, "plan"] == "other"
    assert [r["plan"] for r in store.find(["same", "new"])] == ["other"]
