"""suite.data: registry lookup, data_versions, and import hygiene."""

from __future__ import annotations

import subprocess
import sys

import pytest

from suite.data import data_versions, get_dataset
from suite.data.shd import SHD
from suite.errors import DataError, PluginError, UnknownNameError
from suite.registry import build_registry


@pytest.fixture()
def registry():
    return build_registry(entry_points=False)


def test_builtin_datasets_registered(registry):
    assert {"shd", "digits-spikes"} <= set(registry.names("datasets"))
    shd = get_dataset(registry, "shd")
    assert shd is SHD and shd.n_classes == 20 and shd.splits == ("train", "test")
    assert shd.param_names == {"nb_steps", "max_time", "pool", "max_samples", "out_of_range"}
    digits = get_dataset(registry, "digits-spikes")
    assert digits.n_classes == 10 and digits.param_names == {"nb_steps", "max_rate", "encoding_seed", "max_samples"}
    with pytest.raises(UnknownNameError, match="did you mean 'shd'"):
        get_dataset(registry, "shdd")


def test_non_dataset_target_is_a_plugin_error(registry):
    registry.add_table({"datasets": {"bogus": {"target": "suite.errors:DataError"}}}, "test")
    with pytest.raises(PluginError, match="dataset 'bogus'.*is not a Dataset: lacks"):
        get_dataset(registry, "bogus")


def test_data_versions(registry, tmp_path):
    assert data_versions(registry, None, tmp_path) == {}
    with pytest.raises(DataError, match="missing"):
        data_versions(registry, "shd", tmp_path)
    SHD.synthesize(tmp_path, n_train=20, n_test=20)
    assert data_versions(registry, "shd", tmp_path) == {"shd": SHD.version(tmp_path)}
    assert data_versions(registry, "digits-spikes", tmp_path)["digits-spikes"].startswith("sklearn-digits:")


def test_import_pulls_no_heavy_or_gpl_module():
    code = (
        "import sys, suite.data, suite.data.shd, suite.data.digits, suite.data.binning, suite.builtin;"
        "print(sorted(m for m in ('torch', 'jax', 'ray', 'tonic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
