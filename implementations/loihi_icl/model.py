"""The P07 in-context learner: a small decoder-only transformer whose attention is plastic (card P07 §3).

[unverified: suite choice; N, K and model size are unknown] Episode tokens are pairs: context token i
is ``[enc(x_i); lab(y_i)]`` (concatenated halves), the query token ``[enc(x_q); lab_null]`` (one token per example, so the
association x ↔ y needs no positional lookup; the card's interleaved [x, y] sequence is a variant not
built here). Pre-LayerNorm blocks: plastic attention (:mod:`.plastic_attention`) then an MLP (4×);
the last token's output gives the N class logits. ``mode`` selects the attention arithmetic:
``float``, ``quant`` (Loihi 2 widths, straight-through) or ``loihi2`` (the emulator's integer engine).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.loihi_icl.loihi2_attention import loihi2_plastic_attention
from implementations.loihi_icl.plastic_attention import (
    PlasticParams,
    QuantScales,
    phi,
    plastic_attention,
    quant_plastic_attention,
)

MODES = ("float", "quant", "loihi2")


class PlasticBlock(nn.Module):
    def __init__(self, d: int, heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, mlp_ratio * d), nn.GELU(), nn.Linear(mlp_ratio * d, d))
        self.scales: QuantScales | None = None
        self.max_abs: dict[str, float] = {}

    @torch.no_grad()
    def structured_init(self, half: int) -> None:
        """Suite choice (labelled): queries/keys read the image half of the token, tied (attention starts
        as a similarity kernel); values read the label half. Everything stays trainable."""
        d = self.qkv.in_features
        w = self.qkv.weight
        w[:d, half:] = 0.0
        w[:d] *= 3.0  # sharper, sparser ReLU features: a selective kernel
        self.qkv.bias[:d] = -1.0
        w[d : 2 * d] = w[:d]
        self.qkv.bias[d : 2 * d] = self.qkv.bias[:d]
        w[2 * d :, :half] = 0.0

    def qkv_heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, self.dh).unbind(2)
        return q, k, v

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mode: str, p: PlasticParams, counts: dict) -> Tensor:
        if mode == "float":
            return plastic_attention(q, k, v, p)
        if self.scales is None:
            raise RuntimeError("quant/loihi2 modes need calibrated scales (ICLTransformer.calibrate)")
        if mode == "quant":
            return quant_plastic_attention(q, k, v, self.scales, count=counts)
        return loihi2_plastic_attention(q, k, v, self.scales, counts)

    def forward(self, x: Tensor, mode: str, p: PlasticParams, counts: dict) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv_heads(x)
        self.max_abs = {
            "k": float(phi(k).detach().max()),
            "q": float(phi(q).detach().max()),
            "v": float(v.detach().abs().max()),
        }
        y = self.attend(q, k, v, mode, p, counts).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class ICLTransformer(nn.Module):
    """Encoder MLP + label embedding + plastic-attention blocks + classifier on the last token."""

    def __init__(
        self,
        n_inputs: int,
        n_classes: int,
        *,
        d_model: int = 32,
        heads: int = 2,
        layers: int = 2,
        encoder_hidden: int = 64,
        gamma: float = 1.0,
        normalize: bool = False,
    ) -> None:
        super().__init__()
        self.n_classes = int(n_classes)
        half = d_model // 2
        self.encoder = nn.Sequential(
            nn.LayerNorm(n_inputs, elementwise_affine=False),  # per-image standardisation: contrast, not brightness
            nn.Linear(n_inputs, encoder_hidden),
            nn.ReLU(),
            nn.Linear(encoder_hidden, half),
            nn.LayerNorm(half),
        )
        self.label = nn.Embedding(n_classes + 1, d_model - half)  # index n_classes: the query's "no label"
        self.blocks = nn.ModuleList([PlasticBlock(d_model, heads) for _ in range(layers)])
        for blk in self.blocks:
            blk.structured_init(half)
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)
        self.plastic = PlasticParams(gamma=float(gamma), normalize=bool(normalize))

    def tokens(self, xs: Tensor, ys: Tensor, xq: Tensor) -> Tensor:
        """``[B, NK+1, d]``: context pairs then the query. xs ``[B, NK, C]``, ys ``[B, NK]``, xq ``[B, C]``."""
        ctx = torch.cat([self.encoder(xs), self.label(ys)], -1)
        null = torch.full(xq.shape[:1], self.n_classes, dtype=torch.long, device=xq.device)
        return torch.cat([ctx, torch.cat([self.encoder(xq), self.label(null)], -1)[:, None]], 1)

    def forward(self, xs: Tensor, ys: Tensor, xq: Tensor, *, mode: str = "float", counts: dict | None = None) -> Tensor:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got '{mode}'")
        h = self.tokens(xs, ys, xq)
        counts = {} if counts is None else counts
        for blk in self.blocks:
            h = blk(h, mode, self.plastic, counts)
        return self.head(self.ln(h[:, -1]))

    @torch.no_grad()
    def calibrate(self, xs: Tensor, ys: Tensor, xq: Tensor, *, write_shift: int | None = None) -> None:
        """Choose each block's power-of-two trace scales from a float pass so the maxima fit 7 bits.

        ``write_shift`` s (default: the smallest s with which the largest accumulated write of this
        calibration batch, ``max Σ_t y1·x1``, fits the 8-bit weight magnitude) scales each write
        ``Δ = round(2^−s·x1·y1)``.
        """
        import math

        from implementations.loihi_icl.plastic_attention import quant_trace

        def exp_for(m: float) -> int:
            return int(math.floor(math.log2(127 / m))) if m > 0 else 0

        h = self.tokens(xs, ys, xq)
        for blk in self.blocks:
            q, k, v = blk.qkv_heads(h)
            e_k, e_v, e_q = exp_for(float(phi(k).max())), exp_for(float(v.abs().max())), exp_for(float(phi(q).max()))
            x1 = quant_trace(phi(k), e_k)
            y1 = torch.maximum(quant_trace(torch.relu(v), e_v), quant_trace(torch.relu(-v), e_v))
            peak = float(torch.einsum("bthe,bthd->bhed", y1, x1).max())
            s = write_shift if write_shift is not None else max(0, math.ceil(math.log2(max(peak, 1.0) / 255)))
            blk.scales = QuantScales(e_k, e_v, e_q, s)
            h = blk(h, "float", self.plastic, {})


def build_plastic_transformer(n_inputs: int, n_classes: int, **hparams) -> ICLTransformer:
    """Model factory ``plastic-transformer``."""
    return ICLTransformer(n_inputs, n_classes, **hparams)
