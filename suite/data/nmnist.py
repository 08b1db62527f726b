"""N-MNIST: the real binary event files, their checks, and the offline stand-in ``digits-nmnist``.

Provenance: Orchard, Jayawant, Cohen & Thakor (2015), "Converting Static Image Datasets to Spiking
Neuromorphic Datasets Using Saccades", Frontiers in Neuroscience 9:437; MNIST digits recorded by an
ATIS sensor on a pan-tilt unit making three saccades; 34 x 34 pixels, 2 polarities, 10 classes,
60,000 / 10,000 samples. CC BY-SA 4.0, https://www.garrickorchard.com/datasets/n-mnist (tonic's
mirror: data.mendeley.com 468j46mzdv). Never downloaded by this code.

On-disk layout (tonic's ``tonic.datasets.NMNIST(save_to=<root>/nmnist, train=...)``, card P06 §4):
``<root>/nmnist/NMNIST/{train,test}.zip`` (tonic only tests that the archive exists; an empty
placeholder is enough) and ``Train/<digit>/*.bin``, ``Test/<digit>/*.bin``; the label is the last
character of the folder name, and tonic downloads unless each folder holds >= 10,000 ``.bin`` files.
Each event is 5 bytes (40 bits): x (8), y (8), polarity (bit 7 of byte 2), timestamp in µs (23 bits:
the low 7 bits of byte 2, then bytes 3 and 4); a record with y = 240 is a timestamp overflow
(+2^13 µs), as tonic's ``read_mnist_file`` decodes it.

Arrays: events are binned in time like SHD (``np.digitize(t, linspace(0, max_time, nb_steps))``,
events at t >= max_time clipped or dropped) and in space by summing ``pool`` x ``pool`` pixel blocks:
``[N, nb_steps, 2·ceil(34/pool)²]`` counts (polarity-major). Samples are ordered by a hash of their
path, so ``max_samples`` keeps a class-mixed subset.

The offline stand-in (:meth:`NMNISTDataset.synthesize`, "digits-nmnist", card P06 §4, a suite
choice): scikit-learn's real 8x8 ``load_digits`` images, upsampled to 32x32 and padded to 34x34,
blurred, moved along three 100 ms saccades (a triangle of 3 px sides, as the ATIS recordings do),
and turned into ON/OFF events wherever the log intensity at a pixel changed by more than a
threshold since that pixel's last event. Digits 0-1499 form the train split and 1500-1796 the
test split; each split is padded with jittered copies (time jitter, 10 % of events dropped) to
``pad_to`` files (10,000 by default) so that tonic's file-count check passes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.binning import OUT_OF_RANGE, time_bins
from suite.data.dataset import Dataset
from suite.errors import DataError

log = logging.getLogger(__name__)

SENSOR = 34
N_CLASSES = 10
FOLDERS = {"train": "Train", "test": "Test"}
ZIPS = {"train": "train.zip", "test": "test.zip"}
RELEASE_ZIP_MD5 = {"train": "20959b8e626244a1b502305a9e6e2031", "test": "69ca8762b2fe404d9b9bad1103e97832"}
URL = "https://www.garrickorchard.com/datasets/n-mnist"
TONIC_MIN_FILES = 10_000
SYNTHETIC_MARK = "SYNTHETIC"
DEFAULTS: dict[str, Any] = {"nb_steps": 100, "max_time": 0.3, "pool": 2, "max_samples": None, "out_of_range": "clip"}


def encode_events(x: np.ndarray, y: np.ndarray, t: np.ndarray, p: np.ndarray) -> bytes:
    """N-MNIST 40-bit records (no overflow records: every t must be < 2^23 µs)."""
    t = np.asarray(t, dtype=np.int64)
    if t.size and (t.min() < 0 or t.max() >= 2**23):
        raise ValueError("timestamps must lie in [0, 2^23) µs")
    raw = np.empty((t.size, 5), dtype=np.uint8)
    raw[:, 0] = np.asarray(x, dtype=np.uint8)
    raw[:, 1] = np.asarray(y, dtype=np.uint8)
    raw[:, 2] = (np.asarray(p, dtype=np.int64) << 7 | (t >> 16) & 127).astype(np.uint8)
    raw[:, 3] = (t >> 8) & 255
    raw[:, 4] = t & 255
    return raw.tobytes()


def decode_events(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, t µs, p) of N-MNIST 40-bit records, with tonic's overflow handling (y = 240 adds 2^13 µs)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size % 5:
        raise ValueError(f"{raw.size} bytes is not a whole number of 5-byte events")
    raw = raw.reshape(-1, 5).astype(np.int64)
    x, y = raw[:, 0], raw[:, 1]
    p = (raw[:, 2] & 128) >> 7
    t = ((raw[:, 2] & 127) << 16) | (raw[:, 3] << 8) | raw[:, 4]
    overflow = y == 240
    t = t + np.cumsum(overflow) * 2**13
    keep = ~overflow
    return x[keep], y[keep], t[keep], p[keep]


def _saccade_events(image: np.ndarray, rng: np.random.Generator, threshold: float = 0.25) -> np.ndarray:
    """Events (x, y, t µs, p) of a 34x34 image moved along three saccades (module docstring)."""
    from scipy.ndimage import gaussian_filter, shift

    base = gaussian_filter(image, 0.8)
    steps = 30  # per saccade; 100 ms each
    corners = np.array([[0.0, 0.0], [3.0, 1.5], [0.0, 3.0], [0.0, 0.0]]) - 1.5
    ref = np.log(base + 0.05)
    events = []
    for s in range(3):
        for k in range(1, steps + 1):
            pos = corners[s] + (corners[s + 1] - corners[s]) * k / steps
            frame = np.log(np.clip(shift(base, pos, order=1, mode="constant"), 0, None) + 0.05)
            diff = frame - ref
            fired = np.abs(diff) > threshold * rng.uniform(0.9, 1.1, diff.shape)
            yy, xx = np.nonzero(fired)
            t0 = (s * steps + k - 1) * 100_000 / steps
            ts = t0 + rng.uniform(0, 100_000 / steps, yy.size)
            events.append(np.stack([xx, yy, ts, (diff[fired] > 0).astype(np.int64)], axis=1))
            ref[fired] = frame[fired]
    ev = np.concatenate(events) if events else np.zeros((0, 4))
    return ev[np.argsort(ev[:, 2], kind="stable")]


class NMNISTDataset(Dataset):
    """N-MNIST from ``<root>/nmnist/NMNIST/{Train,Test}/<digit>/*.bin`` (real or digits-nmnist)."""

    name = "nmnist"
    n_classes = N_CLASSES
    splits = ("train", "test")
    param_names = frozenset(DEFAULTS)

    def base(self, root: Path) -> Path:
        return self.directory(root) / "NMNIST"

    def files(self, root: Path, split: str) -> list[Path]:
        """The split's ``.bin`` files, ordered by a hash of their relative path."""
        self.check_split(split)
        folder = self.base(root) / FOLDERS[split]
        if not folder.is_dir():
            raise DataError(
                f"dataset '{self.name}': missing {folder}; extract {ZIPS[split]} (md5 {RELEASE_ZIP_MD5[split]}) "
                f"from {URL} into {folder.parent}, or run `neurorepro data synth {self.name}` for the offline stand-in"
            )
        found = [p for p in folder.glob("*/*.bin") if p.parent.name[-1:].isdigit()]
        if not found:
            raise DataError(f"dataset '{self.name}': no <digit>/*.bin file under {folder}")
        return sorted(found, key=lambda p: hashlib.sha1(f"{p.parent.name}/{p.name}".encode()).hexdigest())

    def verify(self, root: Path) -> None:
        for split in self.splits:
            self.files(root, split)

    def version(self, root: Path) -> str:
        """``synthetic-sha256:`` over every file's path and bytes (stand-in), ``listing-sha256:`` over the
        sorted paths and sizes (real: 70k files; hashing their bytes on every run would dominate).

        Computed in one pass without the per-file checksum cache, whose JSON rewrite per file is
        quadratic in the number of files.
        """
        files = sorted((p for s in self.splits for p in self.files(root, s)), key=lambda p: p.parts[-3:])
        digest = hashlib.sha256()
        synthetic = (self.base(root) / SYNTHETIC_MARK).is_file()
        for p in files:
            digest.update("/".join(p.parts[-3:]).encode())
            digest.update(p.read_bytes() if synthetic else str(p.stat().st_size).encode())
        return f"{'synthetic-sha256' if synthetic else 'listing-sha256'}:{digest.hexdigest()[:16]}"

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Binned counts ``[N, nb_steps, 2·ceil(34/pool)²]`` and labels (module docstring)."""
        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        nb_steps, max_time, pool = int(p["nb_steps"]), float(p["max_time"]), int(p["pool"])
        if nb_steps < 2 or max_time <= 0 or pool < 1 or p["out_of_range"] not in OUT_OF_RANGE:
            raise DataError(f"dataset '{self.name}': bad params {p}")
        files = self.files(root, split)
        if p["max_samples"] is not None:
            files = files[: int(p["max_samples"])]
        side = -(-SENSOR // pool)
        out = np.zeros((len(files), nb_steps, 2 * side * side), dtype=np.float32)
        labels = np.empty(len(files), dtype=np.int64)
        for i, path in enumerate(files):
            try:
                x, y, t, pol = decode_events(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise DataError(
                    f"dataset '{self.name}': {path} is unreadable ({exc}); re-extract it from {URL}"
                ) from exc
            if x.size and (x.max() >= SENSOR or y.max() >= SENSOR):
                raise DataError(f"dataset '{self.name}': {path} has pixels outside the 34x34 sensor")
            k = time_bins(t / 1e6, nb_steps=nb_steps, max_time=max_time, out_of_range=p["out_of_range"])
            keep = k >= 0
            ch = (pol * side + y // pool) * side + x // pool
            np.add.at(out[i], (k[keep], ch[keep]), 1.0)
            labels[i] = int(path.parent.name[-1])
        return out, labels

    def synthesize(
        self,
        root: Path,
        *,
        seed: int = 0,
        pad_to: int = TONIC_MIN_FILES,
        limit: int | None = None,
        force: bool = False,
        **kw: Any,
    ) -> list[Path]:
        """Write digits-nmnist (module docstring); idempotent unless ``force``; returns the files written.

        ``limit`` keeps only the first N digit images of each split (for tests); ``pad_to`` = 0 writes no copies.
        """
        from sklearn.datasets import load_digits

        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        digits = load_digits()
        rng = np.random.default_rng([int(seed), 34])
        base = self.base(root)
        written: list[Path] = []
        for split, idx in (("train", np.arange(0, 1500)), ("test", np.arange(1500, len(digits.target)))):
            idx = idx[:limit] if limit is not None else idx
            folder = base / FOLDERS[split]
            for d in range(N_CLASSES):
                (folder / str(d)).mkdir(parents=True, exist_ok=True)
            originals = []
            for i in idx:
                img = np.pad(np.kron(digits.images[i] / 16.0, np.ones((4, 4))), 1)
                originals.append((int(digits.target[i]), _saccade_events(img, rng)))
            for n in range(max(pad_to, len(originals))):
                label, ev = originals[n % len(originals)]
                if n >= len(originals):  # jittered copy
                    ev = ev[rng.random(len(ev)) > 0.1].copy()
                    ev[:, 2] = np.clip(ev[:, 2] + rng.normal(0, 2000, len(ev)), 0, 300_000 - 1)
                    ev = ev[np.argsort(ev[:, 2], kind="stable")]
                path = folder / str(label) / f"{n:05d}.bin"
                path.write_bytes(encode_events(ev[:, 0], ev[:, 1], ev[:, 2].astype(np.int64), ev[:, 3]))
                written.append(path)
            (base / ZIPS[split]).write_bytes(b"")  # tonic downloads unless the archive exists
            written.append(base / ZIPS[split])
        (base / SYNTHETIC_MARK).write_text(f"digits-nmnist v1 seed={int(seed)} pad_to={pad_to}\n")
        log.info("wrote digits-nmnist (%d files, seed %d) to %s", len(written), seed, base)
        return written


def tonic_dataset(root: Path, split: str = "train") -> Any:
    """``tonic.datasets.NMNIST(save_to=<root>/nmnist, train=...)`` on the same files; refuses to let tonic download."""
    files = NMNIST.files(root, split)
    base = NMNIST.base(root)
    if not (base / ZIPS[split]).exists() or len(files) < TONIC_MIN_FILES:
        raise DataError(
            f"dataset 'nmnist': tonic needs {base / ZIPS[split]} and >= {TONIC_MIN_FILES} .bin files in "
            f"{base / FOLDERS[split]} (found {len(files)}), else it downloads; run `neurorepro data synth nmnist`"
        )
    import tonic  # GPL-3.0-only: imported here and nowhere else

    return tonic.datasets.NMNIST(save_to=str(NMNIST.directory(root)), train=split == "train")


NMNIST = NMNISTDataset()
