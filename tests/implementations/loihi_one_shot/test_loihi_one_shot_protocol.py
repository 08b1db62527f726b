"""The maml-few-shot protocol end to end at a tiny scale: it meta-learns above chance, records the
transfer baseline beside it, and the loihi2 deployment reports energy/latency per update."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from suite.protocol import RunContext
from suite.registry import build_registry
from suite.runner.execute import task_and_model
from suite.spec import BenchmarkSpec, merged_params

TINY = {
    "meta_iterations": 80,
    "test_tasks": 12,
    "loihi_test_tasks": 3,
    "samples_per_class": 11,
    "nb_steps": 12,
    "pretrain_epochs": 1,
}


def _run(model: str, emulator: str, tmp_path: Path, **over):
    reg = build_registry(Path(__file__).resolve().parents[3])
    spec = BenchmarkSpec("double-digits-5way1shot", model, emulator, "smoke", 0, {**TINY, **over})
    task, info = task_and_model(reg, spec)
    ctx = RunContext(
        seed=0, params=merged_params(spec, reg), data_root=tmp_path, scratch_parent=tmp_path, emulator=emulator
    )
    return reg.load("protocols", task.protocol)(task, info, spec, ctx)


@pytest.mark.slow
def test_maml_sgd_learns_one_shot_above_chance(tmp_path: Path) -> None:
    m = _run("maml-sgd-mlp", "ideal", tmp_path, compare_transfer=False)
    assert m.metrics["one_shot_accuracy"] > 0.2 + 0.15  # 5-way chance is 0.2
    assert math.isnan(m.metrics["energy_per_update_j"]) and "no cost model" in m.reasons["energy_per_update_j"]


@pytest.mark.slow
def test_soel_on_loihi2_reports_costs_and_tracks_float(tmp_path: Path) -> None:
    m = _run("maml-soel-mlp", "loihi2", tmp_path, compare_transfer=True)
    x = m.metrics
    assert 0.0 < x["soel_trigger_fraction"] <= 1.0
    assert x["energy_per_update_j"] > 0 and x["latency_per_update_s"] > 0
    assert x["one_shot_accuracy"] >= 0.0 and abs(x["loihi2_minus_float_accuracy"]) <= 0.25
    assert "transfer_accuracy" in x and x["transfer_accuracy"] > 0.2


def test_paired_ci95_is_the_half_width_of_the_mean_difference() -> None:
    import numpy as np

    from implementations.loihi_one_shot.maml import paired_ci95

    a, b = np.array([0.8, 0.6, 0.7, 0.9]), np.array([0.6, 0.6, 0.5, 0.7])
    d = a - b
    assert math.isclose(paired_ci95(a, b), 1.96 * d.std(ddof=1) / 2.0)
    assert math.isnan(paired_ci95(a[:1], b[:1]))


def test_unknown_meta_init_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="meta_init"):
        _run("transfer-mlp", "ideal", tmp_path, meta_init="imagenet")
