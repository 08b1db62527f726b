"""The language-model protocol learns (against chance) and runs the gain-cell chain end to end."""

from __future__ import annotations

import math

import pytest

from implementations.gaincell_attention.language_model import run
from suite.data.shakespeare import SHIPPED
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec

TASK = Task(name="char-lm", protocol="language-model", dataset="shakespeare-char")
SMALL = {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 32, "batch_size": 16, "eval_batches": 4,
         "max_chars": 50_000, "max_eval_chars": 20_000, "lr": 3e-3}  # fmt: skip


def _run(model: str, target: str, tmp_path, emulator: str = "ideal", **params):
    info = ModelInfo(name=model, target=f"implementations.gaincell_attention.gpt:{target}")
    spec = BenchmarkSpec(task="char-lm", model=model, emulator=emulator)
    ctx = RunContext(
        seed=0, params={**SMALL, **params}, data_root=SHIPPED.parent, scratch_parent=tmp_path, emulator=emulator
    )
    return run(TASK, info, spec, ctx)


def test_softmax_gpt_learns_beyond_chance(tmp_path):
    m = _run("softmax-gpt", "build_softmax", tmp_path, iters=120)
    chance = math.log(80)  # uniform over the vocabulary: 4.38 nats
    assert m.metrics["val_loss"] < chance - 1.0
    assert m.metrics["perplexity"] == pytest.approx(math.exp(m.metrics["val_loss"]))
    assert m.artifacts["train_curve"][-1] < m.artifacts["train_curve"][0] - 1.0


def test_gaincell_chain_records_every_rung(tmp_path):
    m = _run("gaincell-gpt", "build_nonlinear", tmp_path, "gaincell", iters=60, finetune_iters=20)
    for k in ("val_loss_linear", "val_loss_no_adaptation", "val_loss_adapted", "val_loss", "test_loss"):
        assert math.isfinite(m.metrics[k]) and m.metrics[k] < math.log(80), k
    assert 1 <= m.metrics["adaptation_iterations"] <= 100
    assert m.metrics["adaptation_std_error_after"] < m.metrics["adaptation_std_error_before"]
    assert m.artifacts["attention"] == "nonlinear"
    assert m.metrics["kl_to_linear_no_adaptation"] >= 0 and m.metrics["kl_to_linear_adapted"] >= 0


def test_gaincell_models_can_start_from_a_pretrained_softmax_gpt(tmp_path):
    m = _run("linear-gaincell-gpt", "build_linear", tmp_path, "gaincell", pretrain_iters=40, iters=5)
    assert m.metrics["val_loss_pretrained"] < math.log(80) - 0.5  # the softmax model learned first
    assert m.metrics["val_loss"] < math.log(80) - 0.5  # and the gain-cell model starts from it


def test_softmax_models_train_pretrain_plus_iters(tmp_path):
    # the smoke ladder's softmax rungs get the same number of updates as the gain-cell models
    m = _run("softmax-gpt", "build_softmax", tmp_path, pretrain_iters=7, iters=5)
    assert len(m.artifacts["train_curve"]) == 12 and "val_loss_pretrained" not in m.metrics


def test_chain_without_adaptation_records_nan_with_reason(tmp_path):
    m = _run("gaincell-gpt", "build_nonlinear", tmp_path, "gaincell", iters=5, finetune_iters=2, adapt=False)
    assert math.isnan(m.metrics["val_loss_adapted"]) and "adapt" in m.reasons["val_loss_adapted"]


def test_emulator_must_match_the_attention(tmp_path):
    with pytest.raises(ValueError, match="emulator 'gaincell'"):
        _run("gaincell-gpt", "build_nonlinear", tmp_path, "ideal", iters=1)
    with pytest.raises(ValueError, match="emulator 'ideal'"):
        _run("softmax-gpt", "build_softmax", tmp_path, "gaincell", iters=1)
