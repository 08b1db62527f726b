"""The loihi2 emulator: quantisers and saturation at the edges, trace decay, sum-of-products rules,
float vs fixed-point CUBA agreement, and the cost model against hand-computed numbers."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.emulators import loihi2 as L


def test_widths_follow_lava_constants() -> None:
    assert (L.WEIGHT_MIN, L.WEIGHT_MAX) == (-256, 255)
    assert L.TRACE_MAX == 127
    assert (L.ACC_MIN, L.ACC_MAX) == (-32768, 32767)
    assert (L.GRADED_MIN, L.GRADED_MAX) == (-(2**23), 2**23 - 1)
    assert L.DECAY_UNITY == 4096


def test_weight_quantiser_edges_and_exponent() -> None:
    w = torch.tensor([0.0, 1.0, -1.0, 0.5, 255.4, 300.0, -256.6, -1000.0])
    m, e = L.quantize_weights(w, exponent=0)
    assert m.tolist() == [0, 1, -1, 1, 255, 255, -256, -256]  # 0.5 rounds away from zero; saturation
    m, e = L.quantize_weights(torch.tensor([0.9, -0.3]))
    assert e == math.ceil(math.log2(0.9 / 255))  # = -8
    assert torch.allclose(L.dequantize_weights(m, e), torch.tensor([0.9, -0.3]), atol=2.0**e / 2)


def test_lava_dl_quantize_8bit_grid_and_clamp() -> None:
    w = torch.tensor([0.0, 0.01, 0.016, 3.99, 5.0, -5.0], requires_grad=True)
    q = L.quantize_8bit(w, 64)
    # step 2/64 = 1/32; clamp [-256, 255]/64 = [-4, 3.984375]; the upper clamp is odd (255), as in lava-dl
    assert q.tolist() == pytest.approx([0.0, 0.0, 1 / 32, 4 - 1 / 64, 255 / 64, -4.0])
    q.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]  # straight-through inside, clamped outside


def test_trace_and_graded_spike_saturate() -> None:
    assert L.quantize_trace(torch.tensor([-3.0, 0.49, 0.5, 126.6, 500.0])).tolist() == [0, 0, 1, 127, 127]
    g = L.graded_spike(torch.tensor([2.0**23, -(2.0**23) - 5, 12.5]))
    assert g.tolist() == [2**23 - 1, -(2**23), 13]


def test_decay_truncates_toward_zero() -> None:
    x = torch.tensor([1000, -1000, 1, -1])
    # 1000·(4096−1024)/4096 = 750 exactly; 1·3072/4096 = 0.75 -> 0 (truncation), sign kept
    assert L.decay(x, 1024).tolist() == [750, -750, 0, 0]


def test_trace_decay_matches_closed_form_within_rounding_bound() -> None:
    d = L.decay_constant(0.1)  # 410: r = 3686/4096
    r = (4096 - d) / 4096
    x = torch.tensor([120])
    xs = [120]
    for _ in range(30):
        x = L.trace_step(x, torch.tensor([0]), impulse=0, d=d)
        xs.append(int(x))
    # hand computation of the first two steps: 120·3686/4096 = 107.99 -> 108; 108·3686/4096 = 97.19 -> 97
    assert xs[1:3] == [108, 97]
    bound = 0.5 / (1 - r)  # each step adds at most half an LSB, geometrically damped
    for t, v in enumerate(xs):
        assert abs(v - 120 * r**t) <= bound + 1e-9


def test_trace_impulse_saturates_at_7_bits() -> None:
    x = torch.tensor([100])
    x = L.trace_step(x, torch.tensor([1]), impulse=60, d=0)
    assert int(x) == 127


def test_sum_of_products_rule_against_hand_computation() -> None:
    # dw = 2^-2 · x1 · y1  −  3 · 2^0 · (y0 + 1) · w  (two terms, one with a constant)
    rule = [L.ProductTerm(1, -2, (("x1", 0), ("y1", 0))), L.ProductTerm(-3, 0, (("y0", 1), ("w", 0)))]
    x1 = torch.tensor([[10, 3]])
    y1 = torch.tensor([[7], [0]])
    y0 = torch.tensor([[1], [0]])
    w = torch.tensor([[2, -1], [5, 0]])
    acc, sat = L.rule_delta(rule, {"x1": x1, "y1": y1, "y0": y0, "w": w})
    # row 0: 70/4 = 17.5 -> 18 ; 21/4 = 5.25 -> 5 ; minus 3·2·w = [12, -6] -> [6, 11]
    # row 1: 0 ; 0 ; minus 3·1·w = [15, 0] -> [-15, 0]
    assert acc.tolist() == [[6, 11], [-15, 0]] and sat == 0
    new, wsat = L.apply_learning_epoch(w, acc)
    assert new.tolist() == [[8, 10], [-10, 0]] and wsat == 0


def test_rule_accumulator_and_weight_saturation() -> None:
    rule = [L.ProductTerm(7, 6, (("x1", 0), ("y1", 0)))]
    acc, sat = L.rule_delta(rule, {"x1": torch.tensor([127]), "y1": torch.tensor([127])})
    assert int(acc) == 32767 and sat == 1
    new, wsat = L.apply_learning_epoch(torch.tensor([250, -250]), torch.tensor([10, -10]))
    assert new.tolist() == [255, -256] and wsat == 2
    with pytest.raises(ValueError, match="mantissa"):
        L.ProductTerm(8, 0, (("x1", 0),))
    with pytest.raises(ValueError, match="unknown rule variable"):
        L.ProductTerm(1, 0, (("z9", 0),))


def test_float_and_fixed_cuba_agree_within_quantisation_error() -> None:
    """A 6->4 layer driven by spikes, subthreshold: the integer state tracks the float one within the
    accumulated truncation error (each decay loses < 1 LSB, damped by the decay)."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(4, 6, generator=g) * 0.5
    m, e = L.quantize_weights(w)
    scale = 2.0 ** (-e)  # integer units per float unit
    x = (torch.rand(40, 6, generator=g) < 0.3).to(torch.int64)
    cd, vd = 0.25, 0.1
    pf = L.CubaFloatParams(cd, vd, threshold=1e9)
    pq = L.CubaFixedParams(L.decay_constant(cd), L.decay_constant(vd), vth=10**9)
    sf = L.CubaFloatState(torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64))
    sq = L.CubaFixedState(torch.zeros(4, dtype=torch.int64), torch.zeros(4, dtype=torch.int64))
    wq = m.double() / scale  # the float model uses the same (quantised) weights
    ru, rv = 1 - cd, 1 - vd
    bound_u = 1 / (1 - ru)  # truncation loses < 1 LSB per step
    bound_v = (bound_u + 1) / (1 - rv)
    max_u = max_v = 0.0
    for t in range(40):
        _, sf = L.cuba_step_float(wq @ x[t].double(), sf, pf)
        _, sq = L.cuba_step_fixed(m @ x[t], sq, pq)
        max_u = max(max_u, float((sq.u.double() - sf.i * scale).abs().max()))
        max_v = max(max_v, float((sq.v.double() - sf.v * scale).abs().max()))
    assert max_u <= bound_u and max_v <= bound_v
    assert max_v > 0  # truncation really happened: the test is not comparing identical paths


def test_fixed_cuba_spikes_and_resets() -> None:
    p = L.CubaFixedParams(du=4096, dv=0, vth=10)  # du = unity: the current forgets every step
    s, st = L.cuba_step_fixed(torch.tensor([6]), L.CubaFixedState(torch.tensor([0]), torch.tensor([0])), p)
    assert s.tolist() == [0] and st.v.tolist() == [6]
    s, st = L.cuba_step_fixed(torch.tensor([6]), st, p)
    assert s.tolist() == [1] and st.v.tolist() == [0]


def test_cost_model_hand_computed() -> None:
    c = L.LOIHI2.costs({"synops": 1000, "neuron_updates": 100, "synaptic_updates": 10, "timesteps": 5})
    assert c["energy_j"] == pytest.approx(1000 * 23.6e-12 + 100 * 52e-12 + 10 * 120e-12)
    assert c["latency_s"] == pytest.approx(1000 * 3.5e-9 + 100 * 8.4e-9 + 10 * 6.1e-9 + 5 * 1e-6)
    assert L.LOIHI2.name == "loihi2" and L.LOIHI2.cost_model
