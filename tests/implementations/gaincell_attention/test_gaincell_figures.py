"""The P08 report figures: drawn from a results table, absent data draw nothing."""

from __future__ import annotations

import json

import pandas as pd

from implementations.gaincell_attention.figures import make_figures


def _row(model, emulator="ideal", task="char-lm", **metrics):
    return {"plan": "smoke", "task": task, "model": model, "emulator": emulator, "scale": "smoke", "seed": 0,
            "status": "ok", "artifacts": json.dumps(metrics.pop("artifacts", {})), **metrics}  # fmt: skip


def test_ladder_and_cost_figures_are_written(tmp_path):
    pub = {"rtx4090": {"latency_s": 22.37e-6, "energy_j": 7.18e-3}}
    df = pd.DataFrame(
        [
            _row("softmax-gpt", val_loss=2.5),
            _row("linear-gaincell-gpt", "gaincell", val_loss=2.6),
            _row("gaincell-gpt", "gaincell", val_loss=2.61, val_loss_no_adaptation=2.9, val_loss_adapted=2.65),
            _row("gaincell-attention", "gaincell", "attention-decode", latency_per_token_s=65e-9,
                 energy_per_token_j=73.8e-9, device_latency_per_token_s=1e-3, device_energy_per_token_j_estimate=4e-3,
                 artifacts={"device": "cpu", "setting": "s", "published_reference": pub}),
            _row("lif", task="shd", accuracy=0.5),
        ]
    )  # fmt: skip
    paths = make_figures(df, tmp_path)
    names = sorted(p.name for p in paths)
    assert names == ["p08-energy-latency.png", "p08-energy-latency.svg", "p08-ladder-smoke___smoke.png",
                     "p08-ladder-smoke___smoke.svg"]  # fmt: skip
    assert all(p.stat().st_size > 1000 for p in paths)


def test_no_p08_rows_no_figures(tmp_path):
    df = pd.DataFrame([_row("lif", task="shd", accuracy=0.5)])
    assert make_figures(df, tmp_path) == []
