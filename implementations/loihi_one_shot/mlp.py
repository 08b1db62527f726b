"""The P10 network: a CUBA-LIF MLP (card P10 §3: 512-512-N at paper scale, 64-64-N at smoke scale).

The backbone (all layers but the last) and the plastic output layer are separate so the inner loop
only re-runs the output layer: ``features(x)`` gives the spikes entering the last layer, and
``head(features, w)`` runs the output layer with explicit (adapted) weights ``w [N, H]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from implementations.emulators.loihi2 import quantize_8bit
from implementations.loihi_one_shot.cuba import CubaParams, cuba_run


class CubaMLP(nn.Module):
    """Dense CUBA-LIF layers, no biases (lava-dl Dense), Xavier-uniform weights.

    ``quantize``: weights pass through lava-dl's ``quantize_8bit`` (``w_scale``) in every forward pass
    (the paper's ``quantize: true``).
    """

    def __init__(
        self,
        n_inputs: int,
        n_classes: int,
        *,
        hidden: Sequence[int] = (64, 64),
        current_decay: float = 0.97,
        voltage_decay: float = 0.92,
        threshold: float = 0.5,
        quantize: bool = True,
        w_scale: float = 64.0,
        input_gain: float = 1.0,
    ) -> None:
        super().__init__()
        sizes = [int(n_inputs), *map(int, hidden)]
        self.layers = nn.ParameterList(
            [
                nn.Parameter(nn.init.xavier_uniform_(torch.empty(o, i)))
                for i, o in zip(sizes[:-1], sizes[1:], strict=True)
            ]
        )
        self.out = nn.Parameter(nn.init.xavier_uniform_(torch.empty(int(n_classes), sizes[-1])))
        self.cuba = CubaParams(float(current_decay), float(voltage_decay), float(threshold))
        self.quantize = bool(quantize)
        self.w_scale = float(w_scale)
        self.input_gain = float(input_gain)
        self.n_classes = int(n_classes)

    def q(self, w: Tensor) -> Tensor:
        return quantize_8bit(w, self.w_scale) if self.quantize else w

    def features(self, x: Tensor) -> Tensor:
        """Spikes of the last hidden layer ``[B, T, H]`` for input events ``[B, T, C]``."""
        h = x * self.input_gain
        for w in self.layers:
            h, _ = cuba_run(h @ self.q(w).t(), self.cuba)
        return h

    def head(self, feats: Tensor, w: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Output spikes and ``v − θ`` ``[B, T, N]`` of the output layer with weights ``w`` (default: ``out``)."""
        w = self.out if w is None else w
        return cuba_run(feats @ self.q(w).t(), self.cuba)

    def forward(self, x: Tensor) -> Tensor:
        """Scores ``[B, N]``: output spike counts (the classification-protocol interface)."""
        return scores(*self.head(self.features(x)))


LOGIT_SCALE = 4.0


def scores(s: Tensor, x: Tensor) -> Tensor:
    """Readout ``[B, N]``: 4 × the output spike rate plus the time-averaged ``v − θ`` (suite choice).

    The card predicts with the time-averaged output spikes; the voltage term breaks ties between
    equal counts and keeps a gradient for silent outputs (a pure count loss lets all outputs die).
    """
    return LOGIT_SCALE * s.mean(1) + x.mean(1)


def xavier_head(n_classes: int, n_hidden: int, *, generator: torch.Generator | None = None) -> Tensor:
    """A fresh Xavier-uniform output layer (the SOEL ``--do-train`` re-initialisation, transfer baseline)."""
    a = math.sqrt(6.0 / (n_classes + n_hidden))
    return (torch.rand(n_classes, n_hidden, generator=generator) * 2 - 1) * a


def build_cuba_mlp(n_inputs: int, n_classes: int, **hparams) -> CubaMLP:
    """Model factory (``maml-soel-mlp``, ``maml-sgd-mlp``, ``transfer-mlp``): a :class:`CubaMLP`."""
    return CubaMLP(n_inputs, n_classes, **hparams)
