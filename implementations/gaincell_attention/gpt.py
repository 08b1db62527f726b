"""A nanoGPT-like GPT whose attention is softmax, sliding-window softmax or gain-cell (card P08 §3).

Layout follows nanoGPT / GPT-2 (the authors build on nanoGPT): token + position embeddings,
``n_layer`` pre-LN blocks (LayerNorm -> attention -> residual, LayerNorm -> MLP(4d, GELU) ->
residual), final LayerNorm, tied LM head; weights N(0, 0.02), residual projections
N(0, 0.02/√(2·n_layer)). Attention variants (``attention``):

- ``softmax``: full causal softmax attention, scale 1/√d_h;
- ``softmax-swa``: causal softmax restricted to the last ``window`` keys;
- ``linear``: the gain-cell linear intermediate model (``LinearDRAMAttention``);
- ``nonlinear``: the gain-cell polynomial cell model (``DRAMAttention``), linear surrogate backward.

The gain-cell variants hold per-head range scalers (a, b) for q, k, v and the output
(:class:`RangeScaler`), which also keep the statistics the adaptation algorithm needs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.emulators.gaincell import (
    ARRAY_LEN,
    DECAY_LAMBDA,
    OFFSET,
    GainCellParams,
    gaincell_attention,
    window_mask,
)

ATTENTIONS = ("softmax", "softmax-swa", "linear", "nonlinear")
SCALERS = ("q", "k", "v", "out")
SCALER_INIT_B = {"q": 0.0, "k": OFFSET, "v": OFFSET, "out": 0.0}  # a = 1 for all (card P08 §3)
TARGET_EMA = 0.1  # rate of the linear model's target mean/std EMA (card P08 §3, calibration step 1)


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    block_size: int
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    dropout: float = 0.0
    bias: bool = True
    attention: str = "softmax"
    window: int | None = None  # None: block_size (the released configs: window = context)
    array_len: int = ARRAY_LEN
    decay: float = DECAY_LAMBDA
    quantise: bool = True
    quantiser: str = "clamped"

    def __post_init__(self) -> None:
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention '{self.attention}' unknown; known: {', '.join(ATTENTIONS)}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd {self.n_embd} is not a multiple of n_head {self.n_head}")

    @property
    def effective_window(self) -> int:
        return int(self.window or self.block_size)


class RangeScaler(nn.Module):
    """Per-head affine scaler x -> a·x + b with the statistics the adaptation algorithm uses.

    ``track_targets`` (set on the linear model while it trains): EMA (rate 0.1) of the per-head
    mean and std of a·x + b into ``target_mean`` / ``target_std``. ``record``: keep the latest
    per-head mean and std in ``last_mean`` / ``last_std``.
    """

    def __init__(self, n_head: int, b_init: float) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.ones(n_head))
        self.b = nn.Parameter(torch.full((n_head,), float(b_init)))
        self.register_buffer("target_mean", torch.full((n_head,), float("nan")))
        self.register_buffer("target_std", torch.full((n_head,), float("nan")))
        self.register_buffer("last_mean", torch.full((n_head,), float("nan")), persistent=False)
        self.register_buffer("last_std", torch.full((n_head,), float("nan")), persistent=False)
        self.track_targets = False
        self.record = False

    @torch.no_grad()
    def observe(self, signal: Tensor) -> None:
        """Per-head statistics of a scaled signal ``[B, H, T, D]`` (over batch, tokens and dims)."""
        if not (self.track_targets or self.record):
            return
        x = signal.detach().transpose(0, 1).reshape(signal.shape[1], -1)
        mean, std = x.mean(1), x.std(1)
        if self.record:
            self.last_mean.copy_(mean)
            self.last_std.copy_(std)
        if self.track_targets:
            first = torch.isnan(self.target_mean)
            self.target_mean.copy_(torch.where(first, mean, (1 - TARGET_EMA) * self.target_mean + TARGET_EMA * mean))
            self.target_std.copy_(torch.where(first, std, (1 - TARGET_EMA) * self.target_std + TARGET_EMA * std))


class Attention(nn.Module):
    """Multi-head causal self-attention in one of :data:`ATTENTIONS`."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.n_head, self.head_dim = cfg.n_head, cfg.n_embd // cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.resid_dropout = nn.Dropout(cfg.dropout)
        self.gaincell = cfg.attention in ("linear", "nonlinear")
        if self.gaincell:
            self.scalers = nn.ModuleDict({s: RangeScaler(cfg.n_head, SCALER_INIT_B[s]) for s in SCALERS})

    def gaincell_params(self) -> GainCellParams:
        sc = self.scalers
        return GainCellParams(
            a_q=sc["q"].a,
            b_q=sc["q"].b,
            a_k=sc["k"].a,
            b_k=sc["k"].b,
            a_v=sc["v"].a,
            b_v=sc["v"].b,
            a_o=sc["out"].a,
            b_o=sc["out"].b,
            window=self.cfg.effective_window,
            array_len=self.cfg.array_len,
            decay=self.cfg.decay,
            cell=self.cfg.attention,
            quantise=self.cfg.quantise,
            quantiser=self.cfg.quantiser,
        )

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, self.head_dim).transpose(1, 2) for z in (q, k, v))
        kind = self.cfg.attention
        if kind == "softmax":
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        elif kind == "softmax-swa":
            mask = window_mask(t, t, self.cfg.effective_window, device=x.device)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            y, sig = gaincell_attention(q, k, v, self.gaincell_params())
            for name, s in zip(SCALERS, sig, strict=True):
                self.scalers[name].observe(s)
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias),
            nn.GELU(),
            nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias),
            nn.Dropout(cfg.dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT-like language model; ``forward(idx [B, T]) -> logits [B, T, vocab]``."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying, as GPT-2
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx: Tensor) -> Tensor:
        t = idx.shape[1]
        if t > self.cfg.block_size:
            raise ValueError(f"sequence of {t} tokens exceeds block_size {self.cfg.block_size}")
        pos = torch.arange(t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for blk in self.blocks:
            x = blk(x)
        return self.lm_head(self.ln_f(x))

    def scalers(self) -> list[dict[str, RangeScaler]]:
        """Per layer, the q/k/v/out scalers (empty list for softmax variants)."""
        return [dict(b.attn.scalers.items()) for b in self.blocks if b.attn.gaincell]

    def set_scaler_flags(self, *, track_targets: bool | None = None, record: bool | None = None) -> None:
        for layer in self.scalers():
            for sc in layer.values():
                if track_targets is not None:
                    sc.track_targets = track_targets
                if record is not None:
                    sc.record = record


def n_params(model: nn.Module) -> int:
    """Trainable parameters, tied weights counted once (nanoGPT counts the same way)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def config_dict(cfg: GPTConfig) -> dict:
    return asdict(cfg)


def _builder(attention: str):
    def build(vocab_size: int, block_size: int, **hparams) -> GPT:
        return GPT(GPTConfig(vocab_size=vocab_size, block_size=block_size, attention=attention, **hparams))

    build.__doc__ = f"GPT with {attention} attention: ``build(vocab_size, block_size, **GPTConfig fields)``."
    return build


build_softmax = _builder("softmax")
build_softmax_swa = _builder("softmax-swa")
build_linear = _builder("linear")
build_nonlinear = _builder("nonlinear")
