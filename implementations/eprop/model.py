"""Model factories of the P04 package: a cell, a layer size and the gradient method used to train it.

``factory(**hparams) -> EpropModel``; the protocols of this package call ``model.cell(key)`` and
``model.init(key, n_inputs, n_classes)``. The gradient method is part of the model name
(``eprop-lif`` trains with sparse e-prop, ``bptt-lif`` with BPTT) so that the report sets them
side by side on the same task.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax

from implementations.eprop.alif import alif_cell
from implementations.eprop.cell import Cell
from implementations.eprop.lif import lif_cell
from implementations.eprop.network import NetParams, init_params
from implementations.eprop.silif import silif_cell

CELLS = ("lif", "alif", "silif")
GRADIENTS = ("eprop", "bptt", "naive", "rtrl")


@dataclass(frozen=True)
class EpropModel:
    """A one-layer spiking network with a readout, and the gradient method that trains it."""

    cell_name: str
    gradient: str = "eprop"
    hidden: int = 64
    recurrent: bool = False
    reset: str = "A"

    def __post_init__(self) -> None:
        if self.cell_name not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell_name!r}")
        if self.gradient not in GRADIENTS:
            raise ValueError(f"gradient must be one of {GRADIENTS}, got {self.gradient!r}")
        if self.hidden < 1:
            raise ValueError(f"hidden must be >= 1, got {self.hidden}")

    def cell(self, key: jax.Array) -> Cell:
        """The cell (SiLIF draws its per-neuron constants from ``key``)."""
        if self.cell_name == "lif":
            return lif_cell(reset=self.reset)
        if self.cell_name == "alif":
            return alif_cell()
        return silif_cell(self.hidden, key=key)

    def init(self, key: jax.Array, n_inputs: int, n_classes: int) -> NetParams:
        return init_params(key, n_inputs, self.hidden, n_classes, recurrent=self.recurrent)

    def param_count(self, n_inputs: int, n_classes: int) -> int:
        """Trainable weights: W_in (H × (I [+ H])) and W_out (C × H)."""
        fan_in = n_inputs + (self.hidden if self.recurrent else 0)
        return self.hidden * fan_in + n_classes * self.hidden


def _builder(cell_name: str, gradient: str):
    def build(hidden: int = 64, recurrent: bool = False, reset: str = "A") -> EpropModel:
        return EpropModel(cell_name, gradient, int(hidden), bool(recurrent), reset)

    build.__name__ = f"build_{gradient}_{cell_name}"
    build.__doc__ = f"{cell_name.upper()} layer + readout trained with {gradient}."
    return build


build_eprop_lif = _builder("lif", "eprop")
build_eprop_alif = _builder("alif", "eprop")
build_eprop_silif = _builder("silif", "eprop")
build_bptt_lif = _builder("lif", "bptt")
build_bptt_alif = _builder("alif", "bptt")
