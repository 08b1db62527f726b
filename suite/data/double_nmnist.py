"""Double-digit event data for few-shot learning (card P10 §4): the offline ``double-digits-events``
stand-in and the real Double NMNIST built from NMNIST files in tonic's on-disk format.

Double NMNIST (torchneuromorphic's ``DoubleNMNIST``, P10's MultiDigitMNIST split): two NMNIST digits
side by side, 100 classes "00".."99", meta-splits of 64 / 16 / 20 classes. NMNIST itself
(Orchard et al. 2015, CC BY-SA 4.0) is never downloaded by this code.

``double-digits-events`` (card P10 §4 default stand-in, a suite choice): real scikit-learn digits
(8x8, ~180 images per digit) placed side by side (8x16), optionally upsampled, and turned into
events by three simulated saccades over ``nb_steps`` steps with a polarity threshold on the change of
log intensity, as a DVS under a moving image does. Class ``10·a + b`` is the pair (left a, right b).

On-disk NMNIST layout (tonic 1.7 ``NMNIST``): ``<root>/nmnist/NMNIST/{Train,Test}/<digit>/<id>.bin``,
each file a sequence of 40-bit events: byte 0 = x, byte 1 = y, bit 7 of byte 2 = polarity, the other
23 bits of bytes 2..4 = timestamp in µs (big-endian), on a 34x34 sensor. The files are those of the
``nmnist`` dataset (:mod:`suite.data.nmnist`); :meth:`DoubleNMNIST.synthesize` delegates to its offline
stand-in, so both datasets share one folder and one version.

Upstream bug (card P10 §7): torchneuromorphic writes ``data[:, :, size_x, :] = data_r`` and copies only
one column of the right digit. ``faithful_bug=True`` reproduces it; the corrected default places the
whole right digit. Records name which one was used through the dataset parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset
from suite.errors import DataError

N_CLASSES = 100
SPLIT_SEED = 0
META_SPLITS = ("meta-train", "meta-val", "meta-test")
SPLIT_SIZES = (64, 16, 20)
ENCODING = "saccade-logdvs-v1"
DEFAULTS: dict[str, Any] = {
    "nb_steps": 20,
    "upsample": 1,
    "samples_per_class": 12,
    "log_threshold": 0.25,
    "noise_rate": 0.002,
    "encoding_seed": 0,
    "faithful_bug": False,
}
NMNIST_SENSOR = 34
NMNIST_PARAMS: dict[str, Any] = {
    "nb_steps": 20,
    "pool": 4,
    "samples_per_class": 12,
    "encoding_seed": 0,
    "faithful_bug": False,
}


def class_split() -> dict[str, np.ndarray]:
    """The 64 / 16 / 20 class split of "00".."99" (seeded permutation, a suite choice)."""
    perm = np.random.default_rng(SPLIT_SEED).permutation(N_CLASSES)
    a, b = SPLIT_SIZES[0], SPLIT_SIZES[0] + SPLIT_SIZES[1]
    return {"meta-train": np.sort(perm[:a]), "meta-val": np.sort(perm[a:b]), "meta-test": np.sort(perm[b:])}


def _digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
    except (ImportError, OSError, ValueError) as exc:
        raise DataError(f"scikit-learn's bundled digits do not load ({exc}); reinstall scikit-learn") from exc
    return (x.reshape(-1, 8, 8) / 16.0).astype(np.float64), y.astype(np.int64)


def saccade_path(nb_steps: int, amplitude: float) -> np.ndarray:
    """Offsets ``[nb_steps, 2]`` (dy, dx) of three saccades: (0,0)->(a,a)->(0,2a)->(0,0), as NMNIST's triangle."""
    corners = np.array([[0.0, 0.0], [amplitude, amplitude], [0.0, 2 * amplitude], [0.0, 0.0]])
    s = np.linspace(0.0, 3.0, nb_steps)
    seg = np.minimum(s.astype(int), 2)
    frac = (s - seg)[:, None]
    return corners[seg] * (1 - frac) + corners[seg + 1] * frac


