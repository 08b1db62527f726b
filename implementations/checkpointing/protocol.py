"""The ``checkpointing`` protocol: run one strategy for real, validate the IPU model, and ask it for max T / N.

1. Inputs: seeded Bernoulli(``rho_in``) spikes [T, B, N], ``layers`` N→N LIF layers with weights
   N(0, ``weight_scale``²/N), a fixed random readout (card P05 §4 default task).
2. Plain BPTT (``none``) is run as the baseline in the same process: its gradient is the reference,
   s = its saved bytes / T is measured, and its wall time is the time baseline.
3. The model's strategy is run: gradient difference to plain BPTT, counted recomputed steps,
   measured local peak bytes (saved tensors + local checkpoints + restored buffer), remote peak
   and traffic; c = the mean bytes of its checkpoints (for ``none``, of one state snapshot).
4. The emulator's cost model (``implementations.emulators.ipu.predict``) with the *measured* s
   and c predicts the local peak, remote traffic and recomputation of the same run: the
   prediction error is recorded (card gate: within 10 %), and so is whether the recompute count
   equals the counted one.
5. With the ``ipu`` emulator: the largest T at ``ipu_n`` neurons and the largest N at ``ipu_T``
   steps for the strategy and for plain BPTT under M_L = 1472 × 624 KiB (ratios: claims P05-1,
   P05-2), the modelled time overhead (P05-3) for B_r ∈ ``bandwidths``, and the memory-vs-T
   curve of the figure.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import numpy as np

from suite.protocol import Measurements, ModelInfo, RunContext, Task

DEFAULTS: dict[str, Any] = {
    "n": 128,
    "T": 256,
    "batch": 2,
    "layers": 2,
    "rho_in": 0.05,
    "weight_scale": 30.0,
    "ipu_n": 1024,
    "ipu_T": 10000,
    "ipu_batch": 1,
    "ipu_curve_T": [1000, 3000, 10000, 30000, 100000, 300000, 1000000],
    "bandwidths": [10e9, 20e9, 50e9],
}
MODEL_KEYS = ("interval", "remote_interval", "local_interval", "leaf")


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    import torch

    from implementations.checkpointing.accounting import tensor_bytes
    from implementations.checkpointing.lif import LIFParams, flatten, network_step, zero_state
    from implementations.checkpointing.strategies import run_strategy
    from implementations.emulators import ipu

    p = {**DEFAULTS, **ctx.params}
    unknown = sorted(set(ctx.params) - set(DEFAULTS) - set(MODEL_KEYS))
    if unknown:
        raise ValueError(f"checkpointing: unknown param(s) {', '.join(unknown)}")
    factory = model.build()
    accepted = inspect.signature(factory).parameters
    strategy = factory(**{k: ctx.params[k] for k in MODEL_KEYS if k in ctx.params and k in accepted})
    ctx.seed_everything()
    n, T, batch, layers = int(p["n"]), int(p["T"]), int(p["batch"]), int(p["layers"])
    gen = torch.Generator().manual_seed(ctx.seed)
    x = (torch.rand(T, batch, n, generator=gen) < float(p["rho_in"])).float()
    weights = tuple(torch.randn(n, n, generator=gen) * float(p["weight_scale"]) / n**0.5 for _ in range(layers))
    readout = torch.randn(n, generator=gen)
    run_strategy("none", x[:4], weights, readout)  # warm-up: torch's first autograd call is slow

    start = time.perf_counter()
    base = run_strategy("none", x, weights, readout)
    base_s = time.perf_counter() - start
    start = time.perf_counter()
    res = run_strategy(strategy.name, x, weights, readout, **strategy.intervals)
    wall = time.perf_counter() - start

    with torch.no_grad():  # spike density of the layers, for the sparse part of s and c
        state, density = zero_state(batch, n, layers), []
        for t in range(T):
            state = network_step(x[t], state, weights, LIFParams())
            density.append(float(sum(lay.s.mean() for lay in state) / layers))
    rho = float(np.mean(density))
    s_meas = base.counters.saved_total_bytes / T
    sizes = res.counters.checkpoint_bytes or []
    if sizes:
        c_meas = float(np.mean(sizes))
    else:  # plain BPTT keeps no checkpoint: c is the size of one state snapshot
        c_meas = float(sum(tensor_bytes(v) if k % 3 == 2 else v.numel() * 4 for k, v in enumerate(flatten(state))))
    pred = ipu.predict(strategy.name, ipu.Workload(T, s_meas, c_meas), **strategy.intervals)

    out = Measurements()
    diffs = [float((a - b).abs().max()) for a, b in zip(res.grad_w, base.grad_w, strict=True)]
    scale = max(float(b.abs().max()) for b in base.grad_w)
    out.set("grad_max_abs_diff_vs_bptt", max(diffs))
    out.set("grad_max_rel_error_vs_bptt", max(diffs) / scale if scale > 0 else max(diffs))
    c = res.counters
    out.set("local_peak_bytes", c.local_peak_bytes)
    out.set("predicted_local_peak_bytes", pred.local_peak_bytes)
    out.set("peak_prediction_rel_error", abs(pred.local_peak_bytes - c.local_peak_bytes) / c.local_peak_bytes)
    out.set("remote_peak_bytes", c.remote_peak_bytes)
    out.set("predicted_remote_bytes", pred.remote_bytes)
    out.set("remote_traffic_bytes", c.remote_traffic_bytes)
    out.set("predicted_remote_traffic_bytes", pred.remote_traffic_bytes)
    out.set("recomputed_steps", c.recomputed_steps)
    out.set("predicted_recomputed_steps", pred.recomputed_steps)
    out.set("measured_time_overhead_ratio", wall / base_s)
    out.set("activation_sparsity", 1.0 - rho)
    out.set("saved_bytes_per_step", s_meas)
    out.set("checkpoint_bytes", c_meas)
    model_w = ipu.lif_workload(n, T, batch=batch, layers=layers, rho=rho, rho_in=float(p["rho_in"]))
    out.set("modelled_saved_bytes_per_step", model_w.s)
    out.set("modelled_checkpoint_bytes", model_w.c)
    out.artifacts.update(
        {"strategy": strategy.name, "intervals": strategy.intervals, "wall_seconds": wall, "baseline_wall_seconds": base_s,
         "memory_accounting": "saved_tensors_hooks byte counters (sparse spikes: int32 indices + count) + checkpoint stores",
         "loss": res.loss, "baseline_loss": base.loss}
    )  # fmt: skip
    if ctx.emulator == "ipu":
        _emulate(out, strategy, p, ipu)
    else:
        for name in ("max_sequence_length_ratio", "max_network_size_ratio", "time_overhead_ratio"):
            out.set(name, None, reason="needs the 'ipu' emulator")
    return out


def _emulate(out: Measurements, strategy: Any, p: dict[str, Any], ipu: Any) -> None:
    """The IPU questions: max T, max N, modelled overhead, memory-vs-T curve."""
    emu = ipu.IPU
    work_kw = {"batch": int(p["ipu_batch"]), "layers": int(p["layers"])}
    n_ipu, t_ipu = int(p["ipu_n"]), int(p["ipu_T"])
    t_cap = 2**34
    max_t = emu.max_sequence_length(strategy.name, n_ipu, cap=t_cap, **work_kw)
    max_t_plain = emu.max_sequence_length("none", n_ipu, cap=t_cap, **work_kw)
    max_n = emu.max_network_size(strategy.name, t_ipu, **work_kw)
    max_n_plain = emu.max_network_size("none", t_ipu, **work_kw)
    out.set("max_sequence_length", max_t, reason="does not fit at any T")
    out.set("max_sequence_length_ratio", max_t / max_t_plain if max_t_plain else None, reason="plain BPTT never fits")
    out.set("max_network_size", max_n, reason="does not fit at any N")
    out.set("max_network_size_ratio", max_n / max_n_plain if max_n_plain else None, reason="plain BPTT never fits")
    w = ipu.lif_workload(n_ipu, t_ipu, **work_kw)
    limits = emu._limits()
    best = ipu.best_config(strategy.name, w, **{**limits, "max_overhead": float("inf")})
    overheads = {}
    for b_r in p["bandwidths"]:
        cfg = ipu.best_config(strategy.name, w, **{**limits, "bandwidth": float(b_r), "max_overhead": float("inf")})
        overheads[f"{float(b_r):g}"] = cfg[1].time_overhead if cfg else None
    if best is None:
        out.set("time_overhead_ratio", None, reason=f"does not fit N={n_ipu}, T={t_ipu} in M_L")
    else:
        out.set("time_overhead_ratio", best[1].time_overhead)
    curve = []
    for T in p["ipu_curve_T"]:
        cfg = ipu.best_config(strategy.name, ipu.lif_workload(n_ipu, int(T), **work_kw),
                              **{**limits, "budget": float("inf"), "max_overhead": float("inf")})  # fmt: skip
        curve.append({"T": int(T), "local_peak_bytes": cfg[1].local_peak_bytes if cfg else None})
    out.artifacts.update(
        {"ipu": {"n": n_ipu, "T": t_ipu, "max_T": max_t, "max_T_plain": max_t_plain, "max_T_capped": max_t >= t_cap,
                 "max_N": max_n, "max_N_plain": max_n_plain, "best_config": best[0] if best else None,
                 "overhead_by_bandwidth": overheads, "local_budget_bytes": ipu.local_budget(),
                 "curve": curve, "cost_model": emu.cost_model, "constants": dict(emu.constants),
                 "constant_status": dict(emu.status)}}
    )  # fmt: skip
