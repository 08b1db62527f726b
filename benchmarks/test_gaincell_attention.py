"""The gain-cell emulator's attention against plain softmax attention of the same shape (P08).

Shapes: one GPT-2 attention layer (12 heads, head dimension 64). ``full``: a causal forward pass
over T = 256 tokens, batch 1 (training-style, T x T scores; 4 sub-arrays of 64); ``decode``: one
KV-cache decode step over a 1024-token window, batch 8. The softmax baseline is
``scaled_dot_product_attention``; the emulator runs the nonlinear cell model with quantisation,
leakage and sub-arrays in float32. Each test times the baseline and the emulator in the same
process and stores ``slowdown`` = emulator median / softmax median in ``extra_info`` (run with
``--benchmark-json`` to keep it). No timed assertions.
"""

from __future__ import annotations

import statistics
import time

import pytest
import torch
import torch.nn.functional as F

from implementations.emulators.gaincell import GainCellParams, gaincell_attention

H, D = 12, 64


def _params(window: int, cell: str) -> GainCellParams:
    one, zero = torch.ones(H), torch.zeros(H)
    return GainCellParams(one, zero, one, zero + 0.45, one, zero + 0.45, one, zero, window=window, cell=cell)


def _median(fn, n: int = 5) -> float:
    fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


@pytest.mark.parametrize("cell", ["linear", "nonlinear"])
def test_full_pass_t256(benchmark, cell):
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, H, 256, D) * 0.3 for _ in range(3))
    p = _params(256, cell)
    with torch.no_grad():
        base = _median(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
        out = benchmark.pedantic(lambda: gaincell_attention(q, k, v, p), rounds=5, iterations=1)
    assert torch.isfinite(out[0]).all()
    benchmark.extra_info["softmax_median_s"] = base
    benchmark.extra_info["slowdown"] = benchmark.stats["median"] / base


def test_decode_step_window_1024(benchmark):
    torch.manual_seed(0)
    k, v = (torch.randn(8, H, 1024, D) * 0.3 for _ in range(2))
    q = torch.randn(8, H, 1, D) * 0.3
    p = _params(1024, "nonlinear")
    with torch.no_grad():
        base = _median(lambda: F.scaled_dot_product_attention(q, k, v))
        out = benchmark.pedantic(lambda: gaincell_attention(q, k, v, p, q_offset=1023), rounds=5, iterations=1)
    assert out[0].shape == (8, H, 1, D)
    benchmark.extra_info["softmax_median_s"] = base
    benchmark.extra_info["slowdown"] = benchmark.stats["median"] / base
