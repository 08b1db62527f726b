"""``digits-spikes``: scikit-learn's bundled handwritten digits as Bernoulli rate-coded spike trains.

Provenance: the 1,797 8x8 images of ``sklearn.datasets.load_digits`` are the test set of the UCI
"Optical Recognition of Handwritten Digits" data (Alpaydin & Kaynak, 1998; 43 writers, 32x32
bitmaps down-sampled to 8x8 blocks of 0..16 pixel counts), CC BY 4.0 at UCI, shipped inside
scikit-learn (BSD-3-Clause). Real data, offline, no files under the data root.

Encoding (a suite choice): **Bernoulli rate coding**. Pixel ``j`` of image ``i`` spikes at step
``t`` with probability ``p_ij = x_ij / 16 · max_rate`` independently over ``nb_steps`` steps, so
``X[i, t, j] ∈ {0, 1}`` and ``E[Σ_t X[i, t, j]] = nb_steps · p_ij``; C = 64 inputs. The uniform
draws come from ``numpy.random.default_rng(encoding_seed)`` for all 1,797 images at once, so a
sample's spikes do not depend on the split or on ``max_samples``. Split: a fixed stratified 80/20
split (``train_test_split(test_size=0.2, stratify=y, random_state=0)``): 1,437 train / 360 test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset
from suite.errors import DataError

ENCODING = "rate-bernoulli-v1"
DEFAULTS: dict[str, Any] = {"nb_steps": 25, "max_rate": 0.5, "encoding_seed": 0, "max_samples": None}
SPLIT_SEED = 0
N_IMAGES = 1797


def _raw() -> tuple[np.ndarray, np.ndarray]:
    """The digits images ``[1797, 64]`` (float64, 0..16) and labels ``[1797]`` (int64)."""
    try:
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
    except (ImportError, OSError, ValueError) as exc:
        raise DataError(
            f"dataset 'digits-spikes': scikit-learn's bundled digits do not load ({exc}); reinstall scikit-learn"
        ) from exc
    if x.shape != (N_IMAGES, 64) or x.min() < 0 or x.max() > 16:
        raise DataError(
            f"dataset 'digits-spikes': scikit-learn's digits have shape {x.shape}, range [{x.min()}, {x.max()}]; "
            f"expected ({N_IMAGES}, 64) in [0, 16]; reinstall scikit-learn"
        )
    return np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.int64)


def split_indices(y: np.ndarray) -> dict[str, np.ndarray]:
    """The fixed stratified 80/20 split, as image indices per split."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=SPLIT_SEED)
    return {"train": train, "test": test}


def rate_encode(images: np.ndarray, *, nb_steps: int, max_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli rate code: ``X[i, t, j] = [u_itj < x_ij / 16 · max_rate]``, float32 ``[N, T, 64]``."""
    p = (np.asarray(images, dtype=np.float64) / 16.0 * max_rate)[:, None, :]
    u = rng.random((images.shape[0], nb_steps, images.shape[1]))
    return (u < p).astype(np.float32)


class DigitsSpikes(Dataset):
    """scikit-learn digits, rate-coded (see the module docstring); 10 classes, 64 inputs."""

    name = "digits-spikes"
    n_classes = 10
    splits = ("train", "test")
    param_names = frozenset(DEFAULTS)

    def verify(self, root: Path) -> None:
        _raw()

    def version(self, root: Path) -> str:
        """``sklearn-digits:<encoding>:sha256:<16 hex>`` of the raw image and label bytes."""
        x, y = _raw()
        digest = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()[:16]
        return f"sklearn-digits:{ENCODING}:sha256:{digest}"

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Nothing to write: the data ship with scikit-learn."""
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Spikes ``[N, nb_steps, 64]`` and labels for one split.

        Params (others are ignored): ``nb_steps`` (25), ``max_rate`` (0.5, spike probability per
        step of a full-intensity pixel), ``encoding_seed`` (0), ``max_samples`` (None: all).
        """
        self.check_split(split)
        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        nb_steps, max_rate = int(p["nb_steps"]), float(p["max_rate"])
        if nb_steps < 1 or not 0.0 < max_rate <= 1.0:
            raise DataError(
                f"dataset '{self.name}': bad params nb_steps={nb_steps} (>= 1), max_rate={max_rate} (in (0, 1])"
            )
        x, y = _raw()
        spikes = rate_encode(
            x, nb_steps=nb_steps, max_rate=max_rate, rng=np.random.default_rng(int(p["encoding_seed"]))
        )
        idx = split_indices(y)[split]
        if p["max_samples"] is not None:
            idx = idx[: int(p["max_samples"])]
        return spikes[idx], y[idx]


DIGITS_SPIKES = DigitsSpikes()
