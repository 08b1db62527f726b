"""Spiking Speech Commands (SSC): the real files, their checks, and the offline stand-in.

Provenance: SSC, Cramer, Stradmann, Schemmel & Zenke (2020), IEEE TNNLS, the Google Speech
Commands v0.02 words passed through the same cochlea model as SHD into 700 spiking channels; 35
classes; 75466 / 9981 / 20382 train / valid / test samples (card P01 §4). Distributed by the Zenke
lab under CC BY 4.0: https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/ . Never
downloaded by this code.

On-disk layout (tonic's ``tonic.datasets.SSC(save_to=<root>/ssc, split=...)``):
``<root>/ssc/SSC/ssc_{train,valid,test}.h5`` with the SHD HDF5 keys (``spikes/times``,
``spikes/units``, ``labels``, ``extra/keys``, ``extra/speaker``) and a ``ssc_<split>.h5.zip``
next to each (an empty placeholder is enough: tonic only tests that it exists, else downloads).

Arrays: the SHD pipeline (:meth:`suite.data.shd.SHDDataset.arrays`, card P01 §3): SSC 4 ms is
``nb_steps`` 300 over ``max_time`` 1.2 s, SSC 10 ms is 100 over 1.0 s, channels pooled by 5.

The offline stand-in (:meth:`SSCDataset.synthesize`, "synthetic-ssc", a suite choice) is the
synthetic-shd generator with 35 classes (card P01 §4): 9 band sets x 4 temporal variants over the
same four shared channel bands, so that per-channel counts identify at most the band set and the
class lives in timing. Files are byte-identical for a seed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.shd import HDF5_SIGNATURE, N_UNITS, REQUIRED_KEYS, SYNTHETIC_ATTR, SHDDataset
from suite.errors import DataError

log = logging.getLogger(__name__)

N_CLASSES = 35
N_SPEAKERS = 40
URL = "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/"
# md5 of the released archives, as pinned by tonic 1.7 (tonic.datasets.hsd.SSC)
RELEASE_ZIP_MD5 = {
    "train": "d102be95e7144fcc0553d1f45ba94170",
    "valid": "b4eee3516a4a90dd0c71a6ac23a8ae43",
    "test": "a35ff1e9cffdd02a20eb850c17c37748",
}
KNOWN_REAL_SIZES = {"train": (75466,), "valid": (9981,), "test": (20382,)}
# the 35 Speech Commands v0.02 words (card P01 §4 [unverified: list from memory]), in label order
KEYS = (
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward", "four", "go",
    "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one", "right", "seven",
    "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow", "yes", "zero",
)  # fmt: skip

_BANDS = ((60, 170), (200, 310), (350, 460), (500, 610))  # shared by all classes, as in synthetic-shd
_BAND_SETS = ((0, 1), (2, 3), (0, 2, 3), (1, 3, 2), (0, 1, 2, 3), (1, 2), (3, 0), (2, 0, 1), (3, 1, 0, 2))
_NOISE_FRAC = 0.25


def class_pattern(label: int) -> tuple[tuple[tuple[int, bool], ...], float]:
    """Class ``label`` as ``((band, sweeps_up), ...)`` and an onset (s); ``label = 4·band_set + variant``."""
    band_set, variant = divmod(int(label), 4)
    bands = _BAND_SETS[band_set][:: -1 if variant & 1 else 1]
    first_up = not variant & 2
    return tuple((b, first_up == (k % 2 == 0)) for k, b in enumerate(bands)), 0.04 + 0.03 * ((label * 7) % 4)


def _sample_events(label: int, speaker: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic sample (times float16 in [0, 1) s sorted, units uint16), as synthetic-shd draws it."""
    syllables, onset = class_pattern(label)
    n_syl = len(syllables)
    n_events = int(rng.integers(50, 401))
    n_noise = int(rng.binomial(n_events, _NOISE_FRAC))
    per_syl = rng.multinomial(n_events - n_noise, np.full(n_syl, 1.0 / n_syl))
    tempo = rng.uniform(0.8, 1.1) * (0.95 + 0.0025 * speaker)
    shift = rng.normal(0.0, 6.0) + 0.75 * (speaker - N_SPEAKERS / 2)
    start = onset + rng.normal(0.0, 0.03)
    slot = (0.84 - onset) / n_syl * tempo
    times, units = [], []
    for (band, up), n_k in zip(syllables, per_syl, strict=True):
        dur = slot * rng.uniform(0.65, 0.8)
        u = rng.random(n_k)
        lo, hi = _BANDS[band]
        times.append(start + u * dur)
        units.append(lo + (u if up else 1.0 - u) * (hi - lo) + shift + rng.normal(0.0, 10.0, n_k))
        start += slot + rng.normal(0.0, 0.01)
    times.append(rng.random(n_noise))
    units.append(rng.random(n_noise) * N_UNITS)
    t = np.clip(np.concatenate(times), 0.0, None).astype(np.float16)
    t = np.minimum(t, np.float16(1.0 - 2.0**-11))
    ch = np.clip(np.rint(np.concatenate(units)), 0, N_UNITS - 1).astype(np.uint16)
    order = np.argsort(t, kind="stable")
    return t[order], ch[order]


