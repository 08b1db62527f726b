"""Security properties of the harness: loopback-only embedded cluster, safe YAML, JSON-only records."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from suite.store import Store

SUITE = Path(__file__).resolve().parents[2] / "suite"


LISTENING = """
import json, os, ray
from suite.runner.ray_runner import RayExecutor

def listening(pids):
    # (address, port) of every listening TCP socket of these processes, from /proc
    inodes = set()
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:
                addr, port = f[1].split(":")
                out.append((addr, int(port, 16)))
    return out

_, started = RayExecutor(num_cpus=1)._connect()
node = ray._private.worker._global_node
pids = [p.process.pid for procs in node.all_processes.values() for p in procs]
print(json.dumps({"started": started, "nodes": [n["NodeManagerAddress"] for n in ray.nodes()],
                  "gcs": ray.get_runtime_context().gcs_address, "sockets": listening(pids)}))
ray.shutdown()
"""
# 127.0.0.1 in /proc/net/tcp (little-endian hex) and as an IPv4-mapped address in tcp6
LOOPBACK_HEX = {"0100007F", "0000000000000000FFFF00000100007F"}


@pytest.mark.slow
@pytest.mark.ray
def test_embedded_cluster_listens_on_loopback_only(tmp_path):
    """The cluster the ray executor starts by itself: every listening socket on 127.0.0.1."""
    env = {**os.environ, "PYTHONPATH": str(SUITE.parent)}
    out = subprocess.run([sys.executable, "-c", LISTENING], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["started"] and info["nodes"] == ["127.0.0.1"]
    assert info["gcs"].startswith("127.0.0.1:")
    assert len(info["sockets"]) >= 2  # the GCS and the raylet at least
    assert {addr for addr, _ in info["sockets"]} <= LOOPBACK_HEX, info["sockets"]


def test_harness_never_unpickles_and_loads_yaml_safely():
    """No pickle, marshal or unsafe YAML where the harness reads plans, records or reports.

    (Dataset readers in ``suite/data/`` read each dataset's own published format and are
    reviewed with it.)"""
    bad = re.compile(
        r"\b(pickle|marshal|dill|cloudpickle)\b|read_pickle|yaml\.load\(|yaml\.unsafe_load|Loader=yaml\.Loader"
    )
    offenders = [
        f"{p.relative_to(SUITE.parent)}:{i}"
        for p in SUITE.rglob("*.py")
        if "data" not in p.relative_to(SUITE).parts
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if bad.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_a_pickle_in_the_store_is_rejected_not_loaded(tmp_path):
    """A record file holding a pickle (or anything not JSON) is reported and never executed."""
    import pickle

    d = tmp_path / "runs" / "p"
    d.mkdir(parents=True)
    marker = tmp_path / "pwned"
    payload = pickle.dumps(type("X", (), {"__reduce__": lambda self: (Path.touch, (marker,))})())
    (d / "0123456789abcdef0123.json").write_bytes(payload)
    store = Store(tmp_path)
    assert list(store.iter_records()) == [] and not marker.exists()
    assert "unreadable record" in str(store.problems[0])


def test_hostile_names_in_a_record_are_escaped_in_the_report(tmp_path):
    """A task/model name from a plugin or record with HTML in it ends up as text, not markup."""
    from suite.report import build_report
    from suite.store import flatten

    hostile = '<img src=x onerror="alert(1)">'
    rec = {
        "schema": "neurorepro.record/1",
        "key": "k0",
        "plan": "p",
        "spec": {"task": hostile, "model": f"m{hostile}", "emulator": "ideal", "scale": "smoke", "seed": 0},
        "status": "ok",
        "metrics": {"accuracy": 0.5},
        "env": {"cpu": hostile},
        "seed": 0,
        "attempt": 1,
    }
    import pandas as pd

    index = build_report(pd.DataFrame([flatten(rec)]), tmp_path / "report", claims=[])
    html = index.read_text()
    assert hostile not in html and "&lt;img src=x onerror=" in html
