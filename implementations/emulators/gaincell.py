"""The ``gaincell`` emulator: analog in-memory attention in gain-cell arrays (card P08 §3).

Constraints (the forward pass of a hardware-faithful attention head), with q, k, v ``[B, H, T, D]``:

    q̃ = quant₁₆(clamp(a_q q + b_q, 0, 1))      k̃ = quant₈(clamp(a_k k + b_k, 0, 0.9))
    ṽ = quant₈(clamp(a_v v + b_v, 0, 0.9))      (per-head trainable range scalers, init a = 1,
                                                 b_q = 0, b_k = b_v = 0.45; straight-through round)
    D_ij = exp(−λ (i − j)) for 0 ≤ i − j < window, λ = 1.6e−4 per token (capacitor leakage)
    linear model:    S = 19.3 · q̃ (k̃ − 0.45)ᵀ ⊙ D, masked entries 0;   φ = clamp(S / 80, 0, 1)
                     A_m = quant₃₂(clamp(19.3 · (φ_m ⊙ D_m)(ṽ_m − 0.45) / 40, −1, 1))
    nonlinear model: 19.3·x·(y − 0.45) becomes Σ_ij c_ij · x · ((y − 0.45)·d)^i · 0.9^j, the decay d
                     multiplying the stored deviation; backward uses the linear surrogate (19.3).
    y = Σ_m A_m over 64-token sub-arrays (digital adders);  out = a_o y + b_o per head.

φ is the HardSigmoid charge-to-pulse readout normalised by T_max (saturation 80 for the first
stage); the second stage saturates at 40. Sub-arrays are absolute blocks of ``array_len`` key
positions (a ring buffer of window/64 arrays holds the same blocks).

**Quantiser variant** (card §7): the reference grid is ``Δ·round(x/Δ)``, Δ = (max − min)/(n − 1),
which passes through 0. For Q ([0, 1], 16 levels) and K/V ([0, 0.9], 8 levels) that grid is exactly
the n levels. For the output ([−1, 1], 32 levels) it is not: ±1 rounds to ±32/31. The default here,
``"clamped"``, rounds on the reference grid and then clamps to [min, max], so a saturated output
reads ±1 (33 reachable values: 0, ±2/31, …, ±30/31, ±1). ``"reference"`` keeps the authors'
±32/31 quirk for agreement with their code. Zero stays a level in both, so an empty sub-array
adds exactly nothing to the digital sum.

Cost model (card §3, repo ``utils/plot_energy.py``, arXiv-era): per head per token
Φ(QKᵀ) 1120 pJ + Φ(S)V 700 pJ + digital & routing 4 nJ + DAC 330 pJ = 6.15 nJ; 65 ns per token
(heads and sub-arrays in parallel).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import Tensor

from suite.emulator import Emulator

# -- constants (card P08 §3) ------------------------------------------------------------------------
DECAY_LAMBDA = 1.6e-4  # per token, `decay_factor` of both fine-tuning configs
GAIN = 19.3  # least-squares gain of the cell model, used by the linear model and every backward pass
OFFSET = 0.45  # V_DD / 2: K/V offset
V_IN = 0.9  # word-line read voltage
S_SAT_1 = 80.0  # first-stage HardSigmoid saturation (normalised by T_max)
S_SAT_2 = 40.0  # second-stage saturation
T_MAX_S = 15e-9  # HardSigmoid pulse width at saturation
ARRAY_LEN = 64  # tokens per sub-array
Q_LEVELS, Q_RANGE = 16, (0.0, 1.0)
KV_LEVELS, KV_RANGE = 8, (0.0, 0.9)
OUT_LEVELS, OUT_RANGE = 32, (-1.0, 1.0)
#: c_ij for (i, j) = (0,0),(0,1),(0,2),(0,3),(1,0),(1,1),(1,2),(2,0),(2,1),(3,0) (authors' fit).
CELL_COEFFICIENTS: dict[tuple[int, int], float] = {
    (0, 0): 0.17393044,
    (0, 1): 0.15653739,
    (0, 2): 0.14088365,
    (0, 3): 0.12679529,
    (1, 0): 5.51975209,
    (1, 1): 4.96777688,
    (1, 2): 4.4709992,
    (2, 0): -1.44776001,
    (2, 1): -1.30298401,
    (3, 0): 46.05483778,
}
QUANTISER_VARIANTS = ("clamped", "reference")

# Energy per head per token (J) and latency per token (s), card P08 §3 / claim P08-4.
ENERGY_QK_J = 1120e-12
ENERGY_SV_J = 700e-12
ENERGY_DIGITAL_J = 4e-9
ENERGY_DAC_J = 330e-12
LATENCY_PER_TOKEN_S = 65e-9


# -- cell model ---------------------------------------------------------------------------------
def cell_polynomial(x: Tensor, y: Tensor, v_in: float = V_IN) -> Tensor:
    """The 2-D cell model Σ_{i+j≤3} c_ij · x · (y − 0.45)^i · V_in^j (card P08 §3), elementwise."""
    dev = y - OFFSET
    return x * sum(c * dev**i * v_in**j for (i, j), c in CELL_COEFFICIENTS.items())


def collapsed_coefficients(v_in: float = V_IN) -> tuple[float, float, float, float]:
    """a_i = Σ_j c_ij V_in^j: the 1-D cubic f(k′) = a_0 + a_1 k′ + a_2 k′² + a_3 k′³ at fixed V_in.

    At V_in = 0.9 the card gives f(k′) = 0.5214 + 13.612 k′ − 2.620 k′² + 46.055 k′³.
    """
    a = [0.0, 0.0, 0.0, 0.0]
    for (i, j), c in CELL_COEFFICIENTS.items():
        a[i] += c * v_in**j
    return a[0], a[1], a[2], a[3]


def least_squares_slope(n_points: int = 1001, v_in: float = V_IN) -> float:
    """Slope of the least-squares line through f(k′) on an even grid of k′ ∈ [−0.45, 0.45]."""
    k = torch.linspace(-OFFSET, OFFSET, n_points, dtype=torch.float64)
    a = collapsed_coefficients(v_in)
    f = sum(a[i] * k**i for i in range(4))
    kc = k - k.mean()
    return float((kc * (f - f.mean())).sum() / (kc * kc).sum())


# -- quantisation -------------------------------------------------------------------------------
class _RoundSTE(torch.autograd.Function):
    """round() forward, identity backward (straight-through estimator)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:  # noqa: D102
        return torch.round(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # noqa: D102
        return grad


def quantise(x: Tensor, levels: int, lo: float, hi: float, variant: str = "clamped") -> Tensor:
    """quant_n(x) = Δ·round(x/Δ), Δ = (hi − lo)/(n − 1), straight-through gradient (card P08 §3).

    ``variant="clamped"`` clamps the result to [lo, hi]; ``"reference"`` does not (see module doc).
    ``x`` is expected already clamped to [lo, hi].
    """
    if variant not in QUANTISER_VARIANTS:
        raise ValueError(f"quantiser variant '{variant}' unknown; known: {', '.join(QUANTISER_VARIANTS)}")
    delta = (hi - lo) / (levels - 1)
    out = _RoundSTE.apply(x / delta) * delta
    if variant == "clamped":
        out = out.clamp(lo, hi)
    return out


def quantiser_levels(levels: int, lo: float, hi: float, variant: str = "clamped") -> Tensor:
    """Every value :func:`quantise` can return for inputs in [lo, hi] (float64, sorted)."""
    delta = (hi - lo) / (levels - 1)
    ks = torch.arange(math.floor(lo / delta - 0.5), math.ceil(hi / delta + 0.5) + 1, dtype=torch.float64)
    vals = ks * delta
    vals = vals[(vals >= lo - delta / 2 - 1e-12) & (vals <= hi + delta / 2 + 1e-12)]
    if variant == "clamped":
        vals = vals.clamp(lo, hi)
    return torch.unique(vals)


# -- masks --------------------------------------------------------------------------------------
def window_mask(t_q: int, t_k: int, window: int, *, offset: int = 0, device: torch.device | None = None) -> Tensor:
    """Boolean ``[t_q, t_k]``: key j is visible to query i iff 0 ≤ (offset + i) − j < window (causal window).

    ``offset`` is the absolute position of the first query (a KV-cache decode step has t_q = 1).
    """
    i = offset + torch.arange(t_q, device=device)[:, None]
    j = torch.arange(t_k, device=device)[None, :]
    d = i - j
    return (d >= 0) & (d < window)


def decay_mask(
    t_q: int, t_k: int, window: int, lam: float = DECAY_LAMBDA, *, offset: int = 0, device=None, dtype=None
) -> Tensor:
    """D_ij = exp(−λ ((offset + i) − j)) inside the causal window, 0 outside (card P08 §3: leakage)."""
    i = offset + torch.arange(t_q, device=device, dtype=torch.float64)[:, None]
    j = torch.arange(t_k, device=device, dtype=torch.float64)[None, :]
    d = torch.exp(-lam * (i - j).clamp(min=0)).to(dtype or torch.float32)
    return d * window_mask(t_q, t_k, window, offset=offset, device=device)


# -- the attention step -------------------------------------------------------------------------
class GainCellParams(NamedTuple):
    """Per-head scalers (each ``[H]``) and the array configuration of one gain-cell attention head."""

    a_q: Tensor
    b_q: Tensor
    a_k: Tensor
    b_k: Tensor
    a_v: Tensor
    b_v: Tensor
    a_o: Tensor
    b_o: Tensor
    window: int
    array_len: int = ARRAY_LEN
    decay: float = DECAY_LAMBDA
    cell: str = "linear"  # "linear" | "nonlinear"
    quantise: bool = True
    quantiser: str = "clamped"


class GainCellSignals(NamedTuple):
    """Scaled signals before clamping (what the adaptation algorithm matches), ``[B, H, T, D]``."""

    q: Tensor
    k: Tensor
    v: Tensor
    out: Tensor


def _per_head(x: Tensor) -> Tensor:
    return x.view(1, -1, 1, 1)


def _stage1_nonlinear(q: Tensor, kdev: Tensor, dmask: Tensor) -> Tensor:
    """S_ts = Σ_d q_td f(k′_sd · D_ts) = Σ_i a_i D^i ⊙ (q @ (k′^i)ᵀ) with the collapsed cubic f."""
    a = collapsed_coefficients()
    s = a[0] * q.sum(-1, keepdim=True).expand(*q.shape[:-1], kdev.shape[-2])
    for i in (1, 2, 3):
        s = s + a[i] * dmask**i * (q @ (kdev**i).transpose(-1, -2))
    return s


def _stage2(phi: Tensor, vdev: Tensor, dmask: Tensor, p: GainCellParams) -> Tensor:
    """Σ_m quant₃₂(clamp(cell(φ_m, D_m, ṽ_m) / 40, −1, 1)) over sub-arrays of ``array_len`` keys."""
    b, h, t, tk = phi.shape
    n = p.array_len
    n_tiles = -(-tk // n)
    pad = n_tiles * n - tk
    if pad:
        phi = torch.nn.functional.pad(phi, (0, pad))
        dmask = torch.nn.functional.pad(dmask, (0, pad))
        vdev = torch.nn.functional.pad(vdev, (0, 0, 0, pad))
    phi_t = phi.view(b, h, t, n_tiles, n)
    d_t = dmask.reshape(t, n_tiles, n)
    v_t = vdev.view(b, h, n_tiles, n, -1)
    lin = GAIN * torch.einsum("bhtmn,bhmnd->bhmtd", phi_t * d_t, v_t)
    if p.cell == "nonlinear":
        a = collapsed_coefficients()
        nl = a[0] * phi_t.sum(-1).permute(0, 1, 3, 2).unsqueeze(-1)
        for i in (1, 2, 3):
            nl = nl + a[i] * torch.einsum("bhtmn,bhmnd->bhmtd", phi_t * d_t**i, v_t**i)
        pre = lin + (nl - lin).detach()
    else:
        pre = lin
    tiles = torch.clamp(pre / S_SAT_2, *OUT_RANGE)
    if p.quantise:
        tiles = quantise(tiles, OUT_LEVELS, *OUT_RANGE, variant=p.quantiser)
    # Tiles wholly in the future of a query hold zero charge; zero is a level, so they add nothing.
    return tiles.sum(2)


def gaincell_attention(
    q: Tensor, k: Tensor, v: Tensor, p: GainCellParams, *, q_offset: int = 0
) -> tuple[Tensor, GainCellSignals]:
    """Gain-cell attention (card P08 §3). q ``[B, H, Tq, D]``, k, v ``[B, H, Tk, D]`` -> (out, signals).

    ``q_offset`` is the absolute position of the first query: 0 for a full causal pass (Tq = Tk),
    Tk − 1 for one KV-cache decode step (Tq = 1).
    """
    sq = _per_head(p.a_q) * q + _per_head(p.b_q)
    sk = _per_head(p.a_k) * k + _per_head(p.b_k)
    sv = _per_head(p.a_v) * v + _per_head(p.b_v)
    qq = sq.clamp(*Q_RANGE)
    kk = sk.clamp(*KV_RANGE)
    vv = sv.clamp(*KV_RANGE)
    if p.quantise:
        qq = quantise(qq, Q_LEVELS, *Q_RANGE, variant=p.quantiser)
        kk = quantise(kk, KV_LEVELS, *KV_RANGE, variant=p.quantiser)
        vv = quantise(vv, KV_LEVELS, *KV_RANGE, variant=p.quantiser)
    dmask = decay_mask(q.shape[-2], k.shape[-2], p.window, p.decay, offset=q_offset, device=q.device, dtype=q.dtype)
    visible = dmask > 0
    kdev, vdev = kk - OFFSET, vv - OFFSET
    s_lin = GAIN * (qq @ kdev.transpose(-1, -2)) * dmask
    if p.cell == "nonlinear":
        s_nl = _stage1_nonlinear(qq, kdev, dmask)
        s = s_lin + (s_nl - s_lin).detach()
    elif p.cell == "linear":
        s = s_lin
    else:
        raise ValueError(f"gain-cell model '{p.cell}' unknown; known: linear, nonlinear")
    s = s.masked_fill(~visible, 0.0)
    phi = torch.clamp(s / S_SAT_1, 0.0, 1.0)
    y = _stage2(phi, vdev, dmask, p)
    out = _per_head(p.a_o) * y + _per_head(p.b_o)
    return out, GainCellSignals(q=sq, k=sk, v=sv, out=out)


# -- cost model ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GainCellEmulator(Emulator):
    """The gain-cell emulator: constraints above, and the per-token analog cost model of card P08 §3."""

    def energy_per_token_head_j(self) -> float:
        c = self.constants
        return float(c["energy_qk_j"] + c["energy_sv_j"] + c["energy_digital_j"] + c["energy_dac_j"])

    def costs(self, counts: Mapping[str, float]) -> dict[str, float]:
        """From ``{"tokens", "heads", "layers"}`` (layers default 1): energy (J) and latency (s).

        energy = tokens · heads · layers · 6.15 nJ;  latency = tokens · layers · 65 ns.
        """
        tokens, heads, layers = float(counts["tokens"]), float(counts["heads"]), float(counts.get("layers", 1))
        return {
            "energy_j": tokens * heads * layers * self.energy_per_token_head_j(),
            "latency_s": tokens * layers * float(self.constants["latency_per_token_s"]),
        }


GAINCELL = GainCellEmulator(
    name="gaincell",
    description="analog gain-cell attention (Leroux, Manea et al. 2025): quantised Q/K/V, leaky storage, "
    "HardSigmoid readout, 64-token sub-arrays; per-token analog energy/latency model",
    cost_model="gaincell-leroux2025-arxiv (utils/plot_energy.py)",
    constants={
        "energy_qk_j": ENERGY_QK_J,
        "energy_sv_j": ENERGY_SV_J,
        "energy_digital_j": ENERGY_DIGITAL_J,
        "energy_dac_j": ENERGY_DAC_J,
        "latency_per_token_s": LATENCY_PER_TOKEN_S,
        "decay_lambda": DECAY_LAMBDA,
        "gain": GAIN,
        "array_len": ARRAY_LEN,
    },
)
