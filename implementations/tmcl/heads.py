"""Projection heads and predictor of TMCL (card P02 §3 "Stage B"): MLPs with BatchNorm.

``projector`` (the Barlow ``ssl_head``, repo 2048-2048-2048; smoke 128-128-128) and ``tmcl_head``
h (3-layer MLP with BN) share one shape: Linear-BN-ReLU, Linear-BN-ReLU, Linear. The predictor
is Linear-BN-ReLU, Linear (2048 -> 2048 -> 2048 in the repo).
"""

from __future__ import annotations

from torch import nn


def projector(in_features: int, width: int) -> nn.Sequential:
    """Three-layer MLP head (``ssl_head`` / ``tmcl_head``)."""
    return nn.Sequential(
        nn.Linear(in_features, width, bias=False),
        nn.BatchNorm1d(width),
        nn.ReLU(),
        nn.Linear(width, width, bias=False),
        nn.BatchNorm1d(width),
        nn.ReLU(),
        nn.Linear(width, width),
    )


def predictor(width: int) -> nn.Sequential:
    """Two-layer predictor ``width -> width -> width``."""
    return nn.Sequential(nn.Linear(width, width, bias=False), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width))
