"""``digits-ci``: scikit-learn's 8x8 digits as images for class-incremental learning (card P02 §4).

Real data shipped with scikit-learn (see :mod:`suite.data.digits` for provenance), split
stratified 80/20 with the same fixed split as ``digits-spikes`` (1,437 train / 360 test). Images
are ``[N, 1, 8, 8]`` float32 in [0, 1] (pixel counts / 16). Class order (card §4): the seeded
permutation ``torch.randperm(10, generator=manual_seed(5))`` frozen here as a list (card §7: do not
rely on randperm across torch versions), giving 5 sessions x 2 classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset
from suite.data.digits import DIGITS_SPIKES, _raw, split_indices

#: ``torch.randperm(10, generator=torch.Generator().manual_seed(5))`` under torch 2.13.
CLASS_ORDER = (1, 4, 9, 6, 3, 5, 0, 2, 8, 7)


class DigitsCI(Dataset):
    name = "digits-ci"
    n_classes = 10
    splits = ("train", "test")
    param_names = frozenset()
    class_order = CLASS_ORDER

    def verify(self, root: Path) -> None:
        _raw()

    def version(self, root: Path) -> str:
        return DIGITS_SPIKES.version(root).replace("rate-bernoulli-v1", "images-v1")

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Nothing to write: the data ship with scikit-learn."""
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Images ``[N, 1, 8, 8]`` in [0, 1] and labels ``[N]`` of one split."""
        self.check_split(split)
        x, y = _raw()
        idx = split_indices(y)[split]
        return (x[idx] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8), y[idx]


DIGITS_CI = DigitsCI()
