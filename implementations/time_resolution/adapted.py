"""A trained sparch network re-discretised for another time resolution (card P06 §3).

:func:`adapt_network` reads a trained :class:`~implementations.baselines.sparch.SparchNet` whose
hidden cells are adLIF-family neurons (adLIF, CadLIF, SiLIF: their ``params()`` give α, β, a, b),
writes each population and the leaky readout in state-space form, maps them with one of
:data:`~implementations.time_resolution.mappings.METHODS`, and returns an :class:`AdaptedNet` that
runs the generic form (an adapted neuron generally leaves the (α, β, a) family, card P06 §3):

    hidden:  h_t = Ā h_{t−1} + b_count·(g ⊙ W x_t) + b_const·c + S̄ s_{t−1},   s_t = H(h_t[0] − θ)
    readout: u_t = ā u_{t−1} + b_count·(g ⊙ W s_t) + b_const·c,               out = Σ_t softmax(u_t)

with g, c the eval-mode BatchNorm gain and shift. With method ``none`` and k = 1 it computes the
source network's eval-mode output exactly (tested).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from implementations.baselines.sparch import SparchNet
from implementations.neurons.initial_state import initial_tensor
from implementations.neurons.scan import scan
from implementations.neurons.surrogate import spike_boxcar
from implementations.time_resolution.mappings import Discretization, adapt, adlif_ssm, leaky_ssm


class GenericParams(NamedTuple):
    a: Tensor  # [n, d, d]
    b_count: Tensor  # [n, d]
    b_const: Tensor  # [n, d]
    s: Tensor  # [n, d]
    const: Tensor  # [n], the BN shift c
    threshold: float | None  # None: no spikes (readout)


class GenericState(NamedTuple):
    h: Tensor  # [batch, n, d]
    s: Tensor  # [batch, n]


def generic_step(i_t: Tensor, state: GenericState, p: GenericParams) -> tuple[Tensor, GenericState]:
    """h_t = Ā h_{t−1} + b_count·i_t + b_const·c + S̄ s_{t−1}; s_t = H(h_t[0] − θ) (or softmax(h_t[0]) for a readout)."""
    h = (
        torch.einsum("nij,bnj->bni", p.a, state.h)
        + p.b_count * i_t[..., None]
        + p.b_const * p.const[:, None]
        + p.s * state.s[..., None]
    )
    if p.threshold is None:
        return torch.softmax(h[..., 0], dim=-1), GenericState(h=h, s=state.s)
    s = spike_boxcar(h[..., 0] - p.threshold)
    return s, GenericState(h=h, s=s)


def _bn_gain_shift(bn: nn.BatchNorm1d) -> tuple[Tensor, Tensor]:
    """Eval-mode BN(z) = g·z + c: g = γ/√(σ²+ε), c = β − g·μ."""
    g = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return g.detach(), (bn.bias - g * bn.running_mean).detach()


class AdaptedLayer(nn.Module):
    """One population in generic form; ``threshold=None`` makes it a softmax-emitting readout."""

    neurorepro_activation = True

    def __init__(self, linear: nn.Linear, bn: nn.BatchNorm1d, disc: Discretization, threshold: float | None) -> None:
        super().__init__()
        self.W = nn.Linear(linear.in_features, linear.out_features, bias=False)
        self.W.weight.data.copy_(linear.weight.detach())
        g, c = _bn_gain_shift(bn)
        f32 = {"dtype": torch.float32}
        self.register_buffer("gain", g.to(**f32))
        self.register_buffer("const", c.to(**f32))
        self.register_buffer("a", torch.as_tensor(disc.a, **f32))
        self.register_buffer("b_count", torch.as_tensor(disc.b_count, **f32))
        self.register_buffer("b_const", torch.as_tensor(disc.b_const, **f32))
        self.register_buffer("s_gain", torch.as_tensor(disc.s, **f32))
        self.threshold = threshold
        self.n, self.d = disc.a.shape[0], disc.a.shape[-1]

    def params(self) -> GenericParams:
        return GenericParams(self.a, self.b_count, self.b_const, self.s_gain, self.const, self.threshold)

    def forward(self, x: Tensor, *, generator: torch.Generator | None = None, zero: bool = True) -> Tensor:
        i = self.W(x) * self.gain
        b = x.shape[0]
        h0 = torch.stack(
            [initial_tensor(b, self.n, zero=zero, like=i, generator=generator) for _ in range(self.d)], dim=-1
        )
        s0 = initial_tensor(b, self.n, zero=zero or self.threshold is None, like=i, generator=generator)
        out, _ = scan(generic_step, i, GenericState(h=h0, s=s0), self.params())
        return out

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        """Per-sample state: h (and the previous spike) for a population; u and the softmax sum for a readout."""
        if self.threshold is None:
            return {"h": ((self.n, self.d), torch.float32), "out": ((self.n,), torch.float32)}
        return {"h": ((self.n, self.d), torch.float32), "s": ((self.n,), torch.float32)}


class AdaptedNet(nn.Module):
    """Hidden populations and readout in generic form; ``forward(x [B,T,C]) -> Σ_t softmax [B, classes]``."""

    def __init__(self, hidden: list[AdaptedLayer], readout: AdaptedLayer, *, zero_init_state: bool) -> None:
        super().__init__()
        self.hidden = nn.ModuleList(hidden)
        self.readout = readout
        self.zero_init_state = zero_init_state

    def forward(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        for layer in self.hidden:
            x = layer(x, generator=generator, zero=self.zero_init_state)
        return self.readout(x, generator=generator, zero=self.zero_init_state).sum(dim=1)


def _cell_decays(cell: nn.Module) -> tuple[np.ndarray, ...]:
    """(α, β, a, b) of an adLIF-family cell, from its ``params()``."""
    p = cell.params() if hasattr(cell, "params") else None
    if p is None or not all(hasattr(p, f) for f in ("alpha", "beta", "a", "b")):
        raise ValueError(
            f"cell {type(cell).__name__} is not an adLIF-family neuron (params() must give alpha, beta, a, b); "
            "time-resolution adaptation supports adlif, cadlif and silif"
        )
    return tuple(getattr(p, f).detach().double().cpu().numpy() for f in ("alpha", "beta", "a", "b"))


def adapt_network(net: SparchNet, method: str, k: float) -> AdaptedNet:
    """``net`` mapped to the resolution Δ_s/k with ``method`` (card P06 §3); ``net`` is not modified."""
    layers = []
    for layer in net.hidden:
        decays = _cell_decays(layer.cell)
        disc = adapt(adlif_ssm(*decays), method, k, decays=decays)
        layers.append(AdaptedLayer(layer.W, layer.norm, disc, float(layer.cell.threshold)))
    alpha_r = net.readout.params().alpha.detach().double().cpu().numpy()
    disc_r = adapt(leaky_ssm(alpha_r), method, k, decays=(alpha_r,))
    readout = AdaptedLayer(net.readout.W, net.readout.norm, disc_r, None)
    zero = bool(getattr(net.readout, "zero_init_state", True))
    return AdaptedNet(layers, readout, zero_init_state=zero).eval()
