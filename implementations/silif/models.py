"""The P01 models: the sparch network (``implementations.baselines.sparch``) around each P01 cell.

Every factory is ``factory(n_inputs, n_classes, **hparams) -> SparchNet`` for the
``classification`` protocol: 2 hidden layers Linear(bias=False) -> BatchNorm1d(0.05) over (B·T, H)
-> cell -> Dropout, and the leaky readout summing softmax over time (card P01 §3, "Network").
Weight initialisation follows the card: Xavier-uniform for SiLIF and CadLIF, PyTorch's default for
C-SiLIF (and, unstated in the card, for ResonateFire and S4D).
"""

from __future__ import annotations

from functools import partial

from implementations.baselines.sparch import SparchNet
from implementations.neurons.cadlif import CadLIF
from implementations.neurons.csilif import DT_MAX_SHD, DT_MIN, CSiLIF
from implementations.neurons.rf import ResonateFire
from implementations.neurons.s4d import D_STATE, S4D
from implementations.neurons.silif import SiLIF


def build_silif(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
) -> SparchNet:
    """SiLIF network (card P01 §3): 5 trainable values per neuron, Xavier-uniform weights."""
    return SparchNet(
        n_inputs, n_classes, SiLIF, hidden=hidden, layers=layers, dropout=dropout,
        zero_init_state=zero_init_state, weight_init="xavier",
    )  # fmt: skip


def build_csilif(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
    dt_min: float = DT_MIN,
    dt_max: float = DT_MAX_SHD,
) -> SparchNet:
    """C-SiLIF network (card P01 §3): 4 trainable values per neuron, PyTorch-default weights.

    ``dt_max`` is 0.5 in the SHD configs and 5 in the SSC configs.
    """
    cell = partial(CSiLIF, dt_min=dt_min, dt_max=dt_max)
    return SparchNet(
        n_inputs, n_classes, cell, hidden=hidden, layers=layers, dropout=dropout, zero_init_state=zero_init_state
    )


def build_cadlif(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
) -> SparchNet:
    """CadLIF network (card P01 §3 baseline): adLIF with the SiLIF-init ranges, Xavier-uniform weights."""
    return SparchNet(
        n_inputs, n_classes, CadLIF, hidden=hidden, layers=layers, dropout=dropout,
        zero_init_state=zero_init_state, weight_init="xavier",
    )  # fmt: skip


def build_rf(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
    input_form: str = "unscaled",
) -> SparchNet:
    """Resonate-and-fire network (card P01 §3 baseline, reconstructed: the HEAD layer is broken).

    ``input_form`` "unscaled" (the default, model ``rf``) is the authors' development form
    u_t = (1 + Δλ)(u − s) + I_t [unverified]; "euler" (model ``rf-euler``) is the card's HEAD
    equation, whose input scaled by Δ = 0.004 never spikes after BN (``implementations.neurons.rf``)."""
    return SparchNet(
        n_inputs, n_classes, partial(ResonateFire, input_form=input_form), hidden=hidden, layers=layers,
        dropout=dropout, zero_init_state=zero_init_state,
    )  # fmt: skip


def build_s4d(
    n_inputs: int,
    n_classes: int,
    *,
    hidden: int = 512,
    layers: int = 2,
    dropout: float = 0.0,
    zero_init_state: bool = False,
    d_state: int = D_STATE,
) -> SparchNet:
    """Non-spiking S4D-Lin network in the same sparch frame (comparator; layout is a suite choice)."""
    cell = partial(S4D, d_state=d_state)
    return SparchNet(
        n_inputs, n_classes, cell, hidden=hidden, layers=layers, dropout=dropout, zero_init_state=zero_init_state
    )
