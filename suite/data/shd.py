"""Spiking Heidelberg Digits (SHD): the real files, their checks, and the offline stand-in.

Provenance: SHD, Cramer, Stradmann, Schemmel & Zenke (2020), "The Heidelberg spiking data sets for
the systematic evaluation of spiking neural networks", IEEE TNNLS; spoken digits 0-9 in English
(labels 0-9) and German (labels 10-19) passed through a cochlea model into 700 spiking channels.
Distributed by the Zenke lab under CC BY 4.0:
https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/ . Never downloaded by this code.

On-disk layout (tonic's, card P01 §4): ``<root>/shd/SHD/shd_{train,test}.h5`` with
``spikes/times`` (vlen float16, seconds), ``spikes/units`` (vlen uint16, 0..699), ``labels``
(uint16), ``extra/keys``, ``extra/speaker``. ``tonic.datasets.SHD(save_to=<root>/shd)`` reads the
same files and downloads unless ``shd_{train,test}.h5.zip`` sits next to them (an empty
placeholder is enough: tonic only tests that the zip exists).

:meth:`SHDDataset.arrays` reads the HDF5 files in bulk with h5py (tonic reopens the file for every
sample, which is slow for thousands of samples); :func:`tonic_dataset` gives the tonic view of the
same files for event-level work. tonic is GPL-3.0-only and is imported inside that function only.

The offline stand-in (:meth:`SHDDataset.synthesize`, "synthetic-shd", a suite choice) writes the same
layout. Its 20 classes are 5 *band sets* x 4 *temporal variants*: a class is a sequence of 2-4
frequency sweeps ("syllables") over four channel bands shared by all classes; the band set fixes
which bands are used, the variant fixes their order (forward/reversed) and the sweep direction
(up-first/down-first alternation), and the class also fixes the onset time. Per-channel counts
identify at most the band set (so a bag-of-counts classifier tops out near 25 %); the class is
only readable from timing, as in speech. Samples carry tempo, onset, channel and speaker jitter
and 25 % uniform background events, 50-400 events each. Files are byte-identical for a seed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.binning import OUT_OF_RANGE, bin_event_batch, n_pooled
from suite.data.dataset import Dataset, files_version
from suite.errors import DataError

log = logging.getLogger(__name__)

N_UNITS = 700
N_CLASSES = 20
N_SPEAKERS = 12
KEYS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "null",
    "eins",
    "zwei",
    "drei",
    "vier",
    "fuenf",
    "sechs",
    "sieben",
    "acht",
    "neun",
)
URL = "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/"
# md5 of the released archives, as pinned by tonic 1.7 (tonic.datasets.hsd.SHD)
RELEASE_ZIP_MD5 = {"train": "f3252aeb598ac776c1b526422d90eecb", "test": "1503a5064faa34311c398fb0a1ed0a6f"}
# sample counts of the two published file versions (dataset page / original paper), card P01 §7
KNOWN_REAL_SIZES = {"train": (8156, 8332), "test": (2264, 2088)}
REQUIRED_KEYS = ("spikes/times", "spikes/units", "labels")
SYNTHETIC_ATTR = "neurorepro_synthetic"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
DEFAULTS: dict[str, Any] = {"nb_steps": 250, "max_time": 1.0, "pool": 5, "max_samples": None, "out_of_range": "clip"}

# -- the synthetic generator's class structure ---------------------------------------------------
_BANDS = ((60, 170), (200, 310), (350, 460), (500, 610))  # [lo, hi) channels, shared by all classes
_BAND_SETS = ((0, 1), (2, 3), (0, 2, 3), (1, 3, 2), (0, 1, 2, 3))  # syllable bands, forward order
_NOISE_FRAC = 0.25


# How a synthetic speaker shifts an utterance: tempo factor per speaker index, channel shift per
# speaker index, and the speaker index with no shift.
Voice = tuple[float, float, float]
SHD_VOICE: Voice = (0.01, 3.0, 5.5)


def class_pattern(
    label: int, band_sets: tuple[tuple[int, ...], ...] = _BAND_SETS
) -> tuple[tuple[tuple[int, bool], ...], float]:
    """The synthetic class ``label`` as ``((band, sweeps_up), ...)`` syllables and an onset (s).

    ``label = 4·band_set + variant``; variant bit 0 reverses the syllable order, bit 1 makes the
    up/down alternation of sweeps start with a down-sweep. Onset 0.04-0.13 s depends on the label.
    """
    band_set, variant = divmod(int(label), 4)
    bands = band_sets[band_set][:: -1 if variant & 1 else 1]
    first_up = not variant & 2
    syllables = tuple((b, first_up == (k % 2 == 0)) for k, b in enumerate(bands))
    onset = 0.04 + 0.03 * ((label * 7) % 4)
    return syllables, onset


def _sample_events(
    label: int,
    speaker: int,
    rng: np.random.Generator,
    band_sets: tuple[tuple[int, ...], ...] = _BAND_SETS,
    voice: Voice = SHD_VOICE,
) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic sample: times (float16 s, sorted, in [0, 1)) and units (uint16)."""
    syllables, onset = class_pattern(label, band_sets)
    n_syl = len(syllables)
    n_events = int(rng.integers(50, 401))
    n_noise = int(rng.binomial(n_events, _NOISE_FRAC))
    per_syl = rng.multinomial(n_events - n_noise, np.full(n_syl, 1.0 / n_syl))
    tempo_step, shift_step, centre = voice
    tempo = rng.uniform(0.8, 1.1) * (0.95 + tempo_step * speaker)  # speakers talk at slightly different rates
    shift = rng.normal(0.0, 6.0) + shift_step * (speaker - centre)  # and with slightly different pitch
    start = onset + rng.normal(0.0, 0.03)
    slot = (0.84 - onset) / n_syl * tempo
    times, units = [], []
    for (band, up), n_k in zip(syllables, per_syl, strict=True):
        dur = slot * rng.uniform(0.65, 0.8)
        u = rng.random(n_k)
        lo, hi = _BANDS[band]
        pos = u if up else 1.0 - u
        times.append(start + u * dur)
        units.append(lo + pos * (hi - lo) + shift + rng.normal(0.0, 10.0, n_k))
        start += slot + rng.normal(0.0, 0.01)
    times.append(rng.random(n_noise))
    units.append(rng.random(n_noise) * N_UNITS)
    t = np.clip(np.concatenate(times), 0.0, None).astype(np.float16)
    t = np.minimum(t, np.float16(1.0 - 2.0**-11))  # float16 rounds values near 1 up to 1.0: keep [0, 1)
    ch = np.clip(np.rint(np.concatenate(units)), 0, N_UNITS - 1).astype(np.uint16)
    order = np.argsort(t, kind="stable")
    return t[order], ch[order]


