"""P10 pieces: CUBA step, filtered presynaptic trace vs autograd, SOEL vs a hand computation, the
8-bit re-quantisation grid, the episode sampler, the event stand-in and the fixed-point deployment."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.emulators import loihi2 as L
from implementations.loihi_one_shot.cuba import CubaParams, CubaState, cuba_step, synaptic_trace
from implementations.loihi_one_shot.deploy import FixedNetwork, deploy_episode, mantissa_exponent
from implementations.loihi_one_shot.maml import adapt, sample_episode
from implementations.loihi_one_shot.mlp import CubaMLP
from implementations.loihi_one_shot.soel import SoelParams, error_gate, output_error, soel_delta


def test_cuba_step_hand_computed() -> None:
    p = CubaParams(current_decay=0.5, voltage_decay=0.25, threshold=1.0)
    st = CubaState(torch.tensor([[0.4]]), torch.tensor([[0.2]]))
    s, x, st = cuba_step(torch.tensor([[0.6]]), st, p)
    # i = 0.5·0.4 + 0.6 = 0.8 ; v = 0.75·0.2 + 0.8 = 0.95 < 1: no spike
    assert st.i.item() == pytest.approx(0.8) and st.v.item() == pytest.approx(0.95) and s.item() == 0
    s, x, st = cuba_step(torch.tensor([[0.6]]), st, p)
    # i = 1.0 ; v = 0.7125 + 1.0 = 1.7125 > 1: spike, reset to 0
    assert s.item() == 1 and x.item() == pytest.approx(0.7125) and st.v.item() == 0.0


def test_synaptic_trace_is_the_voltage_gradient_without_reset() -> None:
    p = CubaParams(0.3, 0.2, threshold=1e6)  # never spikes: no reset
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(2, 6, 3, generator=g) < 0.5).float()
    w = torch.randn(1, 3, generator=g, requires_grad=True)
    st = CubaState(torch.zeros(2, 1), torch.zeros(2, 1))
    vs = []
    for t in range(6):
        _, xv, st = cuba_step(x[:, t] @ w.t(), st, p)
        vs.append(xv)
    grad_out = torch.randn(2, 6, 1, generator=g)
    (gw,) = torch.autograd.grad(torch.stack(vs, 1), w, grad_out)
    manual = torch.einsum("bto,bth->oh", grad_out, synaptic_trace(x, p))
    assert torch.allclose(gw, manual, atol=1e-5)


def test_soel_delta_hand_computed() -> None:
    # one sample, two time steps, two outputs, one presynaptic input
    s = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])
    u = torch.tensor([[[0.1, -0.2], [0.0, 0.3]]])
    xt = torch.tensor([[[2.0], [1.0]]])
    y = torch.tensor([1])
    p = SoelParams(lr=torch.tensor(0.5), threshold=torch.tensor(0.4))
    delta, n = soel_delta(s, u, xt, y, p)
    e0 = torch.softmax(torch.tensor([1.0, 0.0]), 0) - torch.tensor([0.0, 1.0])  # [0.731, -0.731]
    e1 = torch.tensor([0.5, -0.5])
    gate1 = (e1.abs() > 0.4).float()
    # no surrogate factor: ΔW = −η Σ_t Ê_t x̃_t (the reference's (∂U/∂W)ᵀ Ê); u does not enter
    expect = -0.5 * torch.tensor([e0[0] * 2 + e1[0] * gate1[0] * 1, e0[1] * 2 + e1[1] * gate1[1] * 1])[:, None]
    assert torch.allclose(delta, expect, atol=1e-6) and int(n) == 4
    assert torch.allclose(output_error(s, y, 2)[0, 0], e0)


def test_error_gate_blocks_small_errors_and_has_threshold_gradient() -> None:
    thr = torch.tensor(0.3, requires_grad=True)
    g = error_gate(torch.tensor([0.1, -0.5, 0.29]), thr, 0.05)
    assert g.tolist() == pytest.approx([0.0, 1.0, 0.0], abs=1e-6)
    g.sum().backward()
    assert thr.grad is not None and thr.grad.item() < 0


def test_soel_adapts_only_the_last_layer_onto_the_8bit_grid() -> None:
    torch.manual_seed(0)
    net = CubaMLP(12, 3, hidden=(8,), current_decay=0.5, voltage_decay=0.5, threshold=0.5, quantize=True)
    before = [w.detach().clone() for w in net.layers]
    x = (torch.rand(3, 10, 12) < 0.4).float()
    feats = net.features(x).detach()
    w, n = adapt(net, feats, torch.tensor([0, 1, 2]), net.out, "soel", torch.tensor(5.0), torch.tensor(0.05), 3)
    assert n > 0
    m = w.detach() * net.w_scale  # lava-dl grid: even mantissas in [-256, 255] (255 only by the upper clamp)
    assert torch.equal(m, m.round()) and m.min() >= -256 and m.max() <= 255
    assert bool(((m % 2 == 0) | (m == 255)).all())
    assert not torch.equal(w.detach(), L.quantize_8bit(net.out.detach(), net.w_scale))  # it learned something
    assert all(torch.equal(a, b.detach()) for a, b in zip(before, net.layers, strict=True))


def test_episode_sampler_shapes_and_labels() -> None:
    y = np.repeat(np.arange(8), 12)
    si, sy, qi, qy = sample_episode(y, np.arange(8), 5, 1, 10, np.random.default_rng(0))
    assert len(si) == 5 and len(qi) == 50 and sorted(set(sy)) == list(range(5))
    assert set(si).isdisjoint(qi)
    assert all(len({y[i] for i, lab in zip(qi, qy, strict=True) if lab == k}) == 1 for k in range(5))


def test_double_digits_events_are_class_structured() -> None:
    from suite.data.double_nmnist import DOUBLE_DIGITS_EVENTS, class_split

    split = class_split()
    assert [len(split[k]) for k in ("meta-train", "meta-val", "meta-test")] == [64, 16, 20]
    x, y = DOUBLE_DIGITS_EVENTS.arrays(None, "meta-test", {"samples_per_class": 4, "nb_steps": 12})
    assert x.shape == (80, 12, 256) and set(np.unique(x)) <= {0.0, 1.0}
    # nearest class-mean on event counts beats chance (1/20) by a wide margin
    c = x.sum(1)
    means = np.stack([c[y == k].mean(0) for k in np.unique(y)])
    pred = np.unique(y)[((c[:, None] - means[None]) ** 2).sum(-1).argmin(1)]
    assert (pred == y).mean() > 0.3


def test_nmnist_bin_roundtrip() -> None:
    from suite.data.double_nmnist import decode_nmnist_bin
    from suite.data.nmnist import encode_events  # the nmnist dataset's writer: two implementations agree

    raw = encode_events(np.array([3, 33]), np.array([0, 17]), np.array([5, 2**23 - 1]), np.array([1, 0]))
    assert len(raw) == 10
    assert decode_nmnist_bin(raw).tolist() == [[3, 0, 1, 5], [33, 17, 0, 2**23 - 1]]


def test_mantissa_exponent_approximates_scale() -> None:
    for c in (0.013, 1.0, 37.5):
        m, s = mantissa_exponent(c)
        assert 1 <= m <= 7 and abs(m * 2.0**s - c) / c <= 1 / 7


def test_fixed_point_network_matches_float_spikes_mostly() -> None:
    torch.manual_seed(0)
    net = CubaMLP(16, 4, hidden=(12,), current_decay=0.5, voltage_decay=0.5, threshold=0.5, quantize=True)
    x = (torch.rand(6, 15, 16) < 0.3).float()
    fx = FixedNetwork(net, net.out.detach())
    from implementations.loihi_one_shot.deploy import Counts

    c = Counts()
    feats_fixed = fx.features(x, c)
    feats_float = net.features(x)
    agree = (feats_fixed.double() == feats_float.double()).double().mean()
    assert agree > 0.97  # only truncation of the decays differs
    assert c.synops == pytest.approx(float(x.sum()) * 12) and c.neuron_updates == 6 * 15 * 12


def test_deploy_episode_reports_accuracy_and_counts() -> None:
    torch.manual_seed(0)
    net = CubaMLP(16, 3, hidden=(12,), current_decay=0.5, voltage_decay=0.5, threshold=0.5, quantize=True)
    xs = (torch.rand(3, 10, 16) < 0.3).float()
    acc, learn, infer = deploy_episode(
        net,
        net.out.detach(),
        (xs, torch.tensor([0, 1, 2])),
        (xs, torch.tensor([0, 1, 2])),
        lr=5.0,
        threshold=0.05,
        inner_steps=2,
    )
    assert 0.0 <= acc <= 1.0
    assert learn.synaptic_updates == 3 * 2 * 3 * 12 * 10  # samples x steps x plastic synapses x T
    assert infer.neuron_updates == 3 * 10 * (12 + 3)


def test_paper_scale_models_have_published_sizes() -> None:
    """CUBA MLP 2x32x32 -> 512 -> 512 -> 5 (card P10 §3) from the registered paper scale, no biases."""
    from pathlib import Path

    from suite.registry import build_registry
    from suite.runner.execute import task_and_model
    from suite.spec import BenchmarkSpec, merged_params

    reg = build_registry(Path(__file__).resolve().parents[3])
    spec = BenchmarkSpec("double-nmnist-5way1shot", "maml-soel-mlp", "loihi2", "paper", 0)
    _, info = task_and_model(reg, spec)
    hp = {k: v for k, v in merged_params(spec, reg).items() if k in ("hidden", "current_decay", "voltage_decay")}
    net = info.build()(2 * 32 * 32, 5, **hp)
    assert sum(p.numel() for p in net.parameters()) == 2048 * 512 + 512 * 512 + 512 * 5
    assert (net.cuba.current_decay, net.cuba.voltage_decay) == (0.97, 0.92)
