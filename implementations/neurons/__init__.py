"""Spiking cells shared by several papers.

Each cell is one file: parameter and state NamedTuples, a pure ``*_step(i_t, state, p)``
function with the card's equations, and a thin module on :class:`~implementations.neurons.cell.SpikingCell`
(initial states, the scan over time, the state spec) that names its step and state. A cell
module maps input currents [batch, time, n] to spikes [batch, time, n], takes
``zero_init_state`` and an optional ``generator`` for its initial states, marks itself with
``neurorepro_activation = True`` for the activity recorder, and reports ``state_spec()``.
"""

from implementations.neurons.adlif import AdLIF, AdLIFParams, AdLIFState, adlif_step
from implementations.neurons.cadlif import CadLIF
from implementations.neurons.csilif import CSiLIF, CSiLIFParams, CSiLIFState, csilif_step
from implementations.neurons.lif import LIF, LIFParams, LIFState, lif_step
from implementations.neurons.rf import ResonateFire, RFParams, RFState, rf_step
from implementations.neurons.s4d import S4D, S4DParams, S4DState, s4d_step
from implementations.neurons.silif import SiLIF, SiLIFParams, SiLIFState, silif_step
from implementations.neurons.surrogate import spike_boxcar

__all__ = [
    "S4D",
    "SiLIF",
    "CSiLIF",
    "CadLIF",
    "ResonateFire",
    "CSiLIFParams",
    "CSiLIFState",
    "RFParams",
    "RFState",
    "S4DParams",
    "S4DState",
    "SiLIFParams",
    "SiLIFState",
    "csilif_step",
    "rf_step",
    "s4d_step",
    "silif_step",
    "LIF",
    "AdLIF",
    "AdLIFParams",
    "AdLIFState",
    "LIFParams",
    "LIFState",
    "adlif_step",
    "lif_step",
    "spike_boxcar",
]
