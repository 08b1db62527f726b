"""The ``attention-decode`` protocol: one KV-cache decode step of one attention layer (card P08 §6c).

Setting of the paper's GPU measurements (claims P08-5, P08-6): one layer, 12 heads, head
dimension 64, a cache of 1024 tokens (the window), batch 64. A decode step is one new query per
sample attending over the cached keys and values; latency and energy are reported **per token per
sample** (step time / batch), as the paper's GPU figures are.

- ``softmax-attention``: the step is measured on this run's device (median of ``repeats`` after
  ``warmup``), ``torch.nn.functional.scaled_dot_product_attention`` over the cache.
- ``gaincell-attention`` (emulator ``gaincell``): the analog figures come from the emulator's cost
  model (65 ns per token; 6.15 nJ per head per token, 73.8 nJ for 12 heads). In the same run the
  softmax step above is measured on this device, so the ratios use a baseline from the same run;
  the emulator's own decode step (the gain-cell arithmetic in float32 on this device) is timed too
  and reported as ``emulation_slowdown_vs_softmax``.
- Scales ``paper-rtx4090`` / ``paper-jetson-nano`` compare the analog model with **the paper's
  published GPU measurements** (:data:`PUBLISHED`), labelled as theirs in the artifacts.

Energy on this device: a CPU in a shared VM exposes no power meter, so the measured device's
energy per token is an **estimate**, latency × ``assumed_watts`` (default 4.4 W: the TDP share of
one core of a 64-core, 280 W AMD EPYC; an assumption, not a measurement), recorded as
``energy_per_token_j_estimate`` with the assumption in the artifacts; ``energy_per_token_j``
of the measured device stays NaN with that reason.
"""

from __future__ import annotations

import platform
import statistics
import time
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.emulators.gaincell import GainCellParams, gaincell_attention
from suite.protocol import Measurements, ModelInfo, RunContext, Task

#: The paper's GPU measurements (repo measurement files; card P08 §5, claims P08-5/6): per token per sample.
PUBLISHED = {
    "rtx4090": {"device": "NVIDIA RTX 4090 (authors' measurement)", "latency_s": 22.37e-6, "energy_j": 7.18e-3},
    "jetson-nano": {"device": "NVIDIA Jetson Nano (authors' measurement)", "latency_s": 488.9e-6, "energy_j": 3.25e-3},
}
DEFAULTS: dict[str, Any] = {
    "n_head": 12,
    "head_dim": 64,
    "window": 1024,
    "batch": 64,
    "repeats": 20,
    "warmup": 3,
    "assumed_watts": 4.4,
    "emulation_batch": 8,  # the emulator's step is timed at this batch, against softmax at the same batch
    "reference": None,
}


