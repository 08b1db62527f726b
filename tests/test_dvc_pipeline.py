"""`dvc repro` on a fresh clone reproduces the (reduced) smoke report; a second one does nothing.

The clone is a copy of this working tree (tracked and untracked, not ignored, files) made into
a new git repository, with the smoke plan reduced to two quick specs and the inline executor.
The stage commands are the installed ``neurorepro``, found on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def sh(cwd: Path, *cmd: str, env: dict | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, dict]:
    if shutil.which("dvc", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("dvc is not installed in this environment")
    dest = tmp_path_factory.mktemp("clone")
    files = sh(REPO, "git", "ls-files", "-co", "--exclude-standard", "-z").stdout.split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / "plans" / "smoke.yaml").write_text(
        textwrap.dedent(
            """
            name: smoke
            description: smoke plan reduced to two quick specs for the DVC test
            defaults: {scale: smoke, seeds: [0]}
            benchmarks:
              - {task: digits-spikes, model: lif, params: {epochs: 2, max_samples: 200, max_test_samples: 100}}
              - {task: noop, model: noop}
            """
        )
    )
    params = (dest / "params.yaml").read_text()
    params = params.replace("executor: ray", "executor: inline").replace('seeds: "0,1"', 'seeds: "0"')
    (dest / "params.yaml").write_text(params)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    sh(dest, "git", "init", "-q", env=env)
    sh(dest, "git", "add", "-A", env=env)
    sh(dest, "git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "clone", env=env)
    return dest, env


def test_repro_twice_then_metrics(clone):
    dest, env = clone
    first = sh(dest, "dvc", "repro", env=env)
    for stage in ("data@smoke", "run@smoke", "report"):
        assert f"Running stage '{stage}'" in first.stdout
    assert "executed 2 benchmarks (2 ok)" in first.stdout
    assert (dest / "results" / "report" / "index.html").stat().st_size > 1000
    second = sh(dest, "dvc", "repro", env=env)
    assert "Running stage" not in second.stdout
    assert "Data and pipelines are up to date" in second.stdout
    metrics = sh(dest, "dvc", "metrics", "show", env=env).stdout
    assert "digits-spikes.lif/ideal/smoke.accuracy_mean" in metrics


def test_exp_run_changes_seeds_and_reuses_finished_specs(clone):
    dest, env = clone
    sh(dest, "dvc", "repro", env=env)
    out = sh(dest, "dvc", "exp", "run", "-S", 'run.seeds="0,1"', env=env)
    # the seed-0 specs are found in the persistent results; only the two seed-1 specs run
    assert "4 specs, 2 already done, executed 2 benchmarks (2 ok)" in out.stdout
    assert len(list((dest / "results" / "runs" / "smoke").glob("*.json"))) == 4
