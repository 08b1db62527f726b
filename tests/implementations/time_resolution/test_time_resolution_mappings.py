"""P06 mappings: the ZOH mapping is exact for a linear system, the baseline is not; the network adapter."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.linalg
import torch

from implementations.baselines.sparch import build_adlif
from implementations.silif.models import build_silif
from implementations.time_resolution.adapted import adapt_network
from implementations.time_resolution.mappings import adapt, adlif_ssm, fractional_power, leaky_ssm
from implementations.time_resolution.protocol import ratio_name, target_steps
from suite.data.binning import bin_events

# a trained-looking adLIF neuron at Δ_s: α = 0.9, β = 0.98, a = 0.5 (eigenvalues of Ā complex, |λ| < 1)
ALPHA, BETA, A, B = (np.array([v]) for v in (0.9, 0.98, 0.5, 1.0))
DELTA_S = 0.02


def _continuous(src):
    """(A_c, B_c) of which (Ā_s, B̄_s) is the exact ZOH discretisation at Δ_s (scipy logm, independent)."""
    a_c = scipy.linalg.logm(src.a[0]).real / DELTA_S
    b_c = np.linalg.solve(src.a[0] - np.eye(2), a_c @ src.b[0])
    return a_c, b_c


def _simulate(a, b, inputs, h0):
    h, out = h0.copy(), []
    for i_t in inputs:
        h = a @ h + b * i_t
        out.append(h.copy())
    return np.array(out)


@pytest.mark.parametrize("k", [2.0, 4.0, 0.5])
def test_zoh_reproduces_the_continuous_time_response_and_tau_scaling_does_not(k):
    src = adlif_ssm(ALPHA, BETA, A, B)
    a_c, b_c = _continuous(src)
    dt = DELTA_S / k
    rng = np.random.default_rng(0)
    n = int(60 * max(k, 1))
    inputs = rng.normal(size=n) * 2 + 1  # piecewise-constant input on the target grid
    h0 = np.array([0.3, -0.2])
    # exact continuous-time solution sampled on the target grid: h(t+dt) = e^{A dt} h + A^{-1}(e^{A dt} − I) B u
    e = scipy.linalg.expm(a_c * dt)
    exact = _simulate(e, np.linalg.solve(a_c, (e - np.eye(2)) @ b_c), inputs, h0)
    zoh = adapt(src, "zoh", k)
    got = _simulate(zoh.a[0], zoh.b_const[0], inputs, h0)  # b_const: the ZOH gain of a held input
    assert np.max(np.abs(got - exact)) < 1e-5
    assert np.allclose(zoh.b_count[0], k * zoh.b_const[0])  # counts read as rates
    free_exact = _simulate(e, np.zeros(2), np.zeros(n), h0)  # impulse (free) response
    assert np.max(np.abs(_simulate(zoh.a[0], np.zeros(2), np.zeros(n), h0) - free_exact)) < 1e-6
    decays = (ALPHA, BETA, A, B)
    tau = adapt(src, "tau", k, decays=decays)
    gap_tau = np.max(np.abs(_simulate(tau.a[0], tau.b_const[0], inputs, h0) - exact))
    assert gap_tau > 1e-2  # the baseline is not ZOH-consistent for the coupled 2x2 system
    euler = adapt(src, "euler", k)
    assert np.max(np.abs(_simulate(euler.a[0], np.zeros(2), np.zeros(n), h0) - free_exact)) > 1e-4


def test_lif_zoh_equals_tau_scaling_exactly():
    # card P06 §3 observation: for a leaky integrator in the (1 − α) gain form M2 = M1
    alpha = np.array([0.5, 0.8, 0.95])
    src = leaky_ssm(alpha)
    for k in (2.0, 4.0, 0.5):
        zoh, tau = adapt(src, "zoh", k), adapt(src, "tau", k, decays=(alpha,))
        assert np.allclose(zoh.a, tau.a, atol=1e-14) and np.allclose(zoh.b_const, tau.b_const, atol=1e-14)
        euler = adapt(src, "euler", k)
        assert np.allclose(euler.a[:, 0, 0], 1 + (alpha - 1) / k)
        assert np.allclose(euler.b_const[:, 0], (1 - alpha) / k) and np.allclose(euler.b_count, src.b)


def test_ssm_form_and_method_table():
    src = adlif_ssm(ALPHA, BETA, A, B)
    # Ā = [[α − (1−α)a, −(1−α)β], [a, β]], B̄ = (1−α, 0), S̄ = (−α − (1−α)b, b), by hand
    assert np.allclose(src.a[0], [[0.9 - 0.05, -0.098], [0.5, 0.98]])
    assert np.allclose(src.b[0], [0.1, 0.0]) and np.allclose(src.s[0], [-1.0, 1.0])
    none = adapt(src, "none", 2.0)
    assert np.array_equal(none.a, src.a) and np.array_equal(none.b_count, src.b)
    imp = adapt(src, "impulse", 2.0)
    assert np.array_equal(imp.b_count, src.b) and np.allclose(imp.a, adapt(src, "zoh", 2.0).a)
    assert np.allclose(imp.a[0] @ imp.a[0], src.a[0], atol=1e-12)  # principal square root
    for m in ("none", "tau", "zoh", "euler", "impulse"):
        assert np.array_equal(adapt(src, m, 2.0, decays=(ALPHA, BETA, A, B)).s, src.s)  # reset per event
    with pytest.raises(ValueError, match="unknown method"):
        adapt(src, "bilinear", 2.0)


def test_negative_real_eigenvalue_falls_back_to_euler(caplog):
    src = adlif_ssm(np.array([0.1]), np.array([0.5]), np.array([1.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="negative real axis"):
        fractional_power(np.array([[[-0.5, 0.0], [0.0, 0.3]]]), 0.5)
    bad = src._replace(a=np.array([[[-0.5, 0.0], [0.0, 0.3]]]))
    with caplog.at_level(logging.WARNING):
        out = adapt(bad, "zoh", 2.0)
    assert "falling back" in caplog.text
    assert np.allclose(out.a, adapt(bad, "euler", 2.0).a)


def test_target_steps_nest_the_bins():
    assert target_steps(51, 2.0) == 101 and target_steps(51, 4.0) == 201 and target_steps(51, 0.5) == 26
    with pytest.raises(ValueError, match="does not nest"):
        target_steps(50, 0.5)
    assert ratio_name(0.5) == "0p5" and ratio_name(2.0) == "2"
    rng = np.random.default_rng(1)
    t, u = np.sort(rng.random(500)), rng.integers(0, 700, 500)
    coarse = bin_events(t, u, nb_steps=51, max_time=1.0, n_units=700, pool=5, out_of_range="drop")
    fine = bin_events(t, u, nb_steps=101, max_time=1.0, n_units=700, pool=5, out_of_range="drop")
    # source bin j ≥ 1 is the union of target bins 2j − 1 and 2j (np.digitize edges from t = 0)
    assert np.array_equal(coarse[1:], fine[1::2] + fine[2::2])


@pytest.mark.parametrize("build", [build_adlif, build_silif])
def test_adapted_network_with_no_mapping_is_the_source_network(build):
    torch.manual_seed(0)
    net = build(20, 5, hidden=16, zero_init_state=True)
    net.train()
    for _ in range(3):
        net(torch.rand(16, 30, 20) * 4)  # BN running statistics away from their init
    with torch.no_grad():
        for layer in net.hidden:
            layer.norm.weight.mul_(3.0)  # enough drive to spike
    net.eval()
    x = (torch.rand(6, 30, 20) < 0.4).float() * 3
    with torch.no_grad():
        want = net(x)
        spikes = net.hidden[0](x)
    assert 0.02 < float(spikes.mean()) < 0.9  # the comparison involves spikes and resets
    got = adapt_network(net, "none", 1.0)(x)
    assert torch.allclose(got, want, atol=1e-4)
    assert float(want.std(dim=0).max()) > 1e-3  # samples differ: the readout sees real activity
    for method in ("tau", "zoh", "euler"):  # k = 1 leaves every mapping at the source network
        assert torch.allclose(adapt_network(net, method, 1.0)(x), want, atol=1e-3)
    with pytest.raises(ValueError, match="adLIF-family"):
        from implementations.baselines.sparch import build_lif

        adapt_network(build_lif(20, 5, hidden=4), "zoh", 2.0)
