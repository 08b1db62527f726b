from __future__ import annotations

import subprocess
import sys

import pytest

from suite.errors import PluginError, UnknownNameError
from suite.registry import Entry, Registry, build_registry


def test_unknown_name_suggests_the_closest():
    reg = Registry()
    reg.add_table({"models": {"silif": {"target": "x:y"}, "adlif": {"target": "x:z"}}}, "t")
    with pytest.raises(UnknownNameError) as exc:
        reg.get("models", "silf")
    assert str(exc.value) == "unknown model 'silf'; did you mean 'silif'? known: adlif, silif"


def test_targets_are_imported_only_on_load():
    entry = Entry("models", "json", target="json:dumps")
    assert entry.load()({"a": 1}) == '{"a": 1}'
    with pytest.raises(PluginError, match="fails to load 'no_such_module_xyz:f'"):
        Entry("models", "bad", target="no_such_module_xyz:f").load()


def test_same_name_from_two_sources_is_an_error():
    reg = Registry()
    reg.add_table({"models": {"lif": {"target": "a:b"}}}, "one")
    with pytest.raises(PluginError, match="registered twice"):
        reg.add_table({"models": {"lif": {"target": "c:d"}}}, "two")


def test_malformed_table_is_rejected():
    with pytest.raises(PluginError, match="unknown section 'model'"):
        Registry().add_table({"model": {}}, "t")


def test_builtins_and_repo_plans(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "mine.yaml").write_text("name: mine\n")
    reg = build_registry(tmp_path, entry_points=False)
    assert "noop" in reg.names("tasks") and "ideal" in reg.names("emulators")
    assert reg.get("plans", "mine").meta["path"].endswith("mine.yaml")


def test_list_imports_no_framework():
    """`neurorepro list` must not import torch, jax or ray (checked through sys.modules)."""
    code = (
        "import sys; from suite.cli import main; rc = main(['list']); "
        "heavy = [m for m in ('torch', 'jax', 'ray', 'tonic', 'pandas') if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    assert "models" in out.stdout and "lif" in out.stdout