def _shift(images: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Bilinear sub-pixel shift of ``[N, H, W]`` images, zeros shifted in."""
    n, h, w = images.shape
    pad = int(np.ceil(max(abs(dy), abs(dx)))) + 1
    big = np.zeros((n, h + 2 * pad, w + 2 * pad))
    big[:, pad : pad + h, pad : pad + w] = images
    iy, fy = int(np.floor(dy)), dy - np.floor(dy)
    ix, fx = int(np.floor(dx)), dx - np.floor(dx)

    def crop(oy: int, ox: int) -> np.ndarray:
        return big[:, pad - oy : pad - oy + h, pad - ox : pad - ox + w]

    return (
        (1 - fy) * (1 - fx) * crop(iy, ix)
        + fy * (1 - fx) * crop(iy + 1, ix)
        + (1 - fy) * fx * crop(iy, ix + 1)
        + fy * fx * crop(iy + 1, ix + 1)
    )


def saccade_events(
    images: np.ndarray, *, nb_steps: int, threshold: float, noise_rate: float, rng: np.random.Generator
) -> np.ndarray:
    """DVS events of images under three saccades: uint8 ``[N, T, 2, H, W]`` (ON, OFF), one event per step max.

    A pixel fires ON (OFF) when its log intensity ``log(I + 0.1)`` has risen (fallen) by more than
    ``threshold`` since its last event; its reference then moves by one threshold. Background
    noise events fire with probability ``noise_rate`` per pixel, polarity and step.
    """
    n, h, w = images.shape
    path = saccade_path(nb_steps, amplitude=max(1.0, h / 8.0))
    ref = np.log(images + 0.1)
    out = np.zeros((n, nb_steps, 2, h, w), dtype=np.uint8)
    for t, (dy, dx) in enumerate(path):
        cur = np.log(_shift(images, dy, dx) + 0.1)
        on, off = cur - ref > threshold, ref - cur > threshold
        ref = ref + threshold * on - threshold * off
        out[:, t, 0], out[:, t, 1] = on, off
    if noise_rate > 0:
        out |= (rng.random(out.shape) < noise_rate).astype(np.uint8)
    return out


def pair_images(
    digits: np.ndarray, labels: np.ndarray, classes: np.ndarray, per_class: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` random (left, right) digit images per class ``10a + b``: ``[N, 8, 16]`` and labels."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    imgs, ys = [], []
    for c in classes:
        a, b = divmod(int(c), 10)
        left = digits[rng.choice(by_digit[a], per_class)]
        right = digits[rng.choice(by_digit[b], per_class)]
        imgs.append(np.concatenate([left, right], axis=2))
        ys.append(np.full(per_class, c))
    return np.concatenate(imgs), np.concatenate(ys).astype(np.int64)


class DoubleDigitsEvents(Dataset):
    """``double-digits-events``: pairs of scikit-learn digits as saccade events (no files)."""

    name = "double-digits-events"
    n_classes = N_CLASSES
    splits = META_SPLITS
    param_names = frozenset(DEFAULTS)

    def verify(self, root: Path) -> None:
        _digits()

    def version(self, root: Path) -> str:
        x, y = _digits()
        digest = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()[:16]
        return f"sklearn-digits:{ENCODING}:sha256:{digest}"

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Nothing to write: the images ship with scikit-learn."""
        return []

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Events ``[N, nb_steps, 2·8u·16u]`` (float32, 0/1) and class ids 0..99 of one meta-split."""
        self.check_split(split)
        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        u = int(p["upsample"])
        if u < 1 or int(p["nb_steps"]) < 3 or int(p["samples_per_class"]) < 1:
            raise DataError(f"dataset '{self.name}': bad params {p}")
        x, y = _digits()
        rng = np.random.default_rng([int(p["encoding_seed"]), META_SPLITS.index(split)])
        imgs, labels = pair_images(x, y, class_split()[split], int(p["samples_per_class"]), rng)
        if u > 1:
            imgs = imgs.repeat(u, axis=1).repeat(u, axis=2)
        ev = saccade_events(
            imgs,
            nb_steps=int(p["nb_steps"]),
            threshold=float(p["log_threshold"]),
            noise_rate=float(p["noise_rate"]),
            rng=rng,
        )
        return ev.reshape(ev.shape[0], ev.shape[1], -1).astype(np.float32), labels


# -- NMNIST on disk ------------------------------------------------------------------------------------------
def decode_nmnist_bin(raw: bytes) -> np.ndarray:
    """``[N, 4]`` int64 events (x, y, p, t_us) from NMNIST's 40-bit records; DataError if truncated."""
    if len(raw) % 5:
        raise DataError(f"NMNIST file of {len(raw)} bytes is not a whole number of 5-byte events")
    r = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 5).astype(np.int64)
    t = ((r[:, 2] & 0x7F) << 16) | (r[:, 3] << 8) | r[:, 4]
    return np.stack([r[:, 0], r[:, 1], r[:, 2] >> 7, t], axis=1)


