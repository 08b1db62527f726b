"""The IPU emulator: constants with their marks, the cost model by hand, and the paper's ratio claims."""

from __future__ import annotations

import math

import pytest

from implementations.emulators.ipu import (
    CONSTANT_STATUS,
    CONSTANTS,
    IPU,
    STRATEGIES,
    Workload,
    largest,
    lif_workload,
    local_budget,
    predict,
    recursive_recompute,
)


def test_constants_and_their_status_marks():
    assert CONSTANTS["tiles"] == 1472 and CONSTANTS["tile_sram_bytes"] == 624 * 1024
    assert local_budget() == 1472 * 624 * 1024 == 940_572_672  # 897 MiB
    assert set(CONSTANT_STATUS) == set(CONSTANTS)
    assert all(v.startswith(("unverified", "suite choice")) for v in CONSTANT_STATUS.values())
    assert IPU.name == "ipu" and "unverified" in IPU.cost_model


def test_cost_model_by_hand():
    w = Workload(T=100, s=10.0, c=40.0, resident=5.0, F=1e-6, G=2e-6)
    p = predict("local", w, interval=10)
    assert p.local_peak_bytes == 10 * 40 + 10 * 10 + 5
    assert p.recomputed_steps == 100
    r = predict("remote", w, interval=20, bandwidth=1e6)
    assert (r.local_peak_bytes, r.remote_bytes, r.remote_traffic_bytes) == (20 * 10 + 40 + 5, 5 * 40, 2 * 5 * 40)
    assert r.time_s == pytest.approx(100 * 3e-6 + 100 * 1e-6 + 400 / 1e6)
    d = predict("double", w, remote_interval=50, local_interval=10)
    assert d.local_peak_bytes == 5 * 40 + 10 * 10 + 5 and d.remote_bytes == 2 * 40
    assert d.recomputed_steps == 2 * (40 + 50)
    assert predict("none", w).local_peak_bytes == 100 * 10 + 5


def test_recursive_recompute_recurrence():
    assert recursive_recompute(8, 8) == 8
    assert recursive_recompute(256, 8) == 896  # 128 + 2·R(128), ... = T·log2(T/leaf)·1/2 + T
    assert recursive_recompute(256, 1) == 256 * 8 // 2 + 256


def test_sparse_activity_enters_the_memory_model():
    dense, sparse = lif_workload(1024, 100, rho=0.2), lif_workload(1024, 100, rho=0.01)
    assert dense.s - sparse.s == pytest.approx(0.19 * 1024 * 4)
    assert dense.c - sparse.c == pytest.approx(2 * 0.19 * 1024 * 4)


def test_largest_search():
    assert largest(lambda x: x <= 1000) == 1000
    assert largest(lambda x: 64 <= x <= 5000) == 5000  # remote strategies do not fit tiny T
    assert largest(lambda x: False, cap=1024) == 0


def test_plain_bptt_max_T_is_the_budget_over_s():
    n = 1024
    t_max = IPU.max_sequence_length("none", n, batch=1, layers=2)
    w = lif_workload(n, t_max, batch=1, layers=2)
    assert t_max == math.floor((local_budget() - w.resident) / w.s)


def test_double_checkpointing_reproduces_the_10x_sequence_claim():
    """Claim P05-1: > 10x longer sequences than plain BPTT under the same local memory."""
    plain = IPU.max_sequence_length("none", 1024, batch=1, layers=2)
    double = IPU.max_sequence_length("double", 1024, batch=1, layers=2, cap=2**30)
    assert double / plain > 10


def test_network_size_ratio_grows_with_T():
    """Claim P05-2 (4x N) holds in the reference model only for long sequences: the ratio is reported per T."""
    ratios = [IPU.max_network_size("double", T) / IPU.max_network_size("none", T) for T in (1000, 10_000, 100_000)]
    assert ratios[0] < ratios[1] < ratios[2]
    assert ratios[2] > 4


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_fits_less_than_the_budget(strategy):
    assert IPU.max_network_size(strategy, 10_000) > 0


def test_costs_turn_counts_into_modelled_latency():
    out = IPU.costs({"forward_steps": 300, "backward_steps": 100, "remote_traffic_bytes": 2e6, "F": 1e-6})
    b_r = CONSTANTS["remote_bandwidth_bytes_per_s"]
    assert out["latency_per_sample_s"] == pytest.approx((300 + 2 * 100) * 1e-6 + 2e6 / b_r)
