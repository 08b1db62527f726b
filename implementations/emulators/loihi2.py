"""The ``loihi2`` emulator: Loihi 2 fixed-point neurons, learning engine and a per-operation cost model.

Neither the chip nor Lava (Python < 3.11) is available, so this module emulates what the cards
P07 and P10 need, on integer-valued torch tensors (int64 arithmetic, so nothing overflows before the
explicit saturation). Every width is a named constant with its source:

* CUBA-LIF neurons with 12-bit current/voltage decays and 24-bit state (:func:`cuba_step_fixed`);
* weights as an 8-bit magnitude plus sign (9-bit signed mantissa) with a per-layer exponent
  (:func:`quantize_weights`), and lava-dl's ``quantize_8bit`` used during meta-training
  (:func:`quantize_8bit`, card P10 §3);
* 7-bit unsigned traces with an impulse and a 12-bit decay (:func:`trace_step`);
* 24-bit graded spikes (:func:`graded_spike`);
* learning rules in Loihi's sum-of-products form over x0, y0, u, x1, x2, y1, y2, y3, w, t, d
  (:class:`ProductTerm`, :func:`rule_delta`), accumulated in a 16-bit signed accumulator and
  applied to the weights once per learning epoch (:func:`apply_learning_epoch`).

Rounding: the chip's learning engine rounds stochastically; this emulator rounds half away from
zero, deterministically (an *approximation*, stated in the READMEs). Saturation is exact clipping
at the stated widths.

The cost model (:class:`Loihi2Emulator.costs`) multiplies counted operations by per-operation
energies and latencies. Loihi 2 per-operation figures are not published; the constants are the
Loihi 1 figures of Davies et al. (2018) and are marked as estimates for Loihi 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch
from torch import Tensor

from suite.emulator import Emulator

# -- widths (lava-nc 0.8 `lava/magma/core/learning/constants.py`, card P07 §3 / P10 §3: verified) --
W_WEIGHTS_U = 8  # weight magnitude bits
W_WEIGHTS_S = 9  # signed weight mantissa bits (8 + sign): [-256, 255]
W_TRACE = 7  # trace bits x1, x2, y1, y2, y3 (unsigned): [0, 127]
W_ACCUMULATOR_S = 16  # signed synaptic-change accumulator: [-32768, 32767]
W_CONST = 8  # additive constants in product factors
W_MANTISSA = 4  # scaling mantissa of a product term (signed here: [-8, 7])
W_TAG_1 = 8  # tag_1 width
W_TAG_2 = 7  # tag_2 width
W_GRADED_SPIKE = 24  # graded-spike payload (`num_message_bits=24`, card P07 §3: verified)
# -- neuron core (lava-nc PyLifModelBitAcc: unverified, from memory; card P10 §3 "12-bit decays") ---
W_DECAY = 12  # current/voltage decay constants du, dv in [0, 4096]; unity = 2**12
DECAY_UNITY = 1 << W_DECAY
W_STATE = 24  # signed current u and voltage v: [-(2**23 - 1), 2**23 - 1]
W_WEIGHT_EXP_BITS = 3  # per-layer weight exponent range [-8, 7] (suite choice, labelled)
WEIGHT_EXP_RANGE = (-8, 7)
LAVA_DL_W_SCALE = 1 << 6  # lava-dl default weight scale: quantize_8bit step 2/w_scale (card P10 §3)

WEIGHT_MIN, WEIGHT_MAX = -(1 << (W_WEIGHTS_S - 1)), (1 << (W_WEIGHTS_S - 1)) - 1
TRACE_MAX = (1 << W_TRACE) - 1
ACC_MIN, ACC_MAX = -(1 << (W_ACCUMULATOR_S - 1)), (1 << (W_ACCUMULATOR_S - 1)) - 1
STATE_MAX = (1 << (W_STATE - 1)) - 1
GRADED_MIN, GRADED_MAX = -(1 << (W_GRADED_SPIKE - 1)), (1 << (W_GRADED_SPIKE - 1)) - 1
MANTISSA_MIN, MANTISSA_MAX = -(1 << (W_MANTISSA - 1)), (1 << (W_MANTISSA - 1)) - 1
CONST_MIN, CONST_MAX = -(1 << (W_CONST - 1)), (1 << (W_CONST - 1)) - 1
RULE_VARIABLES = ("x0", "y0", "u", "x1", "x2", "y1", "y2", "y3", "w", "t", "d")

# -- cost model: Davies et al. 2018, "Loihi: a neuromorphic manycore processor with on-chip learning",
# IEEE Micro 38(1), Table 2 (Loihi 1, 14 nm). [unverified: recalled figures; ESTIMATES for Loihi 2]
E_SYNOP_J = 23.6e-12  # energy per synaptic spike operation (min)
T_SYNOP_S = 3.5e-9  # time per synaptic spike operation (max)
E_SYN_UPDATE_J = 120e-12  # energy per synaptic update (pairwise STDP)
T_SYN_UPDATE_S = 6.1e-9  # time per synaptic update
E_NEURON_UPDATE_J = 52e-12  # energy per (active) neuron update
T_NEURON_UPDATE_S = 8.4e-9  # time per (active) neuron update [estimate]
E_SPIKE_ROUTE_J = 1.7e-12  # within-tile spike energy
T_BARRIER_S = 1.0e-6  # per-timestep barrier synchronisation [ESTIMATE: order of magnitude, suite choice]
N_CORES = 128  # neuro-cores per Loihi 2 chip (card P07 §3, third-party: unverified)


# -- quantisers -----------------------------------------------------------------------------------------
def round_half_away(x: Tensor) -> Tensor:
    """Round to the nearest integer, halves away from zero (the emulator's deterministic rounding)."""
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def saturate(x: Tensor, lo: int, hi: int) -> Tensor:
    """Clip to ``[lo, hi]`` (Loihi saturates; it never wraps)."""
    return torch.clamp(x, lo, hi)


def shift_round(x: Tensor, shift: int) -> Tensor:
    """``x · 2**shift`` rounded half away from zero for negative shifts (an arithmetic shift that rounds)."""
    x = x.to(torch.int64)
    if shift >= 0:
        return x * (1 << shift)
    half = 1 << (-shift - 1)
    return torch.sign(x) * ((torch.abs(x) + half) >> (-shift))


def weight_exponent(w: Tensor) -> int:
    """The smallest per-layer exponent e with ``max|w| / 2**e <= WEIGHT_MAX`` (clamped to WEIGHT_EXP_RANGE)."""
    m = float(w.detach().abs().max()) if w.numel() else 0.0
    if m == 0.0:
        return WEIGHT_EXP_RANGE[0]
    e = math.ceil(math.log2(m / WEIGHT_MAX))
    return int(min(max(e, WEIGHT_EXP_RANGE[0]), WEIGHT_EXP_RANGE[1]))


def quantize_weights(w: Tensor, exponent: int | None = None) -> tuple[Tensor, int]:
    """8-bit + sign mantissa and per-layer exponent: ``w ≈ m · 2**e``, ``m ∈ [-256, 255]`` (int64)."""
    e = weight_exponent(w) if exponent is None else int(exponent)
    m = saturate(round_half_away(w.detach().double() / 2.0**e), WEIGHT_MIN, WEIGHT_MAX).to(torch.int64)
    return m, e


def dequantize_weights(m: Tensor, exponent: int) -> Tensor:
    return m.to(torch.float32) * 2.0**exponent


class _RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        return torch.round(x)

    @staticmethod
    def backward(ctx, g: Tensor) -> Tensor:  # type: ignore[override]
        return g


def quantize_8bit(w: Tensor, w_scale: float = LAVA_DL_W_SCALE) -> Tensor:
    """lava-dl ``quantize_8bit`` (card P10 §3, verified): step 2/w_scale, clamp to [-256, 255]/w_scale.

    ``w_q = clamp(2·round(w·w_scale/2), -256, 255) / w_scale``, straight-through gradient (lava-dl's
    pre-hook with ``descale=True``). Values are even mantissas, i.e. 8-bit weights with a per-layer scale.
    """
    q = 2.0 * _RoundSTE.apply(w * w_scale / 2.0)
    return torch.clamp(q, float(WEIGHT_MIN), float(WEIGHT_MAX)) / w_scale


def quantize_trace(x: Tensor) -> Tensor:
    """A non-negative value as a 7-bit unsigned trace: rounded, saturated to [0, 127] (int64)."""
    return saturate(round_half_away(x.double()), 0, TRACE_MAX).to(torch.int64)


def graded_spike(x: Tensor) -> Tensor:
    """A graded-spike payload: rounded, saturated to 24-bit signed (int64)."""
    return saturate(round_half_away(x.double()), GRADED_MIN, GRADED_MAX).to(torch.int64)


def decay_constant(fraction: float) -> int:
    """A decay fraction per step (lava-dl semantics: 0 keeps everything, 1 forgets) as a 12-bit integer."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"decay fraction must be in [0, 1], got {fraction}")
    return int(round(fraction * DECAY_UNITY))


def decay(x: Tensor, d: int) -> Tensor:
    """``sign(x·(4096 − d)) · (|x·(4096 − d)| >> 12)``: Loihi's integer decay, truncating toward zero."""
    y = x.to(torch.int64) * (DECAY_UNITY - int(d))
    return torch.sign(y) * (torch.abs(y) >> W_DECAY)


# -- CUBA-LIF neuron --------------------------------------------------------------------------------------
class CubaFixedParams(NamedTuple):
    du: int  # 12-bit current decay
    dv: int  # 12-bit voltage decay
    vth: int  # threshold (same units as v)


class CubaFixedState(NamedTuple):
    u: Tensor  # int64 current [batch, neurons]
    v: Tensor  # int64 voltage [batch, neurons]


def cuba_integrate_fixed(a_in: Tensor, state: CubaFixedState, p: CubaFixedParams) -> CubaFixedState:
    """The integration half of :func:`cuba_step_fixed` (before the threshold and reset)."""
    u = saturate(decay(state.u, p.du) + a_in.to(torch.int64), -STATE_MAX, STATE_MAX)
    v = saturate(decay(state.v, p.dv) + u, -STATE_MAX, STATE_MAX)
    return CubaFixedState(u=u, v=v)


def cuba_step_fixed(a_in: Tensor, state: CubaFixedState, p: CubaFixedParams) -> tuple[Tensor, CubaFixedState]:
    """One fixed-point CUBA-LIF step (card P10 §3 reference CUBA step on Loihi's integer datapath).

    u_t = sat24(decay(u_{t−1}, du) + a_t)
    v_t = sat24(decay(v_{t−1}, dv) + u_t)
    s_t = [v_t > vth],  v_t ← 0 where s_t
    """
    st = cuba_integrate_fixed(a_in, state, p)
    s = st.v > p.vth
    return s.to(torch.int64), CubaFixedState(u=st.u, v=torch.where(s, torch.zeros_like(st.v), st.v))


class CubaFloatParams(NamedTuple):
    current_decay: float  # fraction lost per step (lava-dl semantics)
    voltage_decay: float
    threshold: float


class CubaFloatState(NamedTuple):
    i: Tensor
    v: Tensor


def cuba_step_float(a_in: Tensor, state: CubaFloatState, p: CubaFloatParams) -> tuple[Tensor, CubaFloatState]:
    """The float reference of :func:`cuba_step_fixed`: i_t = (1 − cd)·i + a_t, v_t = (1 − vd)·v + i_t."""
    i = (1.0 - p.current_decay) * state.i + a_in
    v = (1.0 - p.voltage_decay) * state.v + i
    s = (v > p.threshold).to(v.dtype)
    return s, CubaFloatState(i=i, v=v * (1.0 - s))


# -- traces -----------------------------------------------------------------------------------------------
def trace_step(x: Tensor, spikes: Tensor, impulse: int, d: int) -> Tensor:
    """A 7-bit trace: ``x_t = sat7(round(x_{t−1}·(4096 − d)/4096) + impulse·s_t)``.

    Decay rounds half away from zero (the chip rounds stochastically: approximate); the impulse adds
    with saturation at 127.
    """
    y = x.to(torch.int64) * (DECAY_UNITY - int(d))
    decayed = shift_round(y, -W_DECAY)
    return saturate(decayed + int(impulse) * spikes.to(torch.int64), 0, TRACE_MAX)


# -- learning engine ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductTerm:
    """``mantissa · 2**exponent · Π_k (V_k + C_k)``: one term of a sum-of-products rule.

    ``factors`` are ``(variable, constant)`` pairs; variables from :data:`RULE_VARIABLES`, constants
    8-bit signed, the mantissa 4-bit signed (:data:`W_MANTISSA`).
    """

    mantissa: int
    exponent: int
    factors: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not MANTISSA_MIN <= self.mantissa <= MANTISSA_MAX:
            raise ValueError(f"mantissa {self.mantissa} outside the {W_MANTISSA}-bit range")
        for var, c in self.factors:
            if var not in RULE_VARIABLES:
                raise ValueError(f"unknown rule variable '{var}'; known: {', '.join(RULE_VARIABLES)}")
            if not CONST_MIN <= c <= CONST_MAX:
                raise ValueError(f"constant {c} outside the {W_CONST}-bit range")


def rule_delta(terms: Sequence[ProductTerm], variables: Mapping[str, Tensor]) -> tuple[Tensor, int]:
    """Evaluate a sum-of-products rule into the 16-bit accumulator.

    Each term's integer product is scaled by ``mantissa·2**exponent`` (rounded half away from zero),
    the terms are summed, and the sum saturates at [−32768, 32767]. Returns (Δ, saturation count).
    Variables broadcast against each other (e.g. x1 ``[1, n_pre]``, y1 ``[n_post, 1]``).
    """
    total: Tensor | None = None
    for term in terms:
        prod = torch.tensor(term.mantissa, dtype=torch.int64)
        for var, c in term.factors:
            prod = prod * (variables[var].to(torch.int64) + c)
        val = shift_round(prod, term.exponent)
        total = val if total is None else total + val
    if total is None:
        raise ValueError("a learning rule needs at least one product term")
    sat = int(((total < ACC_MIN) | (total > ACC_MAX)).sum())
    return saturate(total, ACC_MIN, ACC_MAX), sat


def apply_learning_epoch(w: Tensor, acc: Tensor) -> tuple[Tensor, int]:
    """Apply an accumulated Δ once per learning epoch: ``w ← sat9(w + Δ)``; returns (w, saturations)."""
    new = w.to(torch.int64) + acc.to(torch.int64)
    sat = int(((new < WEIGHT_MIN) | (new > WEIGHT_MAX)).sum())
    return saturate(new, WEIGHT_MIN, WEIGHT_MAX), sat


# -- the registered emulator ----------------------------------------------------------------------------------
COST_CONSTANTS: dict[str, Any] = {
    "E_SYNOP_J": E_SYNOP_J,
    "T_SYNOP_S": T_SYNOP_S,
    "E_SYN_UPDATE_J": E_SYN_UPDATE_J,
    "T_SYN_UPDATE_S": T_SYN_UPDATE_S,
    "E_NEURON_UPDATE_J": E_NEURON_UPDATE_J,
    "T_NEURON_UPDATE_S": T_NEURON_UPDATE_S,
    "E_SPIKE_ROUTE_J": E_SPIKE_ROUTE_J,
    "T_BARRIER_S": T_BARRIER_S,
    "N_CORES": N_CORES,
    "source": "Davies et al. 2018 IEEE Micro Table 2 (Loihi 1) [unverified: recalled]; estimates for Loihi 2",
}


@dataclass(frozen=True)
class Loihi2Emulator(Emulator):
    """Loihi 2 constraints (module functions) plus the per-operation cost model.

    ``costs`` reads counts ``synops`` (synaptic spike operations), ``neuron_updates``,
    ``synaptic_updates`` (weights touched by the learning engine), ``spikes`` and ``timesteps``.
    Energy is the sum of count × energy; latency assumes the work is spread over ``cores`` cores
    (default 1: a serial upper bound) plus one barrier per time step.
    """

    constants: Mapping[str, Any] = field(default_factory=lambda: dict(COST_CONSTANTS))

    def costs(self, counts: Mapping[str, float]) -> dict[str, float]:
        synops = float(counts.get("synops", 0.0))
        neurons = float(counts.get("neuron_updates", 0.0))
        updates = float(counts.get("synaptic_updates", 0.0))
        spikes = float(counts.get("spikes", 0.0))
        steps = float(counts.get("timesteps", 0.0))
        cores = max(1.0, float(counts.get("cores", 1.0)))
        energy = synops * E_SYNOP_J + neurons * E_NEURON_UPDATE_J + updates * E_SYN_UPDATE_J + spikes * E_SPIKE_ROUTE_J
        work = synops * T_SYNOP_S + neurons * T_NEURON_UPDATE_S + updates * T_SYN_UPDATE_S
        return {"energy_j": energy, "latency_s": work / cores + steps * T_BARRIER_S}


LOIHI2 = Loihi2Emulator(
    name="loihi2",
    description=(
        "Intel Loihi 2 fixed point: CUBA-LIF with 12-bit decays, 8-bit+sign weights with a per-layer exponent, "
        "7-bit traces, 16-bit learning accumulator, 24-bit graded spikes; Loihi-1 per-op energy/latency (estimates)"
    ),
    cost_model="loihi-davies2018-perop",
)
