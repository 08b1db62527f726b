"""A user's own package registers a model through the entry point and appears in the leaderboard.

The example package in ``examples/neurorepro-example-plugin`` is really installed (pip, into a
directory put on PYTHONPATH of a fresh ``neurorepro`` process), then compared against the
``lif`` baseline on digits-spikes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "neurorepro-example-plugin"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    import shutil

    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / EXAMPLE.name  # a copy: pip's build leaves files beside the source
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        pytest.fail(f"pip could not install the example plugin: {out.stderr[-2000:]}")
    return target


def neurorepro(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "suite.cli", "--root", str(cwd), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_plugin_model_is_listed_without_importing_torch(plugin_site, tmp_path):
    out = neurorepro(plugin_site, tmp_path, "list", "models")
    assert out.returncode == 0, out.stderr
    assert "gru [torch]" in out.stdout and "example plugin" in out.stdout


@pytest.mark.slow
def test_compare_runs_plugin_against_baseline_and_report_shows_it(plugin_site, tmp_path):
    out = neurorepro(
        plugin_site, tmp_path, "compare", "--task", "digits-spikes", "--model", "gru",
        "--baselines", "lif", "--seeds", "0", "--executor", "inline",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "executed 2 benchmarks (2 ok)" in out.stdout
    table = (tmp_path / "results" / "compare" / "digits-spikes--gru.md").read_text()
    assert "| gru " in table and "| lif " in table
    # the second time, both results come from the store
    again = neurorepro(
        plugin_site, tmp_path, "compare", "--task", "digits-spikes", "--model", "gru",
        "--baselines", "lif", "--seeds", "0", "--executor", "inline",
    )  # fmt: skip
    assert "executed 0 benchmarks" in again.stdout
    rep = neurorepro(plugin_site, tmp_path, "report")
    assert rep.returncode == 0, rep.stderr
    assert "gru" in (tmp_path / "results" / "report" / "leaderboard.md").read_text()
