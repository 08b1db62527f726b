"""The gain-cell emulator against the card's equations (P08 §3) and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from implementations.emulators import gaincell as gc


def _params(h: int, *, window: int, cell: str = "linear", array_len: int = 64, decay: float = gc.DECAY_LAMBDA, **kw):
    one, zero = torch.ones(h, dtype=torch.float64), torch.zeros(h, dtype=torch.float64)
    return gc.GainCellParams(
        one, zero, one, zero + 0.45, one, zero + 0.45, one, zero,
        window=window, array_len=array_len, decay=decay, cell=cell, **kw,
    )  # fmt: skip


def test_polynomial_collapses_to_card_1d_form_at_vin_09():
    a = gc.collapsed_coefficients(0.9)
    assert a == pytest.approx((0.5214, 13.612, -2.620, 46.055), abs=6e-4)
    k = torch.linspace(-0.45, 0.45, 11, dtype=torch.float64)
    two_d = gc.cell_polynomial(torch.ones_like(k), k + gc.OFFSET, v_in=0.9)
    card = 0.5214 + 13.612 * k - 2.620 * k**2 + 46.055 * k**3
    assert torch.allclose(two_d, card, atol=2e-4)
    # x multiplies linearly
    assert torch.allclose(gc.cell_polynomial(0.5 * torch.ones_like(k), k + 0.45), 0.5 * two_d)


def test_least_squares_slope_is_19_2():
    slope = gc.least_squares_slope(1001)
    assert 19.2 <= slope <= 19.3
    assert slope == pytest.approx(19.22, abs=0.01)  # card §7: 19.22 on a 1001-point grid
    assert gc.least_squares_slope(200001) == pytest.approx(19.2079, abs=2e-3)  # continuous value


@pytest.mark.parametrize(
    ("levels", "lo", "hi"), [(gc.Q_LEVELS, 0.0, 1.0), (gc.KV_LEVELS, 0.0, 0.9), (gc.OUT_LEVELS, -1.0, 1.0)]
)
def test_quantisers_hit_exactly_their_levels(levels, lo, hi):
    x = torch.linspace(lo, hi, 5001, dtype=torch.float64)
    q = gc.quantise(x, levels, lo, hi)
    allowed = gc.quantiser_levels(levels, lo, hi)
    assert torch.isin(q, allowed).all()
    assert set(torch.unique(q).tolist()) == set(allowed.tolist())  # every level is reached
    assert (q - x).abs().max() <= (hi - lo) / (levels - 1) / 2 + 1e-12


def test_quantiser_level_sets():
    assert torch.allclose(gc.quantiser_levels(16, 0, 1), torch.arange(16, dtype=torch.float64) / 15)
    assert torch.allclose(gc.quantiser_levels(8, 0, 0.9), torch.arange(8, dtype=torch.float64) * 0.9 / 7)
    out = gc.quantiser_levels(32, -1, 1)
    assert out.numel() == 33 and out.min() == -1 and out.max() == 1 and 0 in out.tolist()
    ref = gc.quantiser_levels(32, -1, 1, "reference")
    assert ref.max() == pytest.approx(32 / 31) and ref.min() == pytest.approx(-32 / 31)  # the authors' quirk
    assert gc.quantise(torch.tensor([1.0]), 32, -1, 1, "reference").item() == pytest.approx(32 / 31)
    assert gc.quantise(torch.tensor([1.0]), 32, -1, 1).item() == 1.0


def test_quantiser_straight_through_gradient():
    x = torch.tensor([0.03, 0.51, 0.97], requires_grad=True)
    gc.quantise(x, 16, 0, 1).mul(torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([1.0, 2.0, 3.0]))


def test_decay_mask_values():
    lam = 1.6e-4
    d = gc.decay_mask(5, 5, window=3, lam=lam, dtype=torch.float64)
    for i in range(5):
        for j in range(5):
            expect = math.exp(-lam * (i - j)) if 0 <= i - j < 3 else 0.0
            assert d[i, j].item() == pytest.approx(expect, rel=1e-12, abs=0)
    assert d[4, 2].item() == pytest.approx(math.exp(-3.2e-4))
    # decode offset: one query at absolute position 4 sees the same row
    assert torch.equal(gc.decay_mask(1, 5, 3, lam, offset=4, dtype=torch.float64)[0], d[4])


def _on_grid(rng, shape, levels, hi):
    return torch.from_numpy(rng.integers(0, levels, size=shape) * (hi / (levels - 1)))


def _hand_linear(q, k, v, lam, window, array_len, sat1=80.0, sat2=40.0):
    """Independent loop implementation of the card's linear model for one head ([T, D] arrays)."""
    t, dd = q.shape
    out = np.zeros((t, dd))
    for i in range(t):
        s = np.zeros(t)
        dec = np.zeros(t)
        for j in range(t):
            if 0 <= i - j < window:
                dec[j] = math.exp(-lam * (i - j))
                s[j] = 19.3 * sum(q[i, c] * (k[j, c] - 0.45) for c in range(dd)) * dec[j]
        phi = np.clip(s / sat1, 0, 1)
        for m in range(0, t, array_len):
            for c in range(dd):
                a = 19.3 * sum(phi[j] * dec[j] * (v[j, c] - 0.45) for j in range(m, min(m + array_len, t))) / sat2
                a = min(max(a, -1.0), 1.0)
                a = round(a / (2 / 31)) * (2 / 31)
                out[i, c] += min(max(a, -1.0), 1.0)
    return out


