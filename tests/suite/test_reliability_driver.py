"""The driver killed mid-plan, and two drivers on one store: real ``neurorepro`` processes.

The store is hashed (every file's bytes) to show that a kill never leaves a partial record, and
each benchmark announces itself in ``pid_dir`` (``<seed>-<pid>``) so the tests count how often
each spec really ran.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from suite.store import Store

pytestmark = pytest.mark.slow

# The code version hashes every source file; pin it so that both drivers compute the same keys even
# while files of the checkout change under the test (parallel work, an editor saving).
CLI = [
    sys.executable,
    "-c",
    "import sys, suite.provenance as p; p.code_version = lambda root=None: 'pinned'; "
    "from suite.cli import main; sys.exit(main())",
]


def write_plan(root: Path, name: str, seeds: list[int], pid_dir: Path, sleep: float) -> Path:
    (root / "plans").mkdir(exist_ok=True)
    p = root / "plans" / f"{name}.yaml"
    p.write_text(
        f"name: {name}\nbenchmarks:\n"
        f"  - {{task: noop, model: noop, seeds: {seeds}, params: {{sleep: {sleep}, pid_dir: '{pid_dir}'}}}}\n"
    )
    return p


def start(root: Path, plan: Path, executor: str = "inline", env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **(env or {})}
    return subprocess.Popen(
        [*CLI, "--root", str(root), "run", str(plan), "--executor", executor],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def runs_per_seed(pid_dir: Path) -> Counter:
    return Counter(int(f.name.split("-")[0]) for f in pid_dir.iterdir())


def test_driver_sigkilled_mid_plan_leaves_only_whole_records_and_resumes(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    plan = write_plan(tmp_path, "k", list(range(8)), pid_dir, sleep=0.3)
    proc = start(tmp_path, plan)
    deadline = time.time() + 60
    while len(list(pid_dir.iterdir())) < 4 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    store = Store(tmp_path / "results")
    files = list(store.plan_dir("k").iterdir())
    records = [f for f in files if f.suffix == ".json"]
    assert 2 <= len(records) <= 4  # killed during the 4th spec; at most the ones before finished
    assert all(store.read(f) is not None for f in records) and not store.problems  # whole, valid records
    assert all(f.name.startswith(".") for f in files if f.suffix != ".json")  # no stray visible files
    finished = {r["seed"] for r in store.iter_records()}
    # the same command again: only the specs without an ok record run
    proc = start(tmp_path, plan)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"8 specs, {len(finished)} already done, executed {8 - len(finished)} benchmarks" in out
    runs = runs_per_seed(pid_dir)
    assert all(runs[s] == 1 for s in finished)  # nothing finished ran again
    assert {r["seed"] for r in store.iter_records() if r["status"] == "ok"} == set(range(8))
    assert len(list(store.plan_dir("k").glob("*.json"))) == 8


@pytest.mark.ray
def test_ray_driver_sigkilled_mid_plan_resumes(tmp_path):
    """The same with the default executor: the driver that started the embedded cluster is killed.

    The cluster's own processes (raylet, GCS, workers) live under a temp dir private to this test
    (``RAY_TMPDIR``), so the test can end exactly those it caused and no other Ray on the machine.
    """
    import tempfile

    import psutil

    ray_tmp = Path(tempfile.mkdtemp(prefix="nrk", dir="/tmp"))  # short: Ray's socket paths are length-limited
    env = {"RAY_TMPDIR": str(ray_tmp)}

    def end_cluster() -> None:
        for p in psutil.process_iter(["cmdline"]):
            try:
                if any(str(ray_tmp) in part for part in p.info["cmdline"] or ()):
                    p.kill()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass

    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    plan = write_plan(tmp_path, "k", list(range(8)), pid_dir, sleep=0.5)
    try:
        proc = start(tmp_path, plan, "ray", env)
        store = Store(tmp_path / "results")
        deadline = time.time() + 120
        while time.time() < deadline and len(list(store.plan_dir("k").glob("*.json"))) < 2:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        end_cluster()
        files = list(store.plan_dir("k").iterdir())
        records = [f for f in files if f.suffix == ".json"]
        assert 2 <= len(records) < 8
        assert all(store.read(f) is not None for f in records) and not store.problems
        assert all(f.name.startswith(".") for f in files if f.suffix != ".json")
        finished = {r["seed"] for r in store.iter_records()}
        proc = start(tmp_path, plan, "ray", env)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert f"8 specs, {len(finished)} already done, executed {8 - len(finished)} benchmarks" in out
        assert all(runs_per_seed(pid_dir)[s] == 1 for s in finished)  # nothing finished ran again
        assert {r["seed"] for r in store.iter_records() if r["status"] == "ok"} == set(range(8))
        assert len(list(store.plan_dir("k").glob("*.json"))) == 8
    finally:
        end_cluster()


def test_two_drivers_on_overlapping_plans_run_each_spec_once(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    a = write_plan(tmp_path, "a", list(range(0, 8)), pid_dir, sleep=0.4)
    b = write_plan(tmp_path, "b", list(range(4, 12)), pid_dir, sleep=0.4)  # seeds 4..7 overlap
    procs = [start(tmp_path, a), start(tmp_path, b)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = runs_per_seed(pid_dir)
    assert runs == Counter({s: 1 for s in range(12)})  # every spec ran exactly once, overlap included
    store = Store(tmp_path / "results")
    oks = Counter(r["key"] for r in store.iter_records() if r["status"] == "ok")
    assert len(oks) == 12 and set(oks.values()) == {1} and not store.problems
    assert sorted(f.name for f in store.runs.iterdir()) == [".claims.lock", "a", "b"]  # no other file
    # each driver reports what it left to the other; re-running either executes nothing
    for plan in (a, b):
        out, err = start(tmp_path, plan).communicate(timeout=60)
        assert "executed 0 benchmarks" in out, (out, err)
