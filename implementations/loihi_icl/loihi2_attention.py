"""Plastic attention on the ``loihi2`` emulator's learning engine (card P07 §3 suite rule mapping).

[unverified: reconstruction] Per head and token: the key φ(k) is written into the pre-trace x1 and the
value halves v⁺, v⁻ into post-traces y1 of two plastic arrays (graded-spike OVERWRITE), then the rule

    dw = 2^−s · u0 · x1 · y1          (u0 = 1: learning epoch t_epoch = 1)

is evaluated into the 16-bit accumulator and applied to the 9-bit weights; the query is sent as a
graded spike (24-bit payload) and read out as the synaptic input ``Σ_j (W⁺ − W⁻)_ij · q_j``. All integer
arithmetic goes through :mod:`implementations.emulators.loihi2`, so this is bit-identical to the float
``quant`` variant (a test checks it), with operation counts for the cost model.
"""

from __future__ import annotations

import torch
from torch import Tensor

from implementations.emulators import loihi2 as L
from implementations.loihi_icl.plastic_attention import QuantScales, phi


def loihi2_plastic_attention(q: Tensor, k: Tensor, v: Tensor, s: QuantScales, counts: dict) -> Tensor:
    """Integer plastic attention: q, k ``[B, T, H, d_k]``, v ``[B, T, H, d_v]`` (float) -> float ``[B, T, H, d_v]``.

    ``counts`` accumulates ``synaptic_updates`` (plastic synapses visited per token), ``synops`` (graded
    read operations), ``accumulator_saturations`` and ``weight_saturations``.
    """
    b, t, h, dk = k.shape
    dv = v.shape[-1]
    x1 = L.quantize_trace(phi(k).double() * 2.0**s.e_k)
    xq = L.graded_spike(L.quantize_trace(phi(q).double() * 2.0**s.e_q))
    yp = L.quantize_trace(torch.relu(v).double() * 2.0**s.e_v)
    yn = L.quantize_trace(torch.relu(-v).double() * 2.0**s.e_v)
    rule = [L.ProductTerm(1, -s.write_shift, (("u", 0), ("x1", 0), ("y1", 0)))]
    w = [torch.zeros(b, h, dv, dk, dtype=torch.int64), torch.zeros(b, h, dv, dk, dtype=torch.int64)]
    u0 = torch.ones((), dtype=torch.int64)
    unit = 2.0 ** (s.write_shift - s.e_k - s.e_v - s.e_q)
    out = []
    for i in range(t):
        for a, y1 in enumerate((yp, yn)):
            acc, sat = L.rule_delta(rule, {"u": u0, "x1": x1[:, i, :, None, :], "y1": y1[:, i, :, :, None]})
            w[a], wsat = L.apply_learning_epoch(w[a], acc)
            counts["accumulator_saturations"] = counts.get("accumulator_saturations", 0) + sat
            counts["weight_saturations"] = counts.get("weight_saturations", 0) + wsat
        counts["synaptic_updates"] = counts.get("synaptic_updates", 0) + 2 * b * h * dv * dk
        counts["synops"] = counts.get("synops", 0) + 2 * dv * int((xq[:, i] != 0).sum())
        read = ((w[0] - w[1]) @ xq[:, i, :, :, None])[..., 0]
        out.append(L.saturate(read, -L.STATE_MAX, L.STATE_MAX).double() * unit)
    return torch.stack(out, 1).to(q.dtype)
