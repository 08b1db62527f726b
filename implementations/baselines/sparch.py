"""The sparch network used by every neuron model of card P01 (§3, "Network").

    x [B, T, n_inputs]
    -> hidden layer × L:  Linear(bias=False) -> BatchNorm1d(momentum=0.05) over (B·T, H) -> cell -> Dropout
    -> readout:           Linear(bias=False) -> BatchNorm1d(momentum=0.05) over (B·T, C) -> leaky integrator
    -> output  Σ_t softmax(u_t)  [B, C]

The readout is non-spiking: u_t = α_c·u_{t−1} + (1 − α_c)·BN(W s_t) with a per-output α clamped to
[e^{−1/5}, e^{−1/25}]. The training loss is ``nn.CrossEntropyLoss`` applied to the sum of
softmaxes, reproduced as written (a second log-softmax, card §7).

A cell is any ``nn.Module`` class built as ``cell(n_neurons, zero_init_state=...)`` that maps
currents [B, T, H] to spikes [B, T, H] and takes an optional ``generator`` keyword for its
initial states (see ``implementations.neurons``). SiLIF and C-SiLIF plug in the same way.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Protocol

import torch
from torch import Tensor, nn

from implementations.neurons.adlif import AdLIF
from implementations.neurons.initial_state import initial_tensor
from implementations.neurons.lif import LIF
from implementations.neurons.scan import scan

READOUT_ALPHA_RANGE = (math.exp(-1 / 5), math.exp(-1 / 25))
BN_MOMENTUM = 0.05


class CellFactory(Protocol):
    def __call__(self, n_neurons: int, *, zero_init_state: bool) -> nn.Module: ...


# -- readout ----------------------------------------------------------------------------------------


class ReadoutParams(NamedTuple):
    alpha: Tensor  # [classes], clamped to READOUT_ALPHA_RANGE


class ReadoutState(NamedTuple):
    u: Tensor  # [batch, classes]


def readout_step(i_t: Tensor, state: ReadoutState, p: ReadoutParams) -> tuple[Tensor, ReadoutState]:
    """u_t = α·u_{t−1} + (1 − α)·i_t; emits softmax(u_t) over classes (card P01 §3, "Readout")."""
    u = p.alpha * state.u + (1 - p.alpha) * i_t
    return torch.softmax(u, dim=-1), ReadoutState(u=u)


def _batchnorm_over_time(bn: nn.BatchNorm1d, x: Tensor) -> Tensor:
    """BatchNorm1d over the (B·T, features) view of a [B, T, features] tensor, as sparch does."""
    b, t, f = x.shape
    return bn(x.reshape(b * t, f)).reshape(b, t, f)


class LeakyReadout(nn.Module):
    """The sparch readout: Linear(bias=False) -> BN -> leaky integrator -> Σ_t softmax(u_t).

    The initial potential u0 is U[0,1) (redrawn every forward call, as in the SiLIF code) or zero.
    """

    def __init__(self, n_inputs: int, n_classes: int, *, zero_init_state: bool = False) -> None:
        super().__init__()
        self.n_classes = int(n_classes)
        self.zero_init_state = bool(zero_init_state)
        self.W = nn.Linear(n_inputs, n_classes, bias=False)
        self.norm = nn.BatchNorm1d(n_classes, momentum=BN_MOMENTUM)
        self.alpha = nn.Parameter(torch.empty(n_classes).uniform_(*READOUT_ALPHA_RANGE))

    def params(self) -> ReadoutParams:
        return ReadoutParams(alpha=self.alpha.clamp(*READOUT_ALPHA_RANGE))

    def forward(self, s: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """Spikes [B, T, H] -> Σ_t softmax(u_t) [B, C]; each row sums to T."""
        i = _batchnorm_over_time(self.norm, self.W(s))
        u0 = initial_tensor(i.shape[0], self.n_classes, zero=self.zero_init_state, like=i, generator=generator)
        probs, _ = scan(readout_step, i, ReadoutState(u=u0), self.params())
        return probs.sum(dim=1)

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        """Per-sample state at inference: the potential u and the running sum of softmaxes."""
        return {"u": ((self.n_classes,), torch.float32), "out": ((self.n_classes,), torch.float32)}


# -- hidden layer and network -----------------------------------------------------------------------


class SpikingLayer(nn.Module):
    """Linear(bias=False) -> BatchNorm1d(momentum=0.05) over (B·T, H) -> cell -> Dropout."""

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        cell: CellFactory,
        *,
        dropout: float = 0.0,
        zero_init_state: bool = False,
        weight_init: str = "default",
    ) -> None:
        super().__init__()
        self.W = nn.Linear(n_inputs, n_neurons, bias=False)
        if weight_init == "xavier":
            nn.init.xavier_uniform_(self.W.weight)
        elif weight_init != "default":
            raise ValueError(f"weight_init must be 'default' or 'xavier', got {weight_init!r}")
        self.norm = nn.BatchNorm1d(n_neurons, momentum=BN_MOMENTUM)
        self.cell = cell(n_neurons, zero_init_state=zero_init_state)
        self.drop = nn.Dropout(p=dropout)

    def forward(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        i = _batchnorm_over_time(self.norm, self.W(x))
        return self.drop(self.cell(i, generator=generator))


class SparchNet(nn.Module):
    """``layers`` spiking hidden layers of ``hidden`` units and the leaky softmax-sum readout.

    ``forward(x [B, T, n_inputs]) -> [B, n_classes]``, the sum over time of the readout's
    softmax (each row sums to T). ``generator`` seeds the random initial states of this call;
    without it they come from torch's global generator.
    """

    def __init__(
        self,
        n_inputs: int,
        n_classes: int,
        cell: CellFactory,
        *,
        hidden: int = 512,
        layers: int = 2,
        dropout: float = 0.0,
        zero_init_state: bool = False,
        weight_init: str = "default",
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"layers must be at least 1, got {layers}")
        sizes = [int(n_inputs)] + [int(hidden)] * int(layers)
        self.hidden = nn.ModuleList(
            SpikingLayer(
                sizes[k],
                sizes[k + 1],
                cell,
                dropout=dropout,
                zero_init_state=zero_init_state,
                weight_init=weight_init,
            )
            for k in range(int(layers))
        )
        self.readout = LeakyReadout(sizes[-1], n_classes, zero_init_state=zero_init_state)

    def forward(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        for layer in self.hidden:
            x = layer(x, generator=generator)
        return self.readout(x, generator=generator)


# -- factories (the registered models) ---------------------------------------------------------------


def build_lif(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
) -> SparchNet:
    """The sparch LIF network (card P01 §3): PyTorch-default Linear init, random initial states."""
    return SparchNet(
        n_inputs, n_classes, LIF, hidden=hidden, layers=layers, dropout=dropout, zero_init_state=zero_init_state
    )


def build_adlif(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
) -> SparchNet:
    """The sparch adLIF network (card P01 §3, baseline): PyTorch-default Linear init."""
    return SparchNet(
        n_inputs, n_classes, AdLIF, hidden=hidden, layers=layers, dropout=dropout, zero_init_state=zero_init_state
    )
