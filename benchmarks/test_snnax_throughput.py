"""P09 speed goals (issue 6) as pytest-benchmark figures, never as timed assertions.

The Open Neuromorphic step (Linear(n->n) + LIF, loss = Σ outputs) at a small CPU size
(n = 512, B = 16, T = 100), forward + backward, for our JAX engine, the JAX dense matrix-product
floor and, where installed, Spyx (the fastest peer on CPU). Goals at n >= 1024 on CPU: our engine
<= 0.8x the fastest peer and <= 1.2x the floor; read them as ratios between these figures taken in
the same session (``--benchmark-compare`` across machines means nothing). The full sweep is
``plans/p09-speed.yaml``.
"""

from __future__ import annotations

import pytest

from implementations.snnax.throughput import implementations as impls

SHAPE = {"n": 512, "batch": 16, "steps": 100, "seed": 0}


def _fwd_bwd(case):
    def once():
        case.forward()
        case.backward()

    once()  # compile and warm up outside the timing
    return once


def test_snnax_jax_fwd_bwd(benchmark):
    benchmark.pedantic(_fwd_bwd(impls.snnax_jax(**SHAPE)), rounds=7, warmup_rounds=1)


def test_snnax_floor_jax_fwd_bwd(benchmark):
    benchmark.pedantic(_fwd_bwd(impls.floor_jax(**SHAPE)), rounds=7, warmup_rounds=1)


def test_snnax_spyx_fwd_bwd(benchmark):
    pytest.importorskip("spyx")
    benchmark.pedantic(_fwd_bwd(impls.spyx(**SHAPE)), rounds=7, warmup_rounds=1)


def test_snnax_torch_fwd_bwd(benchmark):
    benchmark.pedantic(_fwd_bwd(impls.snnax_torch(**SHAPE)), rounds=7, warmup_rounds=1)
