"""Graphcore IPU memory/time emulator for checkpointed BPTT (card P05 §3, reference cost model).

**Status.** The cost model is the card's *reconstruction* ([unverified: reconstruction]: the
paper's formulas were not read); the hardware constants are third-party figures
(:data:`CONSTANT_STATUS` gives each one's mark). Results from it are "reference cost model"
numbers, compared with the paper only as the ratio claims P05-1/P05-2 (card P05 §7).

**Memory** (card P05 §3 table; s = bytes per step the backward pass keeps, c = bytes per
checkpoint, both including sparse spikes stored as 4-byte indices plus a 4-byte count):

| strategy | local peak | remote | recomputed steps | remote traffic |
|---|---|---|---|---|
| none | T·s | 0 | 0 | 0 |
| local (C) | ⌈T/C⌉·c + C·s (exactly: max_k (k+1)·c + L_k·s over segments) | 0 | T | 0 |
| remote (C) | C·s + c (one restored buffer) | ⌈T/C⌉·c | T | 2·⌈T/C⌉·c |
| double (C1, C2) | ⌈C1/C2⌉·c + C2·s (exactly: the local formula inside each C1 segment) | ⌈T/C1⌉·c | Σ_segments (2L − L_last) ≈ 2T | 2·⌈T/C1⌉·c |
| recursive (leaf) | c + peak(T), peak(L) = max(c + peak(⌈L/2⌉), peak(⌊L/2⌋)), peak(L ≤ leaf) = L·s | 0 | R(L) = ⌊L/2⌋ + R(⌈L/2⌉) + R(⌊L/2⌋), R(L ≤ leaf) = L | 0 |

The recompute counts are exact for the schedules of ``implementations.checkpointing.strategies``
(the tests check them against counted steps). Resident bytes (weights) count against the local
budget M_L = tiles × tile SRAM.

**Time**: T·(F + G) + recomputed·F + traffic / B_r (transfers not overlapped with compute; B_r
always reported with the time). F = synaptic + state operations of one step / (tiles × clock ×
``ops_per_cycle``), G = ``backward_factor``·F: both suite choices, unverified.

**Largest T / N**: the largest sequence length (network size) for which some interval choice
of the strategy fits local memory and remote capacity and keeps the modelled time overhead over
plain BPTT's compute T·(F + G) within ``max_time_overhead`` (the paper's "marginal" overhead is
unquantified: 2.0 is a suite choice, swept in the figure data).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from suite.emulator import Emulator

KIB = 1024
#: Graphcore Colossus Mk2 GC200 (card P05 §3 "Hardware constants").
CONSTANTS: dict[str, float] = {
    "tiles": 1472,
    "tile_sram_bytes": 624 * KIB,
    "threads_per_tile": 6,
    "sram_bandwidth_bytes_per_s": 47.5e12,
    "exchange_bandwidth_bytes_per_s": 8e12,
    "ipu_links_bytes_per_s": 320e9,
    "pcie_bytes_per_s": 64e9,
    "streaming_memory_bytes": 448e9 / 4,
    "remote_bandwidth_bytes_per_s": 20e9,
    "clock_hz": 1.33e9,
    "ops_per_cycle": 1.0,
    "backward_factor": 2.0,
    "max_time_overhead": 2.0,
}
CONSTANT_STATUS: dict[str, str] = {
    "tiles": "unverified: third-party",
    "tile_sram_bytes": "unverified: third-party (624 KiB x 1472 = 897 MiB derived)",
    "threads_per_tile": "unverified: third-party",
    "sram_bandwidth_bytes_per_s": "unverified: third-party",
    "exchange_bandwidth_bytes_per_s": "unverified: third-party",
    "ipu_links_bytes_per_s": "unverified: third-party",
    "pcie_bytes_per_s": "unverified: third-party",
    "streaming_memory_bytes": "unverified: third-party (448 GB per IPU-M2000 of 4 IPUs, per IPU derived)",
    "remote_bandwidth_bytes_per_s": "unverified: '~20 GB/s often quoted'; a parameter B_r, sweep it",
    "clock_hz": "unverified: third-party",
    "ops_per_cycle": "suite choice (one synaptic/state op per tile per cycle)",
    "backward_factor": "suite choice (G = 2F)",
    "max_time_overhead": "suite choice ('marginal' is not quantified by the paper)",
}
STRATEGIES = ("none", "local", "recursive", "remote", "double")


class Workload(NamedTuple):
    """What the model needs of a network: T, s, c, resident bytes and step times F, G."""

    T: int
    s: float  # bytes kept per step for the backward pass
    c: float  # bytes per checkpoint
    resident: float = 0.0  # weights etc., always local
    F: float = 0.0  # seconds per forward step
    G: float = 0.0  # seconds per backward step


class Prediction(NamedTuple):
    strategy: str
    local_peak_bytes: float
    remote_bytes: float
    remote_traffic_bytes: float
    recomputed_steps: int
    time_s: float
    time_overhead: float  # time_s / (T·(F + G)); NaN when F + G = 0


@cache
def recursive_recompute(length: int, leaf: int) -> int:
    """R(L): steps recomputed by recursive halving of a segment of L steps."""
    if length <= leaf:
        return length
    half = length // 2
    return half + recursive_recompute(length - half, leaf) + recursive_recompute(half, leaf)


@cache
def _recursive_peak(length: int, leaf: int, s: float, c: float) -> float:
    if length <= leaf:
        return length * s
    half = length // 2
    return max(c + _recursive_peak(length - half, leaf, s, c), _recursive_peak(half, leaf, s, c))


def _segments(T: int, C: int) -> list[int]:
    """Lengths of the consecutive segments [0, C), [C, 2C), ... of T steps (the last may be shorter)."""
    return [min(C, T - t0) for t0 in range(0, T, C)]


def _chain_peak(T: int, C: int, s: float, c: float) -> float:
    """Local peak of uniform checkpointing: while segment k is back-propagated, checkpoints 0..k are
    live and its L_k steps are kept: max_k ((k + 1)·c + L_k·s); ⌈T/C⌉·c + C·s when C divides T."""
    return max((k + 1) * c + length * s for k, length in enumerate(_segments(T, C)))


def double_recompute(T: int, c1: int, c2: int) -> int:
    """Σ over C1 segments of (re-forward to place local checkpoints) + (recompute with graph)."""
    total = 0
    for t0 in range(0, T, c1):
        length = min(c1, T - t0)
        last = length - (math.ceil(length / c2) - 1) * c2
        total += (length - last) + length
    return total


def predict(strategy: str, w: Workload, *, bandwidth: float | None = None, **intervals: int) -> Prediction:
    """Memory, traffic, recomputation and time of ``strategy`` on ``w`` (see the module table)."""
    T, s, c = w.T, w.s, w.c
    b_r = CONSTANTS["remote_bandwidth_bytes_per_s"] if bandwidth is None else bandwidth
    remote = traffic = 0.0
    if strategy == "none":
        local, rec = T * s, 0
    elif strategy == "local":
        C = int(intervals["interval"])
        local, rec = _chain_peak(T, C, s, c), T
    elif strategy == "remote":
        C = int(intervals["interval"])
        local, rec = C * s + c, T
        remote = math.ceil(T / C) * c
        traffic = 2 * remote
    elif strategy == "double":
        c1, c2 = int(intervals["remote_interval"]), int(intervals["local_interval"])
        local = max(_chain_peak(length, c2, s, c) for length in _segments(T, c1))
        remote = math.ceil(T / c1) * c
        traffic, rec = 2 * remote, double_recompute(T, c1, c2)
    elif strategy == "recursive":
        leaf = int(intervals.get("leaf", 1))
        local, rec = c + _recursive_peak(T, leaf, s, c), recursive_recompute(T, leaf)
    else:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    compute = T * (w.F + w.G)
    time_s = compute + rec * w.F + traffic / b_r
    overhead = time_s / compute if compute > 0 else float("nan")
    return Prediction(strategy, local + w.resident, remote, traffic, rec, time_s, overhead)


def lif_workload(
    n: int,
    T: int,
    *,
    batch: int = 1,
    layers: int = 2,
    rho: float = 0.05,
    rho_in: float = 0.05,
    weight_density: float = 1.0,
    index_bytes: int = 4,
    constants: Mapping[str, float] = CONSTANTS,
) -> Workload:
    """The reference LIF chain of ``implementations.checkpointing.lif`` on an IPU.

    Per step the backward pass keeps, per layer, one dense value per neuron (the surrogate's
    input u − θ) and, for every layer after the first, the input spikes as indices (density
    ``rho``) plus a count; a checkpoint holds (u, i) dense and s_{t−1} sparse per layer. Weights
    (N×N per layer, dense fraction ``weight_density``) are resident. F counts synaptic events
    (ρ_in·N² for layer 1, ρ·N² after) and 10 state operations per neuron.
    """
    sparse = lambda density: density * batch * n * index_bytes + 4  # noqa: E731
    s = layers * batch * n * 4 + (layers - 1) * sparse(rho)
    c = layers * (2 * batch * n * 4 + sparse(rho))
    resident = layers * n * n * 4 * weight_density
    ops = batch * (rho_in * n * n + (layers - 1) * rho * n * n + 10 * layers * n) * weight_density
    F = ops / (constants["tiles"] * constants["clock_hz"] * constants["ops_per_cycle"])
    return Workload(T, s, c, resident, F, constants["backward_factor"] * F)


def local_budget(constants: Mapping[str, float] = CONSTANTS, tiles: int | None = None) -> float:
    """M_L = tiles × tile SRAM."""
    return (tiles or constants["tiles"]) * constants["tile_sram_bytes"]


def best_config(
    strategy: str, w: Workload, *, budget: float, remote_capacity: float, max_overhead: float, bandwidth: float
) -> tuple[dict[str, int], Prediction] | None:
    """The fitting interval choice of ``strategy`` with the least modelled time, or None."""
    T = w.T
    candidates: list[dict[str, int]]
    if strategy == "none":
        candidates = [{}]
    elif strategy in ("local", "remote"):
        c_opt = max(1, round(math.sqrt(T * w.c / w.s)))
        if strategy == "remote" and math.isfinite(budget):
            c_opt = max(1, int((budget - w.resident - w.c) // w.s))
        candidates = [{"interval": C} for C in sorted({max(1, min(T, int(c_opt * f))) for f in (0.25, 0.5, 1, 2, 4)})]
    elif strategy == "double":
        if not math.isfinite(budget):
            c1_max = T
        elif budget > w.resident:
            c1_max = max(1, min(T, int((budget - w.resident) ** 2 // (4 * w.c * w.s))))
        else:
            c1_max = 1
        candidates = []
        for c1 in sorted({max(1, int(c1_max / f)) for f in (1, 2, 4, 16, 64)}):
            c2 = max(1, round(math.sqrt(c1 * w.c / w.s)))
            candidates.append({"remote_interval": c1, "local_interval": min(c2, c1)})
    elif strategy == "recursive":
        candidates = [{"leaf": max(1, T >> k)} for k in range(0, 40) if (T >> k) >= 1]
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    best = None
    for kw in candidates:
        p = predict(strategy, w, bandwidth=bandwidth, **kw)
        ok = p.local_peak_bytes <= budget and p.remote_bytes <= remote_capacity
        ok = ok and (math.isnan(p.time_overhead) or p.time_overhead <= max_overhead)
        if ok and (best is None or p.time_s < best[1].time_s):
            best = (kw, p)
    return best


def largest(fits: Callable[[int], bool], start: int = 1, cap: int = 2**40) -> int:
    """The largest integer x in [start, cap] with ``fits(x)``, 0 when none fits.

    ``fits`` is monotone decreasing above its first fitting power of two (remote strategies do
    not fit very short sequences, whose traffic is not amortised): that one is found first.
    """
    while start <= cap and not fits(start):
        start *= 2
    if start > cap:
        return 0
    lo, hi = start, start * 2
    while hi <= cap and fits(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, cap + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class IPUEmulator(Emulator):
    """The ``ipu`` emulator: :func:`predict` plus largest-T / largest-N searches under M_L."""

    status: Mapping[str, str] = field(default_factory=dict)

    def fits(self, strategy: str, w: Workload, **kw: Any) -> bool:
        return best_config(strategy, w, **self._limits(**kw)) is not None

    def _limits(self, *, tiles: int | None = None, bandwidth: float | None = None, max_overhead: float | None = None):
        k = self.constants
        return {
            "budget": local_budget(k, tiles),
            "remote_capacity": k["streaming_memory_bytes"],
            "max_overhead": k["max_time_overhead"] if max_overhead is None else max_overhead,
            "bandwidth": k["remote_bandwidth_bytes_per_s"] if bandwidth is None else bandwidth,
        }

    def max_sequence_length(self, strategy: str, n: int, *, cap: int = 2**34, **kw: Any) -> int:
        """Largest T for which ``strategy`` fits with ``n`` neurons per layer (``lif_workload`` kw in kw)."""
        limits, work = self._split(kw)
        return largest(lambda T: self.fits(strategy, lif_workload(n, T, **work), **limits), 1, cap)

    def max_network_size(self, strategy: str, T: int, *, cap: int = 2**22, **kw: Any) -> int:
        """Largest N (neurons per layer) for which ``strategy`` fits a sequence of T steps."""
        limits, work = self._split(kw)
        return largest(lambda n: self.fits(strategy, lif_workload(n, T, **work), **limits), 1, cap)

    @staticmethod
    def _split(kw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        limit_keys = {"tiles", "bandwidth", "max_overhead"}
        return {k: v for k, v in kw.items() if k in limit_keys}, {k: v for k, v in kw.items() if k not in limit_keys}

    def costs(self, counts: Mapping[str, float]) -> dict[str, float]:
        """Modelled time from counted ``forward_steps``, ``backward_steps``, ``remote_traffic_bytes`` and ``F``."""
        F = float(counts.get("F", 0.0))
        t = (counts.get("forward_steps", 0) + self.constants["backward_factor"] * counts.get("backward_steps", 0)) * F
        return {
            "latency_per_sample_s": t
            + counts.get("remote_traffic_bytes", 0) / self.constants["remote_bandwidth_bytes_per_s"]
        }


IPU = IPUEmulator(
    name="ipu",
    description="Graphcore Colossus Mk2 GC200: 1472 tiles x 624 KiB SRAM, streaming memory at B_r (card P05)",
    cost_model="P05 reference checkpointing cost model (card P05 §3, unverified reconstruction)",
    constants=dict(CONSTANTS),
    status=dict(CONSTANT_STATUS),
)
