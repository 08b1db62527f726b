"""The attention-decode protocol: analog cost model, published-GPU ratios, a measured decode step."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.gaincell_attention.decode import build_gaincell_decode, build_softmax_decode, run
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec

TASK = Task(name="attention-decode", protocol="attention-decode")
GC = ModelInfo(name="gaincell-attention", target="implementations.gaincell_attention.decode:build_gaincell_decode")
SM = ModelInfo(name="softmax-attention", target="implementations.gaincell_attention.decode:build_softmax_decode")


def _ctx(tmp_path, emulator="gaincell", **params):
    return RunContext(seed=0, params=params, data_root=tmp_path, scratch_parent=tmp_path, emulator=emulator)


@pytest.mark.parametrize(("ref", "speed", "energy"), [("rtx4090", 344.15, 97_290), ("jetson-nano", 7521.5, 44_038)])
def test_published_gpu_ratios(tmp_path, ref, speed, energy):
    m = run(TASK, GC, BenchmarkSpec(task="attention-decode", model=GC.name), _ctx(tmp_path, reference=ref))
    assert m.metrics["latency_per_token_s"] == pytest.approx(65e-9)
    assert m.metrics["energy_per_token_j"] == pytest.approx(73.8e-9)
    assert m.metrics["energy_per_token_head_j"] == pytest.approx(6.15e-9)
    assert m.metrics["latency_speedup_vs_gpu"] == pytest.approx(speed, rel=1e-3)
    assert m.metrics["energy_saving_vs_gpu"] == pytest.approx(energy, rel=1e-3)
    assert "not measured here" in m.artifacts["reference_source"]


def test_measured_decode_step_on_this_device(tmp_path):
    small = {"n_head": 2, "head_dim": 8, "window": 64, "batch": 4, "repeats": 3, "warmup": 1, "emulation_batch": 2}
    m = run(TASK, GC, BenchmarkSpec(task="attention-decode", model=GC.name), _ctx(tmp_path, **small))
    assert m.metrics["device_latency_per_token_s"] > 0
    lat = m.metrics["device_latency_per_token_s"]
    assert m.metrics["latency_speedup_vs_device"] == pytest.approx(lat / 65e-9)
    assert m.metrics["energy_saving_vs_device_estimate"] == pytest.approx(lat * 4.4 / (2 * 6.15e-9))
    assert m.metrics["emulation_slowdown_vs_softmax"] > 0 and "CPU" in m.artifacts["device"]
    s = run(TASK, SM, BenchmarkSpec(task="attention-decode", model=SM.name), _ctx(tmp_path, "ideal", **small))
    assert s.metrics["latency_per_token_s"] > 0 and math.isnan(s.metrics["energy_per_token_j"])
    assert "no power meter" in s.reasons["energy_per_token_j"]


def test_gaincell_attention_needs_the_gaincell_emulator(tmp_path):
    with pytest.raises(ValueError, match="emulator 'gaincell'"):
        run(TASK, GC, BenchmarkSpec(task="attention-decode", model=GC.name), _ctx(tmp_path, "ideal"))


def test_decode_layers_compute_attention():
    torch.manual_seed(0)
    q, k, v = torch.rand(2, 2, 1, 8), torch.rand(2, 2, 16, 8), torch.rand(2, 2, 16, 8)
    w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(8), -1)
    assert torch.allclose(build_softmax_decode(n_head=2, head_dim=8, window=16).step(q, k, v), w @ v, atol=1e-6)
    out = build_gaincell_decode(n_head=2, head_dim=8, window=16).step(q - 0.0, k - 0.45, v - 0.45)
    assert out.shape == (2, 2, 1, 8) and torch.isfinite(out).all()
