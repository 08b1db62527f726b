"""The P08 plans expand and validate; paper-scale specs build models with the published sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from click.testing import CliRunner

from implementations.gaincell_attention.language_model import DATA_KEYS, TRAINING_DEFAULTS
from suite.cli import cli
from suite.registry import build_registry
from suite.spec import load_plan, merged_params

REPO = Path(__file__).resolve().parents[3]
PAPER = REPO / "plans" / "p08-gaincell-paper.yaml"
SMOKE = REPO / "plans" / "p08-gaincell-smoke.yaml"


def _model_kwargs(params):
    return {k: v for k, v in params.items() if k not in TRAINING_DEFAULTS and k not in DATA_KEYS}


def test_paper_plan_builds_published_sizes():
    reg = build_registry(REPO)
    plan = load_plan(PAPER, reg)
    sizes = {}
    for spec in plan.specs:
        if spec.task != "owt-lm":
            continue
        params = merged_params(spec, reg)
        assert params["block_size"] == 1024
        factory = reg.load("models", spec.model)
        with torch.device("meta"):
            net = factory(vocab_size=50257, block_size=1024, **_model_kwargs(params))
        sizes[(spec.model, spec.scale)] = sum(p.numel() for p in net.parameters())
    assert sizes[("softmax-gpt", "paper")] == 124_439_808
    assert sizes[("linear-gaincell-gpt", "paper")] == 124_439_808 + 1152  # + 8 scalars x 12 heads x 12 layers
    assert sizes[("gaincell-gpt", "paper-no-adaptation")] == 124_439_808 + 1152
    assert sizes[("gaincell-gpt2-xl", "paper")] == 1_557_611_200 + 48 * 8 * 25
    by_scale = {s.scale: merged_params(s, reg) for s in plan.specs if s.model == "gaincell-gpt"}
    assert by_scale["paper"]["iters"] == 3000 and by_scale["paper"]["finetune_iters"] == 13000
    assert by_scale["paper-no-adaptation"]["adapt"] is False and by_scale["paper-scratch"]["iters"] == 0


def test_paper_plan_dry_run_with_local_openwebtext(tmp_path):
    owt = tmp_path / "openwebtext"
    owt.mkdir()
    for name in ("train.bin", "val.bin"):
        np.arange(1000, dtype=np.uint16).tofile(owt / name)
    res = CliRunner().invoke(
        cli, ["--root", str(REPO), "--data-root", str(tmp_path), "--results", str(tmp_path / "r"), "run", str(PAPER),
              "--dry-run"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "10 specs" in res.output and "gaincell-gpt2-xl" in res.output


def test_smoke_plan_expands_to_the_ladder_and_the_cost_model():
    plan = load_plan(SMOKE, build_registry(REPO))
    got = {(s.task, s.model, s.emulator, s.scale) for s in plan.specs}
    assert ("char-lm", "gaincell-gpt", "gaincell", "smoke") in got
    assert ("attention-decode", "gaincell-attention", "gaincell", "paper-rtx4090") in got
    assert len(plan.specs) == 8
