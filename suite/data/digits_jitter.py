"""``digits-ci-jitter``: scikit-learn's 8x8 digits with per-image nuisance, for class-incremental
representation learning at smoke scale (card P02 §4 stand-in, made harder on purpose).

Why: on the plain digits (``digits-ci``) an *untrained* MLP already reaches kNN ~0.96, so no
method of learning a representation can be told apart. Natural images differ from one another by
nuisance (illumination, contrast, position) that dominates pixel distances and that self-supervised
augmentations (CaSSLe's ColorJitter and crops, card §3) teach a network to ignore. This dataset puts
that structure into digits: each image ``x`` (pixel counts / 16, in [0, 1]) becomes

    ``x' = a * shift(x) + b + n``,  ``a ~ U(contrast)``, ``b ~ U(brightness)``, ``n ~ N(0, noise^2)``,

with ``shift`` placing the 8x8 digit at a uniformly random offset in ``[-max_offset, max_offset]^2``
on a ``(8 + 2 max_offset)``-pixel canvas. The draws come from ``default_rng(nuisance_seed)`` for all
1,797 images at once, so an image's nuisance does not depend on the split. The train/test split is
the fixed stratified 80/20 split of ``digits-spikes`` / ``digits-ci`` (1,437 / 360) and the class
order is ``digits-ci``'s (card §4, seed 5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset
from suite.data.digits import _raw, split_indices

#: ``torch.randperm(10, generator=manual_seed(5))`` under torch 2.13 (the same order as ``digits-ci``).
CLASS_ORDER = (1, 4, 9, 6, 3, 5, 0, 2, 8, 7)


def add_nuisance(
    images: np.ndarray,
    rng: np.random.Generator,
    *,
    max_offset: int,
    contrast: tuple[float, float],
    brightness: tuple[float, float],
    noise: float,
) -> np.ndarray:
    """``a * shift(x) + b + n`` per image (module docstring); ``images [N, 8, 8]`` in [0, 1].

    Returns float32 ``[N, 1, 8 + 2 max_offset, 8 + 2 max_offset]``.
    """
    n, h, w = images.shape
    side = h + 2 * max_offset
    out = np.zeros((n, side, side), dtype=np.float64)
    dy, dx = rng.integers(0, 2 * max_offset + 1, size=(2, n))
    for i in range(n):
        out[i, dy[i] : dy[i] + h, dx[i] : dx[i] + w] = images[i]
    a = rng.uniform(*contrast, size=n)[:, None, None]
    b = rng.uniform(*brightness, size=n)[:, None, None]
    out = a * out + b + noise * rng.standard_normal(out.shape)
    return out.astype(np.float32)[:, None]


class DigitsJitter(Dataset):
    """Digits with per-image contrast, brightness, position and pixel-noise nuisance (module docstring)."""

    n_classes = 10
    splits = ("train", "test")
    param_names = frozenset()
    class_order = CLASS_ORDER

    def __init__(
        self,
        name: str = "digits-ci-jitter",
        *,
        max_offset: int = 1,
        contrast: tuple[float, float] = (0.3, 1.0),
        brightness: tuple[float, float] = (0.0, 0.7),
        noise: float = 0.1,
        nuisance_seed: int = 0,
    ) -> None:
        self.name = name
        self.max_offset = int(max_offset)
        self.contrast = (float(contrast[0]), float(contrast[1]))
        self.brightness = (float(brightness[0]), float(brightness[1]))
        self.noise = float(noise)
        self.nuisance_seed = int(nuisance_seed)

    def describe(self) -> str:
        return (
            f"offset<={self.max_offset},contrast={self.contrast[0]:g}-{self.contrast[1]:g},"
            f"brightness={self.brightness[0]:g}-{self.brightness[1]:g},noise={self.noise:g},seed={self.nuisance_seed}"
        )

    def verify(self, root: Path) -> None:
        _raw()

    def version(self, root: Path) -> str:
        """``sklearn-digits:jitter-v1(<nuisance>):sha256:<16 hex>`` of the raw image and label bytes."""
        x, y = _raw()
        digest = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()[:16]
        return f"sklearn-digits:jitter-v1({self.describe()}):sha256:{digest}"

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Nothing to write: the digits ship with scikit-learn and the nuisance is drawn in memory."""
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Images ``[N, 1, S, S]`` (``S = 8 + 2 max_offset``) and labels ``[N]`` of one split."""
        self.check_split(split)
        x, y = _raw()
        imgs = add_nuisance(
            (x / 16.0).reshape(-1, 8, 8),
            np.random.default_rng(self.nuisance_seed),
            max_offset=self.max_offset,
            contrast=self.contrast,
            brightness=self.brightness,
            noise=self.noise,
        )
        idx = split_indices(y)[split]
        return imgs[idx], y[idx]


DIGITS_CI_JITTER = DigitsJitter()