def test_linear_model_matches_hand_computation_on_4_tokens():
    rng = np.random.default_rng(3)
    t, dd = 4, 16
    q = _on_grid(rng, (1, 1, t, dd), 16, 1.0)
    k = _on_grid(rng, (1, 1, t, dd), 8, 0.9)
    v = _on_grid(rng, (1, 1, t, dd), 8, 0.9)
    lam = 0.05  # large enough that the decay changes the result
    p = _params(1, window=3, array_len=2, decay=lam)
    # raw k, v are shifted by the scaler offset b = 0.45 back onto the stored grid
    out, sig = gc.gaincell_attention(q, k - 0.45, v - 0.45, p)
    expect = _hand_linear(q[0, 0].numpy(), k[0, 0].numpy(), v[0, 0].numpy(), lam, window=3, array_len=2)
    assert np.allclose(out[0, 0].numpy(), expect, atol=1e-12)
    assert len(np.unique(np.round(expect * 31 / 2))) >= 3  # positive, zero and negative levels: not trivial
    assert torch.allclose(sig.k, k)  # the scaled signals are a x + b before clamping


def test_linear_model_hand_values_with_unit_saturations():
    """A fully hand-checkable row: T=2, D=1, no decay, window 2, one sub-array."""
    q = torch.tensor([[[[1.0], [1.0]]]], dtype=torch.float64)
    k = torch.tensor([[[[0.9 - 0.45], [0.0 - 0.45]]]], dtype=torch.float64)  # scaled by b_k = 0.45 -> 0.9 and 0.0
    v = torch.tensor([[[[0.9 - 0.45], [0.9 - 0.45]]]], dtype=torch.float64)
    p = _params(1, window=2, decay=0.0)
    out, _ = gc.gaincell_attention(q, k, v, p)
    # token 0: S = 19.3*0.45 = 8.685, φ = 8.685/80; A = 19.3*φ*0.45/40 -> quantised to the 2/31 grid
    phi0 = 19.3 * 0.45 / 80
    a0 = 19.3 * phi0 * 0.45 / 40
    assert out[0, 0, 0, 0].item() == pytest.approx(round(a0 / (2 / 31)) * (2 / 31))
    # token 1: key 1 has S < 0 -> φ = 0, so the same single contribution
    assert out[0, 0, 1, 0].item() == pytest.approx(out[0, 0, 0, 0].item())


