"""Every checkpointing strategy gives plain BPTT's gradient; counted recomputation and measured
memory equal the IPU cost model's predictions (card P05 §6 smoke gates)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.checkpointing.accounting import tensor_bytes
from implementations.checkpointing.lif import LIFParams, LIFState, lif_step, superspike
from implementations.checkpointing.strategies import run_strategy
from implementations.emulators.ipu import Workload, lif_workload, predict

T, B, N = 40, 2, 24
CASES = [
    ("local", {"interval": 6}),  # 40 = 6·6 + 4: a ragged last segment
    ("remote", {"interval": 7}),
    ("double", {"remote_interval": 16, "local_interval": 5}),
    ("recursive", {"leaf": 3}),
]


@pytest.fixture(scope="module")
def problem():
    torch.manual_seed(0)
    x = (torch.rand(T, B, N) < 0.1).float()
    weights = (torch.randn(N, N) * 30 / N**0.5, torch.randn(N, N) * 30 / N**0.5)
    return x, weights, torch.randn(N)


@pytest.fixture(scope="module")
def plain(problem):
    return run_strategy("none", *problem)


def test_lif_step_hand_computed():
    p = LIFParams()
    st = LIFState(u=torch.tensor([[1.5, 0.2]]), i=torch.tensor([[1.0, 2.0]]), s=torch.tensor([[1.0, 0.0]]))
    new = lif_step(torch.tensor([[1.0, 0.0]]), st, torch.tensor([[2.0, 0.0], [1.0, 1.0]]), p)
    u = [0.95 * (1.5 - 1.0) + 0.05 * 1.0, 0.95 * 0.2 + 0.05 * 2.0]
    torch.testing.assert_close(new.u, torch.tensor([u]))
    torch.testing.assert_close(new.i, torch.tensor([[0.9 * 1.0 + 0.1 * 2.0, 0.9 * 2.0 + 0.1 * 1.0]]))
    torch.testing.assert_close(new.s, torch.tensor([[0.0, 0.0]]))


def test_superspike_surrogate():
    x = torch.tensor([-0.2, 0.0, 0.3], requires_grad=True)
    y = superspike(x)
    torch.testing.assert_close(y, torch.tensor([0.0, 0.0, 1.0]))
    (g,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(g, 1 / (1 + 10 * x.detach().abs()) ** 2)


def test_sparse_spike_bytes():
    s = torch.zeros(2, 50)
    s[0, 3] = s[1, 7] = s[1, 9] = 1
    assert tensor_bytes(s) == 3 * 4 + 4  # int32 indices + a count
    assert tensor_bytes(torch.full((2, 50), 0.5)) == 2 * 50 * 4


def test_plain_bptt_matches_autograd_without_hooks(problem, plain):
    x, weights, readout = problem
    ws = [w.clone().requires_grad_(True) for w in weights]
    from implementations.checkpointing.lif import network_step, step_loss, zero_state

    state, loss = zero_state(B, N, 2), 0.0
    for t in range(T):
        state = network_step(x[t], state, tuple(ws), LIFParams())
        loss = loss + step_loss(state, readout)
    grads = torch.autograd.grad(loss, ws)
    assert float(loss.detach()) != 0  # the readout sees spikes
    for a, b in zip(plain.grad_w, grads, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)  # the accounting hooks change nothing


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[c[0] for c in CASES])
def test_strategy_gradient_equals_bptt(problem, plain, name, kw):
    res = run_strategy(name, *problem, **kw)
    assert res.loss == pytest.approx(plain.loss, rel=1e-6)
    for a, b in zip(res.grad_w, plain.grad_w, strict=True):
        assert float(b.abs().max()) > 1e-3
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5 * float(b.abs().max()))


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[c[0] for c in CASES])
def test_counted_recomputation_and_measured_peak_match_the_model(problem, plain, name, kw):
    res = run_strategy(name, *problem, **kw)
    s = plain.counters.saved_total_bytes / T
    c = float(np.mean(res.counters.checkpoint_bytes))
    pred = predict(name, Workload(T, s, c), **kw)
    assert res.counters.recomputed_steps == pred.recomputed_steps
    assert (
        abs(pred.local_peak_bytes - res.counters.local_peak_bytes) <= 0.02 * res.counters.local_peak_bytes
    )  # card: 10 %
    assert res.counters.remote_traffic_bytes == pytest.approx(pred.remote_traffic_bytes, rel=0.10)
    assert res.counters.local_peak_bytes < plain.counters.local_peak_bytes


def test_card_smoke_recompute_counts():
    """Card P05 §6: recompute exactly 0, T, T and ≈ 2T at T = 256."""
    w = Workload(256, 1.0, 1.0)
    assert [predict(k, w, **kw).recomputed_steps for k, kw in
            [("none", {}), ("local", {"interval": 16}), ("remote", {"interval": 16})]] == [0, 256, 256]  # fmt: skip
    double = predict("double", w, remote_interval=64, local_interval=8).recomputed_steps
    assert double == 2 * 256 - 256 // 8 == 480


def test_modelled_s_and_c_match_the_measured_ones(problem, plain):
    x, weights, readout = problem
    res = run_strategy("local", x, weights, readout, interval=8)
    with torch.no_grad():
        from implementations.checkpointing.lif import network_step, zero_state

        state, rho = zero_state(B, N, 2), []
        for t in range(T):
            state = network_step(x[t], state, weights, LIFParams())
            rho.append(float(state[0].s.mean()))
    model = lif_workload(N, T, batch=B, layers=2, rho=float(np.mean(rho)))
    assert model.s == pytest.approx(plain.counters.saved_total_bytes / T, rel=0.10)
    assert model.c == pytest.approx(float(np.mean(res.counters.checkpoint_bytes[1:])), rel=0.10)
