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
from pathlib import Path
from typing import Any

import numpy as np

from suite.data import shd
from suite.data.shd import SHDDataset, Voice, write_h5

log = logging.getLogger(__name__)

N_CLASSES = 35
N_SPEAKERS = 40
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

_BAND_SETS = ((0, 1), (2, 3), (0, 2, 3), (1, 3, 2), (0, 1, 2, 3), (1, 2), (3, 0), (2, 0, 1), (3, 1, 0, 2))
SSC_VOICE: Voice = (0.0025, 0.75, N_SPEAKERS / 2)  # 40 speakers spread over the same pitch range as SHD's 12


def class_pattern(label: int) -> tuple[tuple[tuple[int, bool], ...], float]:
    """Class ``label`` as ``((band, sweeps_up), ...)`` and an onset (s); ``label = 4·band_set + variant``."""
    return shd.class_pattern(label, _BAND_SETS)


class SSCDataset(SHDDataset):
    """SSC from ``<root>/ssc/SSC/ssc_{train,valid,test}.h5`` (real or synthetic stand-in): the SHD
    layout, checks and binning with three splits and 35 classes."""

    name = "ssc"
    n_classes = N_CLASSES
    splits = ("train", "valid", "test")
    dir_name = "ssc"
    title = "SSC"
    release_md5 = RELEASE_ZIP_MD5
    known_real_sizes = KNOWN_REAL_SIZES

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
        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        (self.directory(root) / "SSC").mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        speakers = {"train": np.arange(0, 30), "valid": np.arange(30, 35), "test": np.arange(35, 40)}
        for offset, (split, n) in enumerate((("train", n_train), ("valid", n_valid), ("test", n_test))):
            rng = np.random.default_rng([int(seed), offset, 35])
            labels = rng.permutation(np.arange(n) % N_CLASSES)
            path = self.path(root, split)
            write_h5(
                path, labels, rng.choice(speakers[split], size=n), rng, f"synthetic-ssc v1 seed={int(seed)} n={n}",
                keys=KEYS, band_sets=_BAND_SETS, voice=SSC_VOICE,
            )  # fmt: skip
            path.with_name(path.name + ".zip").write_bytes(b"")  # tonic downloads unless this exists
            written += [path, path.with_name(path.name + ".zip")]
        log.info("wrote synthetic-ssc (%d/%d/%d, seed %d) to %s", n_train, n_valid, n_test, seed, self.directory(root))
        return written


def tonic_dataset(root: Path, split: str = "train") -> Any:
    """The same files as ``tonic.datasets.SSC(save_to=<root>/ssc, split=...)``; refuses to let tonic download."""
    return shd.tonic_dataset(root, split, SSC)


SSC = SSCDataset()
