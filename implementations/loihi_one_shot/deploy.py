"""Deployment of a meta-trained P10 network on the ``loihi2`` emulator (fixed point end to end).

* Weights: lava-dl 8-bit weights (step 2/w_scale) are exact 9-bit mantissas with exponent −log2(w_scale).
* Neurons: :func:`implementations.emulators.loihi2.cuba_step_fixed` with 12-bit decays; weights enter the
  24-bit state shifted left by :data:`STATE_SHIFT` bits (lava-nc bit-accurate LIF [unverified: from
  memory]); the threshold is ``round(θ·w_scale·2**STATE_SHIFT)``.
* SOEL: the gated error third factor ``Ê`` is computed off-core from the output spikes and
  voltages (how P10 maps the error onto Loihi is unverified, card §3) and written as two 7-bit
  unsigned post traces (y2: positive part, y3: negative part); the presynaptic factor is a 7-bit
  trace x1 with impulse :data:`TRACE_IMPULSE` and the voltage decay (an approximation of the card's
  doubly filtered x̃). The rule ``dw = c·x1·y3 − c·x1·y2`` (4-bit mantissa, exponent) is evaluated
  every step into the 16-bit accumulator and applied to the weights once per learning epoch (one
  support sample of T steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from implementations.emulators import loihi2 as L
from implementations.loihi_one_shot.mlp import CubaMLP

STATE_SHIFT = 6
TRACE_IMPULSE = 64


@dataclass
class Counts:
    """Operation counts of emulated work (inputs of the cost model)."""

    synops: float = 0.0
    neuron_updates: float = 0.0
    synaptic_updates: float = 0.0
    spikes: float = 0.0
    timesteps: float = 0.0
    accumulator_saturations: int = 0
    weight_saturations: int = 0


def mantissa_exponent(c: float) -> tuple[int, int]:
    """``(m, s)`` with m a 4-bit mantissa in [1, 7] and ``m·2**s`` closest to ``c > 0`` (relative error ≤ 1/14)."""
    if c <= 0:
        raise ValueError(f"scale must be positive, got {c}")
    best = None
    for m in range(1, L.MANTISSA_MAX + 1):
        s = round(math.log2(c / m))
        err = abs(m * 2.0**s - c) / c
        if best is None or err < best[0]:
            best = (err, m, s)
    return best[1], best[2]


class FixedNetwork:
    """The integer version of a :class:`CubaMLP` (all layers) with a plastic output layer."""

    def __init__(self, net: CubaMLP, head: Tensor) -> None:
        if net.input_gain != 1.0:
            raise ValueError("fixed-point deployment needs input_gain == 1")
        self.exp = -round(math.log2(net.w_scale))
        self.layers = [L.quantize_weights(net.q(w), self.exp)[0] for w in net.layers]
        self.head = L.quantize_weights(net.q(head), self.exp)[0]
        self.p = L.CubaFixedParams(
            du=L.decay_constant(net.cuba.current_decay),
            dv=L.decay_constant(net.cuba.voltage_decay),
            vth=round(net.cuba.threshold * net.w_scale * 2**STATE_SHIFT),
        )
        self.unit = net.w_scale * 2**STATE_SHIFT  # integer state units per float unit
        self.current_decay = net.cuba.current_decay

    def _layer(self, m: Tensor, s_in: Tensor, counts: Counts) -> tuple[Tensor, Tensor]:
        b, t, _ = s_in.shape
        st = L.CubaFixedState(
            torch.zeros(b, m.shape[0], dtype=torch.int64), torch.zeros(b, m.shape[0], dtype=torch.int64)
        )
        spikes, volts = [], []
        for k in range(t):
            a = (s_in[:, k] @ m.t()) << STATE_SHIFT
            st = L.cuba_integrate_fixed(a, st, self.p)
            v_pre = st.v
            s = (st.v > self.p.vth).to(torch.int64)
            st = L.CubaFixedState(u=st.u, v=torch.where(s.bool(), torch.zeros_like(st.v), st.v))
            spikes.append(s)
            volts.append(v_pre)
        counts.synops += float(s_in.sum()) * m.shape[0]
        counts.neuron_updates += b * t * m.shape[0]
        out = torch.stack(spikes, 1)
        counts.spikes += float(out.sum())
        return out, torch.stack(volts, 1)

    def features(self, x: Tensor, counts: Counts) -> Tensor:
        h = x.to(torch.int64)
        for m in self.layers:
            h, _ = self._layer(m, h, counts)
        counts.timesteps += x.shape[1]
        return h

    def output(self, feats: Tensor, counts: Counts) -> tuple[Tensor, Tensor]:
        """Output spikes and v − θ in float units ``[B, T, N]``."""
        s, v = self._layer(self.head, feats, counts)
        return s, (v - self.p.vth).double() / self.unit

    def soel_epoch(
        self, feats: Tensor, y: int, lr: float, threshold: float, batch: int, voltage_decay: float, counts: Counts
    ) -> None:
        """One learning epoch: one support sample ``feats [1, T, H]`` presented, its update applied."""
        s, _ = self.output(feats, counts)
        e = (
            torch.softmax(s.double(), -1)
            - torch.nn.functional.one_hot(torch.tensor([y]), s.shape[-1]).double()[:, None]
        )
        post = e * (e.abs() > threshold)
        y_pos = L.quantize_trace(post.clamp(min=0) * L.TRACE_MAX)[0]  # [T, N]
        y_neg = L.quantize_trace((-post).clamp(min=0) * L.TRACE_MAX)[0]
        # Δm = −η·w_scale/B · Σ_t post·x̃  ≈  c·Σ_t x1·(y_neg − y_pos),  c = η·w_scale/(B·127·impulse·cd):
        # x1 filters the spikes once (voltage decay), x̃ twice; over time Σ x̃ = Σ x1/(impulse·cd), so the
        # 1/cd gain matches the time-summed magnitude of the float rule
        c = lr * (2.0**-self.exp) / (batch * L.TRACE_MAX * TRACE_IMPULSE * self.current_decay)
        m_c, s_c = mantissa_exponent(c)
        rule = [
            L.ProductTerm(m_c, s_c, (("x1", 0), ("y3", 0))),
            L.ProductTerm(-m_c, s_c, (("x1", 0), ("y2", 0))),
        ]
        d = L.decay_constant(voltage_decay)
        x1 = torch.zeros(feats.shape[-1], dtype=torch.int64)
        acc = torch.zeros_like(self.head)
        for k in range(feats.shape[1]):
            x1 = L.trace_step(x1, feats[0, k], TRACE_IMPULSE, d)
            delta, sat = L.rule_delta(rule, {"x1": x1[None, :], "y2": y_pos[k][:, None], "y3": y_neg[k][:, None]})
            acc = acc + delta
            over = (acc < L.ACC_MIN) | (acc > L.ACC_MAX)
            counts.accumulator_saturations += sat + int(over.sum())
            acc = L.saturate(acc, L.ACC_MIN, L.ACC_MAX)
        self.head, wsat = L.apply_learning_epoch(self.head, acc)
        counts.weight_saturations += wsat
        counts.synaptic_updates += float(self.head.numel()) * feats.shape[1]


def deploy_episode(
    net: CubaMLP,
    head: Tensor,
    support: tuple[Tensor, Tensor],
    query: tuple[Tensor, Tensor],
    *,
    lr: float,
    threshold: float,
    inner_steps: int,
) -> tuple[float, Counts, Counts]:
    """Learn one episode on the emulator and classify its queries.

    Returns (query accuracy, counts of the learning phase, counts of the query inference).
    """
    from implementations.loihi_one_shot.mlp import scores

    fx = FixedNetwork(net, head)
    learn, infer = Counts(), Counts()
    xs, ys = support
    fs = fx.features(xs, learn)
    for _ in range(inner_steps):
        for i in range(xs.shape[0]):
            fx.soel_epoch(fs[i : i + 1], int(ys[i]), lr, threshold, xs.shape[0], net.cuba.voltage_decay, learn)
    xq, yq = query
    s, u = fx.output(fx.features(xq, infer), infer)
    pred = scores(s.double(), u).argmax(-1)
    return float((pred == yq).double().mean()), learn, infer