def write_h5(
    path: Path,
    labels: np.ndarray,
    speakers: np.ndarray,
    rng: np.random.Generator,
    tag: str,
    *,
    keys: tuple[str, ...] = KEYS,
    band_sets: tuple[tuple[int, ...], ...] = _BAND_SETS,
    voice: Voice = SHD_VOICE,
) -> None:
    """Write one synthetic split in the SHD layout (SSC's too), atomically and without HDF5
    timestamps (byte-stable)."""
    events = [_sample_events(int(c), int(s), rng, band_sets, voice) for c, s in zip(labels, speakers, strict=True)]
    write_events_h5(path, events, labels, speakers, tag, keys=keys)


def write_events_h5(
    path: Path,
    events: list[tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    speakers: np.ndarray,
    tag: str,
    *,
    keys: tuple[str, ...] = KEYS,
) -> None:
    """Write ``(times [s], units)`` per sample in the SHD HDF5 layout (times float16, units uint16),
    marked as generated by ``tag``; atomic (``.partial`` then rename) and without HDF5 timestamps."""
    import h5py

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
            times[i] = np.asarray(t, dtype=np.float16)
            units[i] = np.asarray(u, dtype=np.uint16)
        f.create_dataset("labels", data=np.asarray(labels).astype(np.uint16), track_times=False)
        f.create_dataset("extra/keys", data=np.array([k.encode() for k in keys]), track_times=False)
        f.create_dataset("extra/speaker", data=np.asarray(speakers).astype(np.uint16), track_times=False)
    os.replace(tmp, path)


class SHDDataset(Dataset):
    """SHD from ``<root>/shd/SHD/shd_{train,test}.h5`` (real or synthetic stand-in)."""

    name = "shd"
    n_classes = N_CLASSES
    splits = ("train", "test")
    param_names = frozenset(DEFAULTS)
    dir_name = "shd"
    title = "SHD"  # also the folder (tonic's ``save_to/SHD``)
    release_md5: Mapping[str, str] = RELEASE_ZIP_MD5
    known_real_sizes: Mapping[str, tuple[int, ...]] = KNOWN_REAL_SIZES

    def path(self, root: Path, split: str) -> Path:
        """The HDF5 file of one split (tonic's layout: ``save_to/SHD/shd_<split>.h5``)."""
        self.check_split(split)
        return self.directory(root) / self.title / f"{self.name}_{split}.h5"

    # -- checks -----------------------------------------------------------------------------------
    def _check_file(self, root: Path, split: str) -> bool:
        """Check one split file; return whether it is a synthetic stand-in."""
        import h5py

        path = self.path(root, split)
        if not path.is_file():
            raise DataError(
                f"dataset '{self.name}': missing {path}; run `neurorepro data synth {self.name}` for the offline "
                f"stand-in, or download {self.title} from {URL} into {path.parent} (release archive {path.name}.zip, "
                f"md5 {self.release_md5[split]})"
            )
        with open(path, "rb") as fh:
            head = fh.read(len(HDF5_SIGNATURE))
        if head != HDF5_SIGNATURE:
            raise DataError(
                f"dataset '{self.name}': {path} is not an HDF5 file (size {path.stat().st_size} bytes); "
                f"replace it with the {self.title} release from {URL} or delete it and run "
                f"`neurorepro data synth {self.name}`"
            )
        try:
            with h5py.File(path, "r") as f:
                missing = [k for k in REQUIRED_KEYS if k not in f]
                if missing:
                    raise DataError(
                        f"dataset '{self.name}': {path} lacks HDF5 key {', '.join(missing)} (SHD layout needs "
                        f"{', '.join(REQUIRED_KEYS)}); replace it with the {self.title} release from {URL}"
                    )
                n = {k: f[k].shape[0] for k in REQUIRED_KEYS}
                synthetic = SYNTHETIC_ATTR in f.attrs
                labels = f["labels"][:]
        except OSError as exc:
            raise DataError(
                f"dataset '{self.name}': {path} is truncated or corrupt ({exc}); "
                f"delete it and re-download from {URL} or run `neurorepro data synth {self.name}`"
            ) from exc
        if len(set(n.values())) != 1:
            raise DataError(f"dataset '{self.name}': {path} has inconsistent sample counts {n}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise DataError(
                f"dataset '{self.name}': {path} has labels in [{labels.min()}, {labels.max()}], "
                f"expected 0..{self.n_classes - 1}"
            )
        sizes = self.known_real_sizes[split]
        if not synthetic and labels.size not in sizes:
            log.warning("%s: %d samples, not a published %s %s size %s", path, labels.size, self.title, split, sizes)
        return synthetic

    def verify(self, root: Path) -> None:
        for split in self.splits:
            self._check_file(root, split)

    def is_synthetic(self, root: Path) -> bool:
        """Whether the files under ``root`` are the synthetic stand-in (verifies them)."""
        return all(self._check_file(root, split) for split in self.splits)

    def version(self, root: Path) -> str:
        """``sha256:<16 hex>`` over both split files, or ``synthetic-sha256:...`` for the stand-in."""
        prefix = "synthetic-sha256" if self.is_synthetic(root) else "sha256"
        return files_version(root, [self.path(root, s) for s in self.splits], prefix=prefix)

    # -- offline stand-in -------------------------------------------------------------------------
    def synthesize(
        self, root: Path, *, seed: int = 0, n_train: int = 600, n_test: int = 200, force: bool = False, **kw: Any
    ) -> list[Path]:
        """Write synthetic-shd (see the module docstring); return the files written.

        Idempotent: files that already verify (real or synthetic) are left alone and ``[]`` is
        returned, unless ``force``. Labels are balanced (``i % 20``, shuffled); train speakers
        exclude 4 and 5, which appear only in the test split (as two SHD speakers do).
        """
        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        folder = self.directory(root) / "SHD"
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        train_speakers = np.array([s for s in range(N_SPEAKERS) if s not in (4, 5)])
        for split, n, spk, offset in (
            ("train", n_train, train_speakers, 0),
            ("test", n_test, np.arange(N_SPEAKERS), 1),
        ):
            rng = np.random.default_rng([int(seed), offset])
            labels = rng.permutation(np.arange(n) % N_CLASSES)
            speakers = rng.choice(spk, size=n)
            path = self.path(root, split)
            write_h5(path, labels, speakers, rng, tag=f"synthetic-shd v1 seed={int(seed)} n={n}")
            placeholder = path.with_name(path.name + ".zip")
            placeholder.write_bytes(b"")  # tonic downloads unless this exists
            written += [path, placeholder]
        log.info("wrote synthetic-shd (%d train / %d test, seed %d) to %s", n_train, n_test, seed, folder)
        return written

    # -- arrays -----------------------------------------------------------------------------------
    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Binned counts ``[N, nb_steps, ceil(700 / pool)]`` and labels, per card P01 §3.

        Params (others are ignored): ``nb_steps`` (250), ``max_time`` (1.0 s), ``pool`` (5),
        ``max_samples`` (None: all; else the first N of the split), ``out_of_range`` ("clip":
        events at t ≥ max_time count in the last bin; "drop").
        """
        import h5py

        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        nb_steps, max_time, pool = int(p["nb_steps"]), float(p["max_time"]), int(p["pool"])
        if nb_steps < 2 or max_time <= 0 or pool < 1 or p["out_of_range"] not in OUT_OF_RANGE:
            raise DataError(
                f"dataset '{self.name}': bad params nb_steps={nb_steps} (>= 2), max_time={max_time} (> 0), "
                f"pool={pool} (>= 1), out_of_range={p['out_of_range']!r} (one of {', '.join(OUT_OF_RANGE)})"
            )
        self._check_file(root, split)
        path = self.path(root, split)
        stop = None if p["max_samples"] is None else int(p["max_samples"])
        try:
            with h5py.File(path, "r") as f:
                labels = f["labels"][:stop].astype(np.int64)
                times = f["spikes/times"][:stop]
                units = f["spikes/units"][:stop]
        except OSError as exc:
            raise DataError(f"dataset '{self.name}': {path} is truncated or corrupt ({exc})") from exc
        try:
            x = bin_event_batch(
                times,
                units,
                nb_steps=nb_steps,
                max_time=max_time,
                n_units=N_UNITS,
                pool=pool,
                out_of_range=p["out_of_range"],
            )
        except ValueError as exc:
            raise DataError(f"dataset '{self.name}': {path}: {exc}") from exc
        assert x.shape[2] == n_pooled(N_UNITS, pool)
        return x, labels


def tonic_dataset(root: Path, split: str = "train", dataset: SHDDataset | None = None) -> Any:
    """The same files as ``tonic.datasets.SHD(save_to=<root>/shd, train=...)`` (events in µs), or
    ``tonic.datasets.SSC(save_to=<root>/ssc, split=...)`` for ``dataset=SSC``.

    Checks the files first and refuses (rather than letting tonic download) when the
    ``<name>_<split>.h5.zip`` placeholder is missing.
    """
    ds = SHD if dataset is None else dataset
    ds._check_file(root, split)
    path = ds.path(root, split)
    placeholder = path.with_name(path.name + ".zip")
    if not placeholder.exists():
        raise DataError(
            f"dataset '{ds.name}': {placeholder} is missing, so tonic would try to download; "
            f"create it (an empty file is enough): `touch {placeholder}`"
        )
    import tonic  # GPL-3.0-only: imported here and nowhere else in the suite

    save_to = str(ds.directory(root))
    if ds.title == "SHD":  # shd and espeak-shd
        return tonic.datasets.SHD(save_to=save_to, train=split == "train")
    return tonic.datasets.SSC(save_to=save_to, split=split)


SHD = SHDDataset()
