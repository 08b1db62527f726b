"""Offline few-shot data for P07 (card P07 §4), as datasets of flat images ``X [N, 1, C]``.

* ``digits-fewshot``: real scikit-learn digits (8x8, values 0..16 scaled to [0, 1]); classes 0–4 are
  meta-train, 5–9 meta-test (only 5-way episodes are possible; a sanity check, card §4).
* ``synthetic-classes``: procedural classes (a suite choice standing in for Omniglot-like glyphs, not
  the card's Bézier-stroke PNG generator): each class is a random smooth 8x8 prototype (sum of 2–4
  Gaussian blobs); each drawing shifts it by up to one pixel, scales its contrast and adds pixel noise.
  200 meta-train and 100 meta-test classes, ``per_class`` drawings each, fully determined by the seed.
Nothing is written under the data root; the version names the content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset
from suite.errors import DataError


class DigitsFewShot(Dataset):
    name = "digits-fewshot"
    n_classes = 10
    splits = ("meta-train", "meta-test")
    param_names = frozenset()

    def _raw(self) -> tuple[np.ndarray, np.ndarray]:
        try:
            from sklearn.datasets import load_digits

            x, y = load_digits(return_X_y=True)
        except (ImportError, OSError, ValueError) as exc:
            raise DataError(f"dataset '{self.name}': scikit-learn's digits do not load ({exc})") from exc
        return (x / 16.0).astype(np.float32), y.astype(np.int64)

    def verify(self, root: Path) -> None:
        self._raw()

    def version(self, root: Path) -> str:
        x, y = self._raw()
        return "sklearn-digits:fewshot-v1:sha256:" + hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()[:16]

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        self.check_split(split)
        x, y = self._raw()
        keep = y < 5 if split == "meta-train" else y >= 5
        return x[keep][:, None, :], y[keep]


SYNTH_DEFAULTS = {"per_class": 20, "n_train_classes": 200, "n_test_classes": 100, "noise": 0.15, "data_seed": 0}


def synthetic_classes(n_classes: int, per_class: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``[n_classes, per_class, 64]`` drawings of random blob prototypes (see the module docstring)."""
    yy, xx = np.mgrid[0:10, 0:10].astype(np.float64)
    protos = np.zeros((n_classes, 10, 10))
    for c in range(n_classes):
        for _ in range(rng.integers(2, 5)):
            cy, cx = rng.uniform(2, 8, 2)
            sd = rng.uniform(0.7, 1.6)
            protos[c] += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sd**2))
    protos /= protos.max(axis=(1, 2), keepdims=True)
    out = np.zeros((n_classes, per_class, 64))
    for c in range(n_classes):
        for i in range(per_class):
            dy, dx = rng.integers(0, 3, 2)
            img = protos[c, dy : dy + 8, dx : dx + 8] * rng.uniform(0.7, 1.0)
            out[c, i] = np.clip(img.ravel() + rng.normal(0, noise, 64), 0, 1)
    return out.astype(np.float32)


class SyntheticClasses(Dataset):
    name = "synthetic-classes"
    n_classes = 300
    splits = ("meta-train", "meta-test")
    param_names = frozenset(SYNTH_DEFAULTS)

    def verify(self, root: Path) -> None:
        return None

    def version(self, root: Path) -> str:
        return "generated:synthetic-classes-v1"

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        self.check_split(split)
        p = {**SYNTH_DEFAULTS, **{k: params[k] for k in SYNTH_DEFAULTS if k in params}}
        n_tr, n_te = int(p["n_train_classes"]), int(p["n_test_classes"])
        rng = np.random.default_rng([int(p["data_seed"]), 0 if split == "meta-train" else 1])
        n = n_tr if split == "meta-train" else n_te
        x = synthetic_classes(n, int(p["per_class"]), float(p["noise"]), rng)
        offset = 0 if split == "meta-train" else n_tr
        y = np.repeat(np.arange(n) + offset, int(p["per_class"]))
        return x.reshape(-1, 1, 64), y.astype(np.int64)


DIGITS_FEWSHOT = DigitsFewShot()
SYNTHETIC_CLASSES = SyntheticClasses()
