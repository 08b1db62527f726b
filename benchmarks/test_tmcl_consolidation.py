"""TMCL speed: one Stage B consolidation epoch at smoke scale (MLP backbone, 4 views, batch 64, one
session of digits-ci) with the modulation-invariance loss (``tmcl``) against the same epoch with
the SSL loss only (``vi``), measured in the same run. The ratio is the cost of L_MI (3 extra
no-grad modulated passes and the predictor). No goal is asserted."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.tmcl.digits_ci import CLASS_ORDER, DIGITS_CI
from implementations.tmcl.model import build
from implementations.tmcl.protocol import DEFAULTS, _Trainer

RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def data():
    torch.set_num_threads(1)
    x, y = DIGITS_CI.arrays(".", "train", {})
    idx = np.flatnonzero(np.isin(y, CLASS_ORDER[:2]))
    return torch.as_tensor(x), y, idx


@pytest.mark.parametrize("with_mi", [False, True], ids=["vi", "tmcl"])
def test_consolidation_epoch(benchmark, data, with_mi):
    x, y, idx = data
    torch.manual_seed(0)
    tr = _Trainer(build((1, 8, 8), 10, arch="mlp"), x, y, dict(DEFAULTS), seed=0)
    benchmark.pedantic(lambda: tr.consolidate(idx, 1, list(CLASS_ORDER[:2]), with_mi), rounds=5, iterations=1)
    RESULTS["tmcl" if with_mi else "vi"] = benchmark.stats["median"]
    if with_mi and "vi" in RESULTS:
        benchmark.extra_info["ratio_tmcl_vs_vi"] = RESULTS["tmcl"] / RESULTS["vi"]
