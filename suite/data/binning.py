"""Spike events -> dense binned counts, the SHD/SSC input pipeline of card P01 §3.

The reference code (sparch, used by SiLIF) bins spike times with

    t_idx = np.digitize(times, np.linspace(0, max_time, nb_steps))

so with ``w = max_time / (nb_steps - 1)`` an event at time ``t`` in ``[(k-1)·w, k·w)`` lands in
bin ``k`` (1 ≤ k ≤ nb_steps-1), bin 0 only receives negative times (it is empty on real data), and
an event at ``t ≥ max_time`` gets index ``nb_steps``, one past the end (card P01 §7 pitfall).
Here such events are handled explicitly: ``out_of_range="clip"`` (default) counts them in the last
bin ``nb_steps - 1``, ``"drop"`` discards them. Channels are summed in groups of ``pool``
(700 units / 5 = 140 inputs), so counts can exceed 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OUT_OF_RANGE = ("clip", "drop")
_MAX_CHUNK_CELLS = 1 << 24  # bincount block: at most 16M cells (128 MB of int64) at a time


def time_bins(times: np.ndarray, *, nb_steps: int, max_time: float, out_of_range: str = "clip") -> np.ndarray:
    """Bin index per event, ``np.digitize(times, linspace(0, max_time, nb_steps))``.

    Events at ``t ≥ max_time`` (index ``nb_steps``) are clipped to ``nb_steps - 1`` or marked
    ``-1`` (to be dropped) according to ``out_of_range``.
    """
    if nb_steps < 2:
        raise ValueError(f"nb_steps must be >= 2, got {nb_steps}")
    if not max_time > 0:
        raise ValueError(f"max_time must be > 0, got {max_time}")
    if out_of_range not in OUT_OF_RANGE:
        raise ValueError(f"out_of_range must be one of {OUT_OF_RANGE}, got {out_of_range!r}")
    edges = np.linspace(0.0, float(max_time), num=int(nb_steps))
    idx = np.digitize(np.asarray(times, dtype=np.float64), edges)
    late = idx >= nb_steps
    idx[late] = nb_steps - 1 if out_of_range == "clip" else -1
    return idx


def n_pooled(n_units: int, pool: int) -> int:
    """Number of input channels after summing groups of ``pool`` units: ``ceil(n_units / pool)``."""
    if pool < 1:
        raise ValueError(f"pool must be >= 1, got {pool}")
    return -(-int(n_units) // int(pool))


def bin_events(
    times: np.ndarray,
    units: np.ndarray,
    *,
    nb_steps: int,
    max_time: float,
    n_units: int,
    pool: int = 1,
    out_of_range: str = "clip",
) -> np.ndarray:
    """One sample's events -> float32 counts ``[nb_steps, ceil(n_units / pool)]``."""
    return bin_event_batch(
        [times],
        [units],
        nb_steps=nb_steps,
        max_time=max_time,
        n_units=n_units,
        pool=pool,
        out_of_range=out_of_range,
    )[0]


def bin_event_batch(
    times: Sequence[np.ndarray],
    units: Sequence[np.ndarray],
    *,
    nb_steps: int,
    max_time: float,
    n_units: int,
    pool: int = 1,
    out_of_range: str = "clip",
) -> np.ndarray:
    """Many samples' events -> float32 counts ``[N, nb_steps, ceil(n_units / pool)]``.

    Vectorised: all events are concatenated, binned once, and counted with ``np.bincount`` over
    flat (sample, step, channel) indices in blocks of samples, so memory stays bounded.
    """
    if len(times) != len(units):
        raise ValueError(f"{len(times)} time arrays but {len(units)} unit arrays")
    n = len(times)
    n_ch = n_pooled(n_units, pool)
    out = np.zeros((n, int(nb_steps), n_ch), dtype=np.float32)
    if n == 0:
        return out
    lengths = np.fromiter((len(t) for t in times), dtype=np.int64, count=n)
    unit_lengths = np.fromiter((len(u) for u in units), dtype=np.int64, count=n)
    if not np.array_equal(lengths, unit_lengths):
        bad = int(np.flatnonzero(lengths != unit_lengths)[0])
        raise ValueError(f"sample {bad}: {lengths[bad]} times but {unit_lengths[bad]} units")
    all_t = np.concatenate([np.zeros(0)] + [np.asarray(t, dtype=np.float64).ravel() for t in times])
    all_u = np.concatenate([np.zeros(0, np.int64)] + [np.asarray(u, dtype=np.int64).ravel() for u in units])
    if all_u.size and (all_u.min() < 0 or all_u.max() >= n_units):
        raise ValueError(f"unit ids must lie in [0, {n_units}), got [{all_u.min()}, {all_u.max()}]")
    t_idx = time_bins(all_t, nb_steps=nb_steps, max_time=max_time, out_of_range=out_of_range)
    sample = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keep = t_idx >= 0
    sample, t_idx, ch = sample[keep], t_idx[keep], all_u[keep] // int(pool)

    cells = int(nb_steps) * n_ch
    block = max(1, _MAX_CHUNK_CELLS // cells)
    # events are grouped by sample (concatenation order), so each block is a contiguous slice
    bounds = np.searchsorted(sample, np.arange(0, n + block, block))
    for b, start in enumerate(range(0, n, block)):
        stop = min(start + block, n)
        lo, hi = bounds[b], bounds[b + 1]
        flat = ((sample[lo:hi] - start) * nb_steps + t_idx[lo:hi]) * n_ch + ch[lo:hi]
        counts = np.bincount(flat, minlength=(stop - start) * cells)
        out[start:stop] = counts.reshape(stop - start, nb_steps, n_ch)
    return out