class DecodeAttention(nn.Module):
    """One attention layer's decode step over a KV cache: ``step(q [B,H,1,D], k, v [B,H,W,D])``."""

    def __init__(self, kind: str, n_head: int = 12, head_dim: int = 64, window: int = 1024) -> None:
        super().__init__()
        if kind not in ("softmax", "gaincell"):
            raise ValueError(f"decode attention kind '{kind}' unknown; known: softmax, gaincell")
        self.kind, self.n_head, self.head_dim, self.window = kind, n_head, head_dim, window
        ones, zeros = torch.ones(n_head), torch.zeros(n_head)
        self.gc = GainCellParams(
            ones, zeros, ones, zeros + 0.45, ones, zeros + 0.45, ones, zeros, window=window, cell="nonlinear"
        )

    def step(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        if self.kind == "softmax":
            return F.scaled_dot_product_attention(q, k, v)
        return gaincell_attention(q, k, v, self.gc, q_offset=k.shape[-2] - 1)[0]


def build_softmax_decode(**kw: Any) -> DecodeAttention:
    return DecodeAttention("softmax", **kw)


def build_gaincell_decode(**kw: Any) -> DecodeAttention:
    return DecodeAttention("gaincell", **kw)


def time_step(layer: DecodeAttention, *, batch: int, repeats: int, warmup: int, device: str, seed: int) -> float:
    """Median seconds of one decode step (random q and cache, fixed seed), synchronised on CUDA."""
    g = torch.Generator().manual_seed(seed)
    shape = (batch, layer.n_head, layer.window, layer.head_dim)
    k, v = torch.rand(shape, generator=g), torch.rand(shape, generator=g)
    q = torch.rand((batch, layer.n_head, 1, layer.head_dim), generator=g)
    q, k, v = q.to(device), k.to(device), v.to(device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            sync()
            t0 = time.perf_counter()
            layer.step(q, k, v)
            sync()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
    return statistics.median(times)


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} (CPU, {torch.get_num_threads()} thread(s))"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} (CPU)"


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    ctx.seed_everything()
    p = {**DEFAULTS, **{k: ctx.params[k] for k in DEFAULTS if k in ctx.params}}
    m = Measurements()
    heads = int(p["n_head"])
    analog = model.name == "gaincell-attention"
    if analog:
        from suite.registry import build_registry

        if ctx.emulator != "gaincell":
            raise ValueError(f"model 'gaincell-attention' runs on emulator 'gaincell', not '{ctx.emulator}'")
        emu = build_registry().load("emulators", "gaincell")
        cost = emu.costs({"tokens": 1, "heads": heads, "layers": 1})
        m.set("latency_per_token_s", cost["latency_s"])
        m.set("energy_per_token_j", cost["energy_j"])
        m.set("energy_per_token_head_j", cost["energy_j"] / heads)
        m.artifacts["cost_model"] = emu.cost_model
    ref = p["reference"]
    if ref is not None:
        pub = PUBLISHED[str(ref)]
        m.artifacts["reference_device"] = pub["device"]
        m.artifacts["reference_source"] = "published by the paper's authors (repo measurement files), not measured here"
        if not analog:
            for k in ("latency_per_token_s", "energy_per_token_j"):
                m.set(k, None, reason=f"needs the authors' {pub['device']}; their figure is in the claims")
            return m
        m.set("latency_speedup_vs_gpu", pub["latency_s"] / m.metrics["latency_per_token_s"])
        m.set("energy_saving_vs_gpu", pub["energy_j"] / m.metrics["energy_per_token_j"])
        return m

    device = "cuda" if torch.cuda.is_available() and spec.resources.gpus > 0 else "cpu"
    kw = {"n_head": heads, "head_dim": int(p["head_dim"]), "window": int(p["window"])}
    batch = int(p["batch"])
    t_soft = time_step(
        build_softmax_decode(**kw),
        batch=batch,
        repeats=int(p["repeats"]),
        warmup=int(p["warmup"]),
        device=device,
        seed=ctx.seed,
    )
    name = device_name(device)
    m.artifacts["device"] = name
    m.artifacts["setting"] = f"1 layer, {heads} heads, d_h {kw['head_dim']}, window {kw['window']}, batch {batch}"
    lat_dev = t_soft / batch
    watts = float(p["assumed_watts"])
    m.artifacts["energy_assumption"] = f"{watts} W x latency (assumed power, not measured) on {name}"
    if not analog:
        m.set("latency_per_token_s", lat_dev)
        m.set("energy_per_token_j", None, reason=f"no power meter on {name}; see energy_per_token_j_estimate")
        m.set("energy_per_token_j_estimate", lat_dev * watts)
        m.set("step_seconds", t_soft)
        return m
    eb, reps = int(p["emulation_batch"]), max(3, int(p["repeats"]) // 4)
    t_emu = time_step(build_gaincell_decode(**kw), batch=eb, repeats=reps, warmup=1, device=device, seed=ctx.seed)
    t_soft_eb = time_step(build_softmax_decode(**kw), batch=eb, repeats=reps, warmup=1, device=device, seed=ctx.seed)
    m.set("device_latency_per_token_s", lat_dev)
    m.set("device_energy_per_token_j_estimate", lat_dev * watts)
    m.set("latency_speedup_vs_device", lat_dev / m.metrics["latency_per_token_s"])
    if device.startswith("cuda"):  # a GPU measured in this run (claim P08-1 compares with GPUs)
        m.set("latency_speedup_vs_gpu", lat_dev / m.metrics["latency_per_token_s"])
        m.set("energy_saving_vs_gpu", None, reason=f"GPU power was not measured on {name}")
    m.set("energy_saving_vs_device_estimate", lat_dev * watts / m.metrics["energy_per_token_j"])
    m.set("emulation_step_seconds", t_emu)
    m.set("emulation_slowdown_vs_softmax", t_emu / t_soft_eb)
    m.artifacts["emulation_batch"] = eb
    m.artifacts["published_reference"] = {
        k: {
            **v,
            "latency_speedup": v["latency_s"] / m.metrics["latency_per_token_s"],
            "energy_saving": v["energy_j"] / m.metrics["energy_per_token_j"],
        }
        for k, v in PUBLISHED.items()
    }
    return m
