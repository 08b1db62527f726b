"""Plastic attention: attention computed by a Hebbian fast-weight layer (card P07 §3).

[unverified: reconstruction] The card's reference choice, softmax-free linear attention written by a
local two-factor rule, per head:

    W_t = γ·W_{t−1} + v_t φ(k_t)ᵀ          (write: pre = key, post = value; W_0 = 0)
    y_t = W_t φ(q_t)                       (read; write before read, so a token sees itself)
    φ = ReLU                               (non-negative keys/queries fit unsigned traces)

Optionally normalised: y_t / (z_tᵀ φ(q_t) + ε), z_t = γ·z_{t−1} + φ(k_t).

The ``quant`` variant emulates Loihi 2 widths in float arithmetic (exact on integers): φ(k), φ(q) and
|v| become 7-bit traces (``round(x·2**e)`` clipped to [0, 127], per-layer power-of-two scales); signed
values use two plastic arrays W⁺ (for v⁺ = ReLU(v)) and W⁻ (for v⁻ = ReLU(−v)); each write is
``Δ = round(2**−s·x1·y1)`` clipped to the 16-bit accumulator and added to 9-bit weights with
saturation; the read is ``(W⁺ − W⁻)·round(φ(q)·2**e_q)`` rescaled to float. Rounding is half away from
zero; gradients pass straight through the rounding (training with quantisation in the loop).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from implementations.emulators import loihi2 as L


class PlasticParams(NamedTuple):
    gamma: float = 1.0
    normalize: bool = False
    eps: float = 1e-3


class PlasticState(NamedTuple):
    w: Tensor  # [B, H, d_v, d_k]
    z: Tensor  # [B, H, d_k]


def phi(x: Tensor) -> Tensor:
    """The feature map φ = ReLU (card P07 §3, suite choice)."""
    return torch.relu(x)


def plastic_step(q: Tensor, k: Tensor, v: Tensor, state: PlasticState, p: PlasticParams) -> tuple[Tensor, PlasticState]:
    """One token of float plastic attention. q, k ``[B, H, d_k]``, v ``[B, H, d_v]``; returns y ``[B, H, d_v]``."""
    fk, fq = phi(k), phi(q)
    w = p.gamma * state.w + v[..., :, None] * fk[..., None, :]
    z = p.gamma * state.z + fk
    y = (w @ fq[..., None])[..., 0]
    if p.normalize:
        y = y / ((z * fq).sum(-1, keepdim=True) + p.eps)
    return y, PlasticState(w=w, z=z)


def plastic_attention(q: Tensor, k: Tensor, v: Tensor, p: PlasticParams) -> Tensor:
    """Scan :func:`plastic_step` over tokens: q, k ``[B, T, H, d_k]``, v ``[B, T, H, d_v]`` -> ``[B, T, H, d_v]``."""
    b, t, h, dk = k.shape
    st = PlasticState(k.new_zeros(b, h, v.shape[-1], dk), k.new_zeros(b, h, dk))
    ys = []
    for i in range(t):
        y, st = plastic_step(q[:, i], k[:, i], v[:, i], st, p)
        ys.append(y)
    return torch.stack(ys, 1)


def linear_attention_matrix(q: Tensor, k: Tensor, v: Tensor, p: PlasticParams) -> Tensor:
    """The matrix form: ``Y = (M ⊙ φ(Q)φ(K)ᵀ) V`` with the causal decay mask ``M_ts = γ^(t−s)``, s ≤ t."""
    fq, fk = phi(q), phi(k)
    t = q.shape[1]
    idx = torch.arange(t)
    mask = torch.where(idx[:, None] >= idx[None, :], p.gamma ** (idx[:, None] - idx[None, :]).to(q.dtype), 0.0)
    scores = torch.einsum("bthd,bshd->bhts", fq, fk) * mask
    y = torch.einsum("bhts,bshe->bthe", scores, v)
    if p.normalize:
        y = y / (scores.sum(-1).permute(0, 2, 1)[..., None] + p.eps)
    return y


class QuantScales(NamedTuple):
    """Power-of-two exponents: trace = round(x·2**e); ``write_shift`` s: Δ = round(2**−s·x1·y1)."""

    e_k: int
    e_v: int
    e_q: int
    write_shift: int


def _round_ste(x: Tensor) -> Tensor:
    return x + (L.round_half_away(x) - x).detach()


def _clip_ste(x: Tensor, lo: float, hi: float) -> Tensor:
    return x + (x.clamp(lo, hi) - x).detach()


def quant_trace(x: Tensor, e: int) -> Tensor:
    """7-bit unsigned trace of a non-negative value: clip(round(x·2**e), 0, 127) (straight-through)."""
    return _clip_ste(_round_ste(x * 2.0**e), 0.0, float(L.TRACE_MAX))


def quant_plastic_attention(q: Tensor, k: Tensor, v: Tensor, s: QuantScales, *, count: dict | None = None) -> Tensor:
    """Plastic attention with Loihi 2 widths (γ = 1, unnormalised), float arithmetic on integer values."""
    b, t, h, dk = k.shape
    x1 = quant_trace(phi(k), s.e_k)
    xq = quant_trace(phi(q), s.e_q)
    yp, yn = quant_trace(torch.relu(v), s.e_v), quant_trace(torch.relu(-v), s.e_v)
    wp = k.new_zeros(b, h, v.shape[-1], dk)
    wn = torch.zeros_like(wp)
    unit = 2.0 ** (s.write_shift - s.e_k - s.e_v - s.e_q)  # float value of one read LSB
    ys = []
    for i in range(t):
        for arr, y1 in ((0, yp), (1, yn)):
            d = _clip_ste(
                _round_ste(2.0**-s.write_shift * y1[:, i, :, :, None] * x1[:, i, :, None, :]), L.ACC_MIN, L.ACC_MAX
            )
            w = (wp if arr == 0 else wn) + d
            if count is not None:
                count["weight_saturations"] = count.get("weight_saturations", 0) + int((w > L.WEIGHT_MAX).sum())
            w = _clip_ste(w, float(L.WEIGHT_MIN), float(L.WEIGHT_MAX))
            if arr == 0:
                wp = w
            else:
                wn = w
        ys.append(((wp - wn) @ xq[:, i, :, :, None])[..., 0] * unit)
    return torch.stack(ys, 1)
