"""The ``throughput`` protocol: the Open Neuromorphic speed benchmark (card P09 §3, §6b; PEERS.md §1).

Network Linear(n→n) then one LIF layer, batch ``batch`` (16), ``steps`` T (500), n = ``n``;
loss = Σ outputs. Procedure, per record:

1. Conformance: a small case (n = 16, B = 2, T = 40, weights ×``check_weight_scale`` so that
   neurons spike) must reproduce the NumPy reference of its own neuron model (``reference.py``)
   spike for spike, up to ``max_mismatch`` (a fraction; float32 vs float64 sums can flip a
   spike sitting on the threshold). A larger mismatch raises: nothing is timed.
2. The first forward + backward (tracing, compilation, allocation) is timed alone:
   ``compile_seconds``; then ``warmup`` − 1 more untimed rounds.
3. ``repeats`` rounds, each: forward (synchronised) timed, then backward (synchronised) timed;
   the framework's dense matrix-product floor (``floor-jax`` or ``floor-torch``, same shapes) is
   timed in the same round when ``with_floor`` (default), so that the ratio to the floor is
   measured under the same machine load. Medians over rounds are reported.

Metrics: ``forward_seconds``, ``backward_seconds``, ``fwd_bwd_seconds`` (median of the per-round
sums), ``seconds_per_step`` (= fwd_bwd / T), ``fused_fwd_bwd_seconds`` (JAX ``value_and_grad`` in
one call; NaN for torch), ``compile_seconds``, ``floor_fwd_bwd_seconds`` and ``floor_ratio``,
``peak_memory_bytes`` (process RSS peak over the timed rounds; torch CUDA max allocated on a
GPU), ``conformance_mismatch`` and ``output_rate`` (spike rate of the timed case).
torch runs with ``ctx.threads`` threads; XLA's CPU backend uses the machine's cores.
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import numpy as np

from suite.protocol import Measurements, ModelInfo, RunContext, Task

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "n": 1024,
    "batch": 16,
    "steps": 500,
    "repeats": 5,
    "warmup": 2,
    "with_floor": True,
    "weight_scale": 1.0,
    "check_weight_scale": 8.0,
    "max_mismatch": 0.01,
}
CHECK_SHAPE = {"n": 16, "batch": 2, "steps": 40}
FLOOR = {"jax": "floor_jax", "torch": "floor_torch"}


def conformance(factory: Any, seed: int, weight_scale: float) -> tuple[float, float]:
    """(fraction of outputs off by > 1e-4, mean reference output) of a small case against its NumPy reference."""
    from implementations.snnax.throughput.implementations import CHECK_GAIN

    gain = CHECK_GAIN.get(getattr(factory, "__name__", ""), 1.0)
    case = factory(**CHECK_SHAPE, seed=seed, weight_scale=weight_scale * gain)
    w, xs = case.weight().astype(np.float64), case.inputs().astype(np.float64)
    want = case.reference(xs @ w.T)
    got = case.outputs()
    if got.shape != want.shape:
        raise ValueError(f"{case.name}: outputs {got.shape}, reference {want.shape}")
    return float(np.mean(np.abs(got - want) > 1e-4)), float(want.mean())


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Time ``model`` under the Open Neuromorphic protocol (module docstring)."""
    from implementations.snnax.throughput import implementations as impls
    from suite.metrics.memory import PeakMemory

    if ctx.emulator != "ideal":
        raise ValueError(f"the throughput protocol runs only the 'ideal' emulator, got '{ctx.emulator}'")
    unknown = sorted(set(ctx.params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown throughput param(s) {', '.join(unknown)}; known: {', '.join(sorted(DEFAULTS))}")
    p = {**DEFAULTS, **ctx.params}
    n, batch, steps, repeats, warmup = (int(p[k]) for k in ("n", "batch", "steps", "repeats", "warmup"))
    if min(n, batch, steps, repeats, warmup) < 1:
        raise ValueError(f"n, batch, steps, repeats and warmup must be >= 1: {p}")
    factory = model.build()
    framework = model.meta.get("framework", "")
    if framework == "torch":
        import torch

        torch.set_num_threads(ctx.threads)
    ctx.seed_everything()

    mismatch, check_rate = conformance(factory, ctx.seed, float(p["check_weight_scale"]))
    if mismatch > float(p["max_mismatch"]):
        raise ValueError(
            f"{model.name} disagrees with the NumPy reference of its neuron model on {mismatch:.2%} of the spikes "
            f"of the conformance case (max {float(p['max_mismatch']):.2%}); not timing a different computation"
        )
    case = factory(n=n, batch=batch, steps=steps, seed=ctx.seed, weight_scale=float(p["weight_scale"]))
    floor = None
    if p["with_floor"] and framework in FLOOR and not model.name.startswith("floor"):
        floor = getattr(impls, FLOOR[framework])(n=n, batch=batch, steps=steps, seed=ctx.seed)

    compile_seconds = _timed(lambda: (case.forward(), case.backward()))
    for _ in range(warmup - 1):
        case.forward()
        case.backward()
    if floor is not None:
        for _ in range(warmup):
            floor.forward()
            floor.backward()
    if case.fused is not None:
        case.fused()
    fwd, bwd, fused, floor_runs = [], [], [], []
    with PeakMemory() as mem:
        for r in range(repeats):
            fwd.append(_timed(case.forward))
            bwd.append(_timed(case.backward))
            if case.fused is not None:
                fused.append(_timed(case.fused))
            if floor is not None:
                floor_runs.append(_timed(floor.forward) + _timed(floor.backward))
            ctx.progress(r + 1, repeats)
    rate = float(np.mean(case.outputs()))

    out = Measurements()
    total = [f + b for f, b in zip(fwd, bwd, strict=True)]
    out.set("forward_seconds", statistics.median(fwd))
    out.set("backward_seconds", statistics.median(bwd))
    out.set("fwd_bwd_seconds", statistics.median(total))
    out.set("seconds_per_step", statistics.median(total) / steps)
    out.set(
        "fused_fwd_bwd_seconds",
        statistics.median(fused) if fused else None,
        reason=f"{framework} has no single forward+backward call (autograd runs them separately)",
    )
    out.set("compile_seconds", compile_seconds)
    if floor_runs:
        out.set("floor_fwd_bwd_seconds", statistics.median(floor_runs))
        out.set("floor_ratio", statistics.median(t / f for t, f in zip(total, floor_runs, strict=True)))
    else:
        why = "this is the floor itself" if model.name.startswith("floor") else f"no floor for framework '{framework}'"
        out.set("floor_fwd_bwd_seconds", None, reason=why)
        out.set("floor_ratio", None, reason=why)
    out.set("peak_memory_bytes", mem.cuda_peak_bytes if mem.cuda_peak_bytes else mem.peak_bytes)
    out.set("conformance_mismatch", mismatch)
    out.set("output_rate", rate)
    out.artifacts.update(
        {
            "n": n,
            "batch": batch,
            "steps": steps,
            "repeats": repeats,
            "framework": framework,
            "forward_runs": fwd,
            "backward_runs": bwd,
            "fused_runs": fused,
            "floor_runs": floor_runs,
            "conformance_reference_rate": check_rate,
            "peak_memory_method": "torch.cuda.max_memory_allocated" if mem.cuda_peak_bytes else mem.method,
            "threads": ctx.threads,
            "timing": "time.perf_counter around synchronised calls (block_until_ready / CUDA synchronize)",
            **case.info,
        }
    )
    return out