class DoubleNMNIST(Dataset):
    """Double NMNIST from NMNIST ``.bin`` files (tonic layout); offline: synthetic NMNIST from digits saccades."""

    name = "double-nmnist"
    dir_name = "nmnist"
    n_classes = N_CLASSES
    splits = META_SPLITS
    param_names = frozenset(NMNIST_PARAMS)
    T_MAX_US = 300_000  # three saccades of ~100 ms

    def verify(self, root: Path) -> None:
        base = self.directory(root) / "NMNIST"
        for sub in ("Train", "Test"):
            for d in range(10):
                folder = base / sub / str(d)
                if not folder.is_dir() or not any(folder.glob("*.bin")):
                    raise DataError(
                        f"dataset '{self.name}': no NMNIST files in {folder}; place the extracted NMNIST "
                        f"Train/Test folders there (https://www.garrickorchard.com/datasets/n-mnist) or run "
                        f"`neurorepro data synth {self.name}` (the `nmnist` dataset's offline stand-in)"
                    )

    def version(self, root: Path) -> str:
        """The version of the underlying ``nmnist`` files (this dataset only pairs them)."""
        from suite.data.nmnist import NMNIST

        self.verify(root)
        return f"pairs-of:{NMNIST.version(root)}"

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Delegate to the ``nmnist`` dataset's stand-in (``digits-nmnist``), which writes the same folder."""
        from suite.data.nmnist import NMNIST

        return NMNIST.synthesize(root, seed=seed, **kw)

    def _frames(self, path: Path, nb_steps: int, pool: int, t_max: int) -> np.ndarray:
        try:
            ev = decode_nmnist_bin(path.read_bytes())
        except OSError as exc:
            raise DataError(f"dataset '{self.name}': cannot read {path} ({exc})") from exc
        side = -(-NMNIST_SENSOR // pool)
        out = np.zeros((nb_steps, 2, side, side), dtype=np.float32)
        if len(ev):
            tb = np.minimum(ev[:, 3] * nb_steps // max(t_max, 1), nb_steps - 1)
            keep = (ev[:, 0] < NMNIST_SENSOR) & (ev[:, 1] < NMNIST_SENSOR)
            np.add.at(out, (tb[keep], ev[keep, 2], ev[keep, 1] // pool, ev[keep, 0] // pool), 1.0)
        return np.minimum(out, 1.0)

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Pairs ``[N, nb_steps, 2·s·2s]`` (s = ceil(34/pool)), class ids 0..99, for one meta-split.

        Left digits come from NMNIST Train for meta-train, Test otherwise. ``faithful_bug`` copies only
        the first column of the right digit (torchneuromorphic's missing colon).
        """
        self.check_split(split)
        self.verify(root)
        p = {**NMNIST_PARAMS, **{k: params[k] for k in NMNIST_PARAMS if k in params}}
        nb_steps, pool = int(p["nb_steps"]), int(p["pool"])
        sub = "Train" if split == "meta-train" else "Test"
        files = {d: sorted((self.directory(root) / "NMNIST" / sub / str(d)).glob("*.bin")) for d in range(10)}
        rng = np.random.default_rng([int(p["encoding_seed"]), META_SPLITS.index(split)])
        t_max = self.T_MAX_US
        xs, ys = [], []
        for c in class_split()[split]:
            a, b = divmod(int(c), 10)
            for _ in range(int(p["samples_per_class"])):
                left = self._frames(files[a][rng.integers(len(files[a]))], nb_steps, pool, t_max)
                right = self._frames(files[b][rng.integers(len(files[b]))], nb_steps, pool, t_max)
                if p["faithful_bug"]:
                    right = np.where(np.arange(right.shape[-1]) == 0, right, 0.0)
                xs.append(np.concatenate([left, right], axis=3).reshape(nb_steps, -1))
                ys.append(int(c))
        return np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64)


DOUBLE_DIGITS_EVENTS = DoubleDigitsEvents()
DOUBLE_NMNIST = DoubleNMNIST()
