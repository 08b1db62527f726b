"""The ``continual`` protocol end to end on digits-ci, the CIFAR-100 reader and the plans."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from implementations.tmcl.digits_ci import CLASS_ORDER, DIGITS_CI
from implementations.tmcl.protocol import run
from suite.data.cifar import CIFAR100_DATA
from suite.data.cifar import CLASS_ORDER as CIFAR_ORDER
from suite.errors import DataError
from suite.protocol import ModelInfo, RunContext, Task

REPO = Path(__file__).resolve().parents[3]
TINY = {
    "pretrain_epochs": 3,
    "cons_epochs": 1,
    "task_steps": 5,
    "task_batch": 8,
    "batch_size": 64,
    "lr": 4e-3,
    "probe_epochs": 5,
    "label_fraction": 0.1,
    "max_train_samples": 600,
    "arch": "mlp",
    "hidden": 64,
    "features": 64,
    "head_width": 64,
}


def _run(tmp_path, method: str, **over):
    ctx = RunContext(seed=0, params={**TINY, **over}, data_root=tmp_path, scratch_parent=tmp_path)
    model = ModelInfo(method, f"implementations.tmcl.model:build_{method}")
    return run(Task("digits-ci", "continual", "digits-ci"), model, None, ctx)


@pytest.mark.parametrize("method", ["tmcl", "vi", "cassle", "supervised"])
def test_continual_runs_and_learns(tmp_path, method):
    m = _run(tmp_path, method)
    sessions = m.artifacts["sessions"]
    assert [s["classes_seen"] for s in sessions] == [2, 4, 6, 8, 10]
    for key in ("knn_accuracy", "linear_probe_accuracy", "knn_labelled_accuracy", "forgetting"):
        assert math.isfinite(m.metrics[key])
    assert 0.5 < m.metrics["knn_accuracy_untrained"] <= 1.0  # digits: even an untrained MLP does well
    assert m.metrics["evaluated_on_validation"] == 0.0
    # 10 classes seen: chance is 0.1
    assert m.metrics["knn_accuracy"] > 0.6
    assert m.metrics["linear_probe_accuracy"] > 0.6
    assert m.metrics["params"] == 64 * 64 + 64 * 64 + 4 * 64  # two linears (no bias) + two BN affines
    assert m.metrics["modulation_params_per_class"] == 2 * (64 + 64)
    assert all(v is None or math.isfinite(v) for v in m.artifacts["final_losses"].values())
    # tmcl measures what L_MI's targets hold after every Stage A; the other methods have no targets
    probes = m.artifacts.get("mi_probe", [])
    assert len(probes) == (5 if method == "tmcl" else 0)
    if method == "tmcl":
        assert all(0.0 <= d["knn_features"] <= 1.0 and math.isfinite(d["label_r2_gain"]) for d in probes)
        gains = [d["knn_gain"] for d in probes]
        assert m.metrics["mi_target_knn_gain"] == pytest.approx(float(np.mean(gains)))
    else:
        assert "mi_target_knn_gain" not in m.metrics


def test_mi_probe_leaves_training_unchanged(tmp_path):
    with_probe = _run(tmp_path, "tmcl", n_sessions=5, mi_probe_samples=64)
    without = _run(tmp_path, "tmcl", n_sessions=5, mi_probe_samples=0)
    assert "mi_probe" not in without.artifacts
    # bit-identical session histories (repr: the not-yet-seen groups are NaN, which == rejects)
    assert repr(with_probe.artifacts["sessions"]) == repr(without.artifacts["sessions"])


def test_validation_scale_holds_out_training_images(tmp_path, monkeypatch):
    """``validation_fraction``: evaluation on a held-out part of the training split, never the test split."""
    from implementations.tmcl import evaluation

    seen = {}
    original = evaluation.knn_predict

    def spy(train_f, train_y, test_f, *a, **k):
        seen.setdefault("n_eval", []).append(test_f.shape[0])
        return original(train_f, train_y, test_f, *a, **k)

    monkeypatch.setattr(evaluation, "knn_predict", spy)
    ctx = RunContext(
        seed=0,
        params={**TINY, "max_train_samples": None, "validation_fraction": 0.2, "pretrain_epochs": 1, "n_sessions": 1},
        data_root=tmp_path,
        scratch_parent=tmp_path,
    )
    m = run(
        Task("digits-ci-jitter", "continual", "digits-ci-jitter"),
        ModelInfo("vi", "implementations.tmcl.model:build_vi"),
        None,
        ctx,
    )
    assert m.metrics["evaluated_on_validation"] == 1.0
    # 1,437 training images, ~20 % of each class held out: 287 evaluated, not the 360 test images
    assert set(seen["n_eval"]) == {287}


def test_unknown_param_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown continual params"):
        _run(tmp_path, "vi", pretrain_epoch=3)


def test_digits_ci_data_and_class_order():
    x, y = DIGITS_CI.arrays(Path("."), "train", {})
    xt, yt = DIGITS_CI.arrays(Path("."), "test", {})
    assert x.shape == (1437, 1, 8, 8) and xt.shape == (360, 1, 8, 8)
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(CLASS_ORDER) == list(range(10))
    assert CLASS_ORDER[:2] == (1, 4)
    assert len(CIFAR_ORDER) == 100 and sorted(CIFAR_ORDER) == list(range(100)) and CIFAR_ORDER[:3] == (11, 22, 39)


def test_cifar_reader_on_synthetic_pickles(tmp_path):
    files = CIFAR100_DATA.synthesize(tmp_path, seed=0, per_class=4, per_class_test=2)
    assert [f.name for f in files] == ["train", "test", "meta"]
    with (tmp_path / "cifar100" / "cifar-100-python" / "train").open("rb") as fh:
        raw = pickle.load(fh, encoding="latin1")
    assert raw["data"].dtype == np.uint8 and raw["data"].shape == (400, 3072)
    assert raw["coarse_labels"] == [c // 5 for c in raw["fine_labels"]]
    CIFAR100_DATA.verify(tmp_path)
    x, y = CIFAR100_DATA.arrays(tmp_path, "train", {})
    assert x.shape == (400, 3, 32, 32) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [4] * 100
    # row layout: the first 1024 bytes are the red channel, row-major
    np.testing.assert_allclose(x[0, 0].ravel(), raw["data"][0, :1024] / 255.0, rtol=1e-6)
    assert CIFAR100_DATA.version(tmp_path).startswith("sha256:")
    # the class templates make classes separable: nearest class mean is far above chance (1 %)
    xt, yt = CIFAR100_DATA.arrays(tmp_path, "test", {})
    means = np.stack([x[y == c].reshape(4, -1).mean(0) for c in range(100)])
    pred = np.argmin(((xt.reshape(len(xt), 1, -1) - means[None]) ** 2).sum(-1), axis=1)
    assert (pred == yt).mean() > 0.5


def test_cifar_reader_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="cifar-100-python/train is missing.*cifar-100-python.tar.gz"):
        CIFAR100_DATA.verify(tmp_path)
    CIFAR100_DATA.synthesize(tmp_path, per_class=1, per_class_test=1)
    (tmp_path / "cifar100" / "cifar-100-python" / "test").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="cifar-100-python/test is corrupt"):
        CIFAR100_DATA.arrays(tmp_path, "test", {})


def test_plans_expand_with_published_sizes():
    from suite.registry import build_registry
    from suite.spec import load_plan, merged_params

    reg = build_registry(REPO)
    plan = load_plan(REPO / "plans" / "p02-tmcl-paper.yaml", reg)
    assert len(plan.specs) == 4 * 3 * 4
    assert {s.model for s in plan.specs} == {"tmcl", "vi", "cassle", "supervised"}
    fractions = {merged_params(s, reg)["label_fraction"] for s in plan.specs}
    assert fractions == {0.01, 0.1, 1.0}
    p = merged_params(plan.specs[0], reg)
    assert (p["arch"], p["dim"], p["depth"], p["heads"], p["patch"], p["head_width"]) == ("vit", 384, 6, 12, 4, 2048)
    assert (p["pretrain_epochs"], p["cons_epochs"], p["batch_size"]) == (250, 200, 256)
    smoke = load_plan(REPO / "plans" / "p02-tmcl-smoke.yaml", reg)
    assert {s.model for s in smoke.specs} == {"tmcl", "vi", "cassle", "supervised"}
    jitter = [s for s in smoke.specs if s.task == "digits-ci-jitter"]
    assert len(jitter) == 2 * 4 * 3
    assert {(s.model, s.seed, s.scale) for s in jitter} == {
        (m, k, sc)
        for m in ("tmcl", "vi", "cassle", "supervised")
        for k in (0, 1, 2)
        for sc in ("smoke-1pct", "smoke-1pct-long")
    }
    for s in jitter:  # both on the test split at 1 % labels; only Stage B's length differs
        pj = merged_params(s, reg)
        assert (pj["label_fraction"], pj.get("validation_fraction", 0.0), pj["arch"]) == (0.01, 0.0, "mlp")
        assert (pj["pretrain_epochs"], pj["cons_epochs"]) == (300, 240 if s.scale.endswith("-long") else 60)


@pytest.mark.parametrize("package", ["tmcl", "gcvsa"])
def test_claims_use_defined_tasks_and_scales(package):
    """Every claim on an implemented task names a scale that task defines (P02-3/-4 name tasks not built)."""
    from importlib import import_module, resources

    import yaml

    plugin = import_module(f"implementations.{package}.plugin").PLUGIN
    claims = yaml.safe_load(resources.files(f"implementations.{package}").joinpath("claims.yaml").read_text())
    implemented = 0
    for c in claims["claims"]:
        if c["task"] in plugin["tasks"]:
            implemented += 1
            assert c.get("scale", "paper") in plugin["tasks"][c["task"]]["scales"], c["id"]
            assert c["model"] in plugin["models"], c["id"]
    assert implemented == {"tmcl": 3, "gcvsa": 6}[package]


def test_continual_on_synthetic_cifar_with_a_small_vit(tmp_path):
    """The paper path end to end: the CIFAR-100 pickle reader, 5 x 20 sessions, a modulated ViT."""
    CIFAR100_DATA.synthesize(tmp_path, seed=0, per_class=4, per_class_test=2)
    params = {
        **TINY, "arch": "vit", "dim": 32, "depth": 1, "heads": 2, "patch": 8, "head_width": 32,
        "max_train_samples": None, "pretrain_epochs": 1, "task_steps": 2, "task_batch": 4, "hflip": True,
    }  # fmt: skip
    ctx = RunContext(seed=0, params=params, data_root=tmp_path, scratch_parent=tmp_path)
    m = run(
        Task("cifar100-ci", "continual", "cifar100"),
        ModelInfo("tmcl", "implementations.tmcl.model:build_tmcl"),
        None,
        ctx,
    )
    assert [s["classes_seen"] for s in m.artifacts["sessions"]] == [20, 40, 60, 80, 100]
    assert math.isfinite(m.metrics["knn_accuracy"]) and math.isfinite(m.metrics["forgetting"])
    assert m.metrics["labelled_samples"] == 200  # at least 2 labels per class
