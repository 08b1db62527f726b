"""CadLIF: the constrained adLIF baseline of the SiLIF code (card P01 §3, "Baselines").

    α_c = clamp(α, 0.36, 0.96)     β_c = clamp(β, 0.96, 0.99)     a_c = clamp(a, 0, 1)     b_c = clamp(b, 0, 2)
    w_t = β_c·w_{t−1} + a_c·u_{t−1} + b_c·s_{t−1}
    u_t = α_c·(u_{t−1} − s_{t−1}) + (1 − α_c)·(I_t − w_t)
    s_t = H(u_t − 1)

The recurrence is adLIF's (``adlif.adlif_step``); only the ranges differ. Each parameter is drawn
uniformly in its clamp range (the card gives the ranges; the uniform draw mirrors adLIF's init and
is our reading). The network around it uses Xavier-uniform weights (card: "Xavier init").
"""

from __future__ import annotations

from implementations.neurons.adlif import AdLIF, AdLIFParams, AdLIFState, adlif_step

ALPHA_RANGE = (0.36, 0.96)
BETA_RANGE = (0.96, 0.99)
A_RANGE = (0.0, 1.0)
B_RANGE = (0.0, 2.0)

CadLIFParams = AdLIFParams
CadLIFState = AdLIFState
cadlif_step = adlif_step


class CadLIF(AdLIF):
    """A layer of CadLIF neurons: currents [batch, time, n] -> spikes [batch, time, n]; adLIF's
    layer with CadLIF's ranges."""

    alpha_range, beta_range, a_range, b_range = ALPHA_RANGE, BETA_RANGE, A_RANGE, B_RANGE
