"""P07: plastic attention equals the matrix form of linear attention; the quant arithmetic equals the
loihi2 emulator bit for bit and stays within its rounding bound; the model learns in context."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.loihi_icl.loihi2_attention import loihi2_plastic_attention
from implementations.loihi_icl.plastic_attention import (
    PlasticParams,
    PlasticState,
    QuantScales,
    linear_attention_matrix,
    plastic_attention,
    plastic_step,
    quant_plastic_attention,
)


def _qkv(seed: int, b: int = 2, t: int = 7, h: int = 2, dk: int = 4, dv: int = 3):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, t, h, dk, generator=g, dtype=torch.float64) for _ in range(2)), torch.randn(
        b, t, h, dv, generator=g, dtype=torch.float64
    )


@pytest.mark.parametrize("p", [PlasticParams(), PlasticParams(gamma=0.8), PlasticParams(gamma=0.9, normalize=True)])
def test_plastic_attention_equals_matrix_linear_attention(p: PlasticParams) -> None:
    (q, k), v = _qkv(0)
    assert torch.allclose(plastic_attention(q, k, v, p), linear_attention_matrix(q, k, v, p), atol=1e-5)


def test_plastic_step_hand_computed() -> None:
    st = PlasticState(torch.zeros(1, 1, 1, 2), torch.zeros(1, 1, 2))
    y, st = plastic_step(
        torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[3.0, -1.0]]]), torch.tensor([[[2.0]]]), st, PlasticParams()
    )
    # W = 2·[3, 0] (ReLU kills the negative key); y = W·φ(q) = 6·1 = 6
    assert st.w.flatten().tolist() == [6.0, 0.0] and y.item() == 6.0


def test_quant_is_bit_identical_to_the_loihi2_engine() -> None:
    (q, k), v = _qkv(1)
    s = QuantScales(e_k=5, e_v=5, e_q=5, write_shift=6)
    counts: dict = {}
    a = quant_plastic_attention(q, k, v, s)
    b = loihi2_plastic_attention(q, k, v, s, counts)
    assert torch.equal(a, b.to(a.dtype))
    assert counts["synaptic_updates"] == 7 * 2 * 2 * 2 * 3 * 4  # tokens x arrays x batch x heads x dv x dk


def test_quant_error_within_rounding_bound() -> None:
    """Without saturation, each written entry differs from its float value by the trace rounding (≤ ½ LSB of
    each factor) plus ½ of the write rounding; the read adds ½ LSB of q. Bound the whole read error."""
    (q, k), v = _qkv(2, t=5)
    q, k, v = q.abs() * 0.5, k.abs() * 0.5, v * 0.5  # keep traces < 127
    s = QuantScales(e_k=6, e_v=6, e_q=6, write_shift=4)
    yq = quant_plastic_attention(q, k, v, s)
    yf = plastic_attention(q, k, v, PlasticParams())
    # float units: trace LSBs δk = δv = δq = 2^-6; write LSB = 2^(s − e_k − e_v)
    dk = dv = dq = 2.0**-6
    dw = 2.0 ** (s.write_shift - s.e_k - s.e_v)
    t = q.shape[1]
    kmax, vmax, qmax = k.max().item(), v.abs().max().item(), q.max().item()
    w_err = t * ((vmax + dv / 2) * dk / 2 + kmax * dv / 2 + dw / 2)  # per plastic weight, after t writes
    w_max = t * vmax * kmax
    bound = q.shape[-1] * (w_err * (qmax + dq / 2) + w_max * dq / 2)
    err = (yq - yf).abs().max().item()
    assert err <= bound
    assert err > 0  # quantisation really changed the result


def test_saturation_is_counted() -> None:
    (q, k), v = _qkv(3, t=20)
    counts: dict = {}
    loihi2_plastic_attention(q.abs() * 10, k.abs() * 10, v * 10, QuantScales(4, 4, 4, 0), counts)
    assert counts["weight_saturations"] > 0


@pytest.mark.slow
def test_in_context_learning_beats_chance() -> None:
    from implementations.loihi_icl.episodes import SYNTHETIC_CLASSES
    from implementations.loihi_icl.icl import episode_batch
    from implementations.loihi_icl.model import ICLTransformer

    torch.manual_seed(0)
    x, y = SYNTHETIC_CLASSES.arrays(None, "meta-train", {"n_train_classes": 60, "n_test_classes": 30})
    xt, yt = SYNTHETIC_CLASSES.arrays(None, "meta-test", {"n_train_classes": 60, "n_test_classes": 30})
    net = ICLTransformer(64, 5, d_model=32, heads=2, layers=1)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    rng = np.random.default_rng(0)
    for _ in range(150):
        xs, ys, xq, yq = (torch.from_numpy(a) for a in episode_batch(x, y, 5, 1, 16, rng))
        loss = torch.nn.functional.cross_entropy(net(xs, ys, xq), yq)
        opt.zero_grad()
        loss.backward()
        opt.step()
    xs, ys, xq, yq = (torch.from_numpy(a) for a in episode_batch(xt, yt, 5, 1, 200, np.random.default_rng(1)))
    with torch.no_grad():
        acc = (net(xs, ys, xq).argmax(-1) == yq).double().mean().item()
        net.calibrate(xs[:32], ys[:32], xq[:32])
        acc_l = (net(xs, ys, xq, mode="loihi2").argmax(-1) == yq).double().mean().item()
    assert acc > 0.2 + 0.12  # chance is 1/5
    assert abs(acc_l - acc) <= 0.1


def test_paper_and_smoke_models_build_with_card_sizes() -> None:
    from implementations.loihi_icl.model import ICLTransformer

    smoke = ICLTransformer(64, 5, d_model=32, heads=2, layers=2, encoder_hidden=64)
    paper = ICLTransformer(64, 5, d_model=64, heads=4, layers=2, encoder_hidden=128)
    assert len(smoke.blocks) == 2 and smoke.blocks[0].heads == 2 and smoke.blocks[0].dh == 16
    assert paper.blocks[0].heads == 4 and paper.blocks[0].mlp[0].out_features == 4 * 64
    # one block: LN (2·2d) + qkv (3d² + 3d) + proj (d² + d) + MLP (8d² + 5d)
    d = 64
    assert (
        sum(p.numel() for p in paper.blocks[0].parameters())
        == 4 * d + 3 * d * d + 3 * d + d * d + d + 8 * d * d + 5 * d
    )