def _write_h5(path: Path, labels: np.ndarray, speakers: np.ndarray, rng: np.random.Generator, tag: str) -> None:
    """One split in the SSC (= SHD) HDF5 layout, atomically and without HDF5 timestamps."""
    import h5py

    events = [_sample_events(int(c), int(s), rng) for c, s in zip(labels, speakers, strict=True)]
    tmp = path.with_name(path.name + ".partial")
    with h5py.File(tmp, "w") as f:
        f.attrs[SYNTHETIC_ATTR] = tag
        gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        gcpl.set_obj_track_times(False)
        for group in ("spikes", "extra"):
            h5py.h5g.create(f.id, group.encode(), gcpl=gcpl)
        times = f.create_dataset("spikes/times", (len(events),), dtype=h5py.vlen_dtype(np.float16), track_times=False)
        units = f.create_dataset("spikes/units", (len(events),), dtype=h5py.vlen_dtype(np.uint16), track_times=False)
        for i, (t, u) in enumerate(events):
            times[i] = t
            units[i] = u
        f.create_dataset("labels", data=labels.astype(np.uint16), track_times=False)
        f.create_dataset("extra/keys", data=np.array([k.encode() for k in KEYS]), track_times=False)
        f.create_dataset("extra/speaker", data=speakers.astype(np.uint16), track_times=False)
    os.replace(tmp, path)


class SSCDataset(SHDDataset):
    """SSC from ``<root>/ssc/SSC/ssc_{train,valid,test}.h5`` (real or synthetic stand-in)."""

    name = "ssc"
    n_classes = N_CLASSES
    splits = ("train", "valid", "test")
    dir_name = "ssc"

    def path(self, root: Path, split: str) -> Path:
        self.check_split(split)
        return self.directory(root) / "SSC" / f"ssc_{split}.h5"

    def _check_file(self, root: Path, split: str) -> bool:
        """Check one split file; return whether it is a synthetic stand-in."""
        import h5py

        path = self.path(root, split)
        hint = (
            f"download SSC from {URL} into {path.parent} (archive {path.name}.zip, md5 {RELEASE_ZIP_MD5[split]}), "
            f"or run `neurorepro data synth {self.name}` for the offline stand-in"
        )
        if not path.is_file():
            raise DataError(f"dataset '{self.name}': missing {path}; {hint}")
        with open(path, "rb") as fh:
            if fh.read(len(HDF5_SIGNATURE)) != HDF5_SIGNATURE:
                raise DataError(f"dataset '{self.name}': {path} is not an HDF5 file; {hint}")
        try:
            with h5py.File(path, "r") as f:
                missing = [k for k in REQUIRED_KEYS if k not in f]
                if missing:
                    raise DataError(f"dataset '{self.name}': {path} lacks HDF5 key {', '.join(missing)}; {hint}")
                n = {k: f[k].shape[0] for k in REQUIRED_KEYS}
                synthetic = SYNTHETIC_ATTR in f.attrs
                labels = f["labels"][:]
        except OSError as exc:
            raise DataError(f"dataset '{self.name}': {path} is truncated or corrupt ({exc}); {hint}") from exc
        if len(set(n.values())) != 1:
            raise DataError(f"dataset '{self.name}': {path} has inconsistent sample counts {n}")
        if labels.size and labels.max() >= N_CLASSES:
            raise DataError(
                f"dataset '{self.name}': {path} has labels up to {labels.max()}, expected 0..{N_CLASSES - 1}"
            )
        if not synthetic and labels.size not in KNOWN_REAL_SIZES[split]:
            log.warning(
                "%s: %d samples, not the published SSC %s size %s", path, labels.size, split, KNOWN_REAL_SIZES[split]
            )
        return synthetic

    def synthesize(
        self,
        root: Path,
        *,
        seed: int = 0,
        n_train: int = 700,
        n_valid: int = 140,
        n_test: int = 210,
        force: bool = False,
        **kw: Any,
    ) -> list[Path]:
        """Write synthetic-ssc (module docstring); idempotent unless ``force``; returns the files written.

        Speakers are disjoint between splits (train 0-29, valid 30-34, test 35-39), as in Speech Commands.
        """
        if kw:
            raise DataError(f"dataset '{self.name}': unknown synthesize option(s) {', '.join(sorted(kw))}")
        if not force:
            try:
                self.verify(root)
                return []
            except DataError:
                pass
        (self.directory(root) / "SSC").mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        speakers = {"train": np.arange(0, 30), "valid": np.arange(30, 35), "test": np.arange(35, 40)}
        for offset, (split, n) in enumerate((("train", n_train), ("valid", n_valid), ("test", n_test))):
            rng = np.random.default_rng([int(seed), offset, 35])
            labels = rng.permutation(np.arange(n) % N_CLASSES)
            path = self.path(root, split)
            _write_h5(
                path, labels, rng.choice(speakers[split], size=n), rng, f"synthetic-ssc v1 seed={int(seed)} n={n}"
            )
            path.with_name(path.name + ".zip").write_bytes(b"")  # tonic downloads unless this exists
            written += [path, path.with_name(path.name + ".zip")]
        log.info("wrote synthetic-ssc (%d/%d/%d, seed %d) to %s", n_train, n_valid, n_test, seed, self.directory(root))
        return written


def tonic_dataset(root: Path, split: str = "train") -> Any:
    """The same files as ``tonic.datasets.SSC(save_to=<root>/ssc, split=...)``; refuses to let tonic download."""
    SSC._check_file(root, split)
    placeholder = SSC.path(root, split).with_name(f"ssc_{split}.h5.zip")
    if not placeholder.exists():
        raise DataError(
            f"dataset 'ssc': {placeholder} is missing, so tonic would try to download; `touch {placeholder}`"
        )
    import tonic  # GPL-3.0-only: imported here and nowhere else

    return tonic.datasets.SSC(save_to=str(SSC.directory(root)), split=split)


SSC = SSCDataset()