def _hand_nonlinear_unquantised(q, k, v, lam, window):
    a = gc.collapsed_coefficients()
    f = lambda x: a[0] + a[1] * x + a[2] * x**2 + a[3] * x**3  # noqa: E731
    t, dd = q.shape
    out = np.zeros((t, dd))
    for i in range(t):
        dec = np.array([math.exp(-lam * (i - j)) if 0 <= i - j < window else 0.0 for j in range(t)])
        s = np.array(
            [sum(q[i, c] * f((k[j, c] - 0.45) * dec[j]) for c in range(dd)) if dec[j] else 0 for j in range(t)]
        )
        phi = np.clip(s / 80, 0, 1)
        for c in range(dd):
            tot = sum(phi[j] * f((v[j, c] - 0.45) * dec[j]) for j in range(t) if dec[j])
            out[i, c] = min(max(tot / 40, -1), 1)
    return out


def test_nonlinear_model_matches_reference_formula_and_uses_linear_backward():
    rng = np.random.default_rng(5)
    t, dd = 6, 4
    q = torch.from_numpy(rng.uniform(0, 1, (1, 1, t, dd)))
    k = torch.from_numpy(rng.uniform(-0.45, 0.45, (1, 1, t, dd)))
    v = torch.from_numpy(rng.uniform(-0.45, 0.45, (1, 1, t, dd)))
    p = _params(1, window=5, array_len=64, decay=0.02, cell="nonlinear", quantise=False)
    out, _ = gc.gaincell_attention(q, k, v, p)
    expect = _hand_nonlinear_unquantised(q[0, 0].numpy(), (k + 0.45)[0, 0].numpy(), (v + 0.45)[0, 0].numpy(), 0.02, 5)
    assert np.allclose(out[0, 0].numpy(), expect, atol=1e-10)


def test_nonlinear_backward_is_the_linear_surrogate():
    """Where no clamp saturates, the nonlinear model's gradient equals the linear model's exactly."""
    rng = np.random.default_rng(6)
    t, dd = 6, 4
    q = torch.from_numpy(rng.uniform(0.1, 0.5, (1, 1, t, dd)))
    k = torch.from_numpy(rng.uniform(0.05, 0.4, (1, 1, t, dd)))  # positive deviations: S > 0 in both models
    v = torch.from_numpy(rng.uniform(-0.3, 0.3, (1, 1, t, dd)))
    p = _params(1, window=t, decay=0.02, quantise=False)
    w = torch.from_numpy(rng.normal(size=(1, 1, t, dd)))
    grads, outs = [], []
    for cell in ("linear", "nonlinear"):
        qq, kk, vv = (z.clone().requires_grad_(True) for z in (q, k, v))
        o, _ = gc.gaincell_attention(qq, kk, vv, p._replace(cell=cell))
        assert o.abs().max() < 1  # no output saturation
        (o * w).sum().backward()
        # dq and dk: identical surrogates; dv scales with the forward's φ, which differs between models
        grads.append(torch.cat([qq.grad.flatten(), kk.grad.flatten()]))
        outs.append(o)
    assert not torch.allclose(outs[0], outs[1])  # the forwards differ ...
    assert torch.allclose(grads[0], grads[1], rtol=0, atol=1e-12)  # ... the backwards do not
    assert grads[0].abs().sum() > 0


def test_linear_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    q = torch.from_numpy(rng.uniform(0.1, 0.9, (1, 2, 5, 3))).requires_grad_(True)
    k = torch.from_numpy(rng.uniform(-0.3, 0.3, (1, 2, 5, 3)))
    v = torch.from_numpy(rng.uniform(-0.3, 0.3, (1, 2, 5, 3)))
    p = _params(2, window=5, quantise=False)
    w = torch.from_numpy(rng.normal(size=(1, 2, 5, 3)))
    f = lambda qq: (gc.gaincell_attention(qq, k, v, p)[0] * w).sum()  # noqa: E731
    f(q).backward()
    eps = 1e-6
    for idx in [(0, 0, 1, 0), (0, 1, 4, 2), (0, 0, 3, 1)]:
        qp, qm = q.detach().clone(), q.detach().clone()
        qp[idx] += eps
        qm[idx] -= eps
        fd = (f(qp) - f(qm)) / (2 * eps)
        assert q.grad[idx].item() == pytest.approx(fd.item(), rel=1e-5, abs=1e-9)


def test_decode_step_equals_last_row_of_full_pass():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 70, 8, dtype=torch.float64) * 0.3 for _ in range(3))
    for cell in ("linear", "nonlinear"):
        p = _params(3, window=50, array_len=16, cell=cell)
        full, _ = gc.gaincell_attention(q, k, v, p)
        last, _ = gc.gaincell_attention(q[:, :, -1:], k, v, p, q_offset=69)
        assert torch.allclose(full[:, :, -1:], last, atol=1e-12)


def test_sub_arrays_are_summed_digitally():
    """With quantisation off and no saturation, tiling does not change the sum."""
    torch.manual_seed(1)
    q = 0.5 + 0.5 * torch.rand(1, 1, 20, 4, dtype=torch.float64)
    k = 0.4 * torch.rand(1, 1, 20, 4, dtype=torch.float64)
    v = 0.8 * torch.rand(1, 1, 20, 4, dtype=torch.float64) - 0.4
    a, _ = gc.gaincell_attention(q, k, v, _params(1, window=20, array_len=4, quantise=False))
    b, _ = gc.gaincell_attention(q, k, v, _params(1, window=20, array_len=64, quantise=False))
    assert torch.allclose(a, b, atol=1e-12)
    # with the output quantiser on, each tile is quantised separately, so results differ
    c, _ = gc.gaincell_attention(q, k, v, _params(1, window=20, array_len=4))
    d, _ = gc.gaincell_attention(q, k, v, _params(1, window=20, array_len=64))
    assert not torch.allclose(c, d)


def test_cost_model_gives_card_figures():
    assert gc.GAINCELL.energy_per_token_head_j() == pytest.approx(6.15e-9, rel=1e-12)
    c = gc.GAINCELL.costs({"tokens": 1, "heads": 12})
    assert c["energy_j"] == pytest.approx(73.8e-9, rel=1e-12)
    assert c["latency_s"] == pytest.approx(65e-9, rel=1e-12)
    c = gc.GAINCELL.costs({"tokens": 10, "heads": 12, "layers": 2})
    assert c["energy_j"] == pytest.approx(10 * 12 * 2 * 6.15e-9) and c["latency_s"] == pytest.approx(1.3e-6)
    # consistency with λ (card §3, derived): 12 x 65 ns / 5 ms ≈ 1.56e-4
    retention_ratio = 12 * 65e-9 / 5e-3
    assert retention_ratio == pytest.approx(gc.DECAY_LAMBDA, rel=0.03)


def test_float32_forwards_match_the_reference_formulas_to_1e_6():
    """Card §6 gate: linear and nonlinear forwards agree with the formulas to 1e-6 in fp32."""
    rng = np.random.default_rng(11)
    t, dd = 8, 4
    q = rng.uniform(0, 1, (1, 1, t, dd))
    k = rng.uniform(-0.45, 0.45, (1, 1, t, dd))
    v = rng.uniform(-0.45, 0.45, (1, 1, t, dd))
    p = _params(1, window=6, decay=0.01, quantise=False)
    p32 = p._replace(**{f: getattr(p, f).float() for f in ("a_q", "b_q", "a_k", "b_k", "a_v", "b_v", "a_o", "b_o")})
    t32 = [torch.from_numpy(z).float() for z in (q, k, v)]
    nl32, _ = gc.gaincell_attention(*t32, p32._replace(cell="nonlinear"))
    ref = _hand_nonlinear_unquantised(q[0, 0], (k + 0.45)[0, 0], (v + 0.45)[0, 0], 0.01, 6)
    assert nl32.dtype == torch.float32 and np.abs(nl32[0, 0].numpy() - ref).max() < 1e-6
    lin32, _ = gc.gaincell_attention(*t32, p32)
    lin64, _ = gc.gaincell_attention(*(torch.from_numpy(z) for z in (q, k, v)), p)
    assert (lin32.double() - lin64).abs().max() < 1e-6
