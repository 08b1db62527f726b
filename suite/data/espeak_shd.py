"""espeak-shd: spoken digits synthesised by ``espeak-ng`` (:mod:`suite.data.espeak`), turned into
spikes and written in the SHD HDF5 layout (card P01 §4, offline stand-in 2).

Files: ``<root>/espeak-shd/SHD/shd_{train,test}.h5`` (+ empty ``.h5.zip``, which tonic needs
offline), with SHD's keys, labels 0-19 in SHD's order and ``extra/speaker`` (one id per voice and
variant); read by :class:`suite.data.shd.SHDDataset` and by ``tonic.datasets.SHD``. SHD has no
validation split: the train file holds the train and validation speakers' clips (720), the test
file the test speakers' (240), whose voices are never heard in training.

Spike encoding (a suite choice standing in for SHD's cochlea model; card: "a 700-channel
log-spaced filterbank, half-wave rectification and per-channel threshold-crossing spikes"):

1. 22.05 kHz audio, Hann-windowed 1024-sample frames every 22 samples (≈ 1 ms), power spectrum.
2. 700 channels with centres equally spaced on the mel scale from 50 Hz to 8 kHz; channel c sums
   the power of the FFT bins under a triangle around its centre whose half-width is the larger of
   the spacing to its neighbours and two FFT bins, so no low channel is empty.
3. Log energy relative to the clip's loudest channel-frame, half-wave rectified above a floor
   40 dB below it, scaled to [0, 1]: a(t, c) = max(0, 1 + log10(E / E_max) / 4).
4. Each channel integrates g·a(t, c) (g = 0.1 per 1 ms frame) and emits a spike each time the
   integral crosses an integer: at most 100 spikes/s in the loudest channels, none in silence.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.espeak import ESPEAK_RATE, WORDS, espeak_version, render, utterances
from suite.data.shd import N_UNITS, SHDDataset, write_events_h5

log = logging.getLogger(__name__)

FRAME, HOP = 1024, 22  # samples at 22.05 kHz: 46 ms window, ~1 ms hop
F_MIN, F_MAX = 50.0, 8000.0
FLOOR_DECADES = 4.0  # 40 dB below the loudest channel-frame
GAIN = 0.1  # spikes per 1 ms frame at full level
SPLIT_OF_ROLE = {"train": "train", "valid": "train", "test": "test"}


def _mel(f: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log1p(f / 700.0)


def _mel_inv(m: np.ndarray) -> np.ndarray:
    return 700.0 * np.expm1(m / 1127.0)


def filterbank(n_channels: int = N_UNITS, *, rate: int = ESPEAK_RATE, n_fft: int = FRAME) -> np.ndarray:
    """Triangular weights ``[n_fft // 2 + 1, n_channels]`` (module docstring, step 2)."""
    centres = _mel_inv(np.linspace(_mel(np.array(F_MIN)), _mel(np.array(F_MAX)), n_channels))
    bins = np.arange(n_fft // 2 + 1) * rate / n_fft
    spacing = np.gradient(centres)
    half = np.maximum(spacing, 2.0 * rate / n_fft)
    return np.maximum(0.0, 1.0 - np.abs(bins[:, None] - centres[None, :]) / half[None, :])


def encode(clip: np.ndarray, bank: np.ndarray, *, rate: int = ESPEAK_RATE) -> tuple[np.ndarray, np.ndarray]:
    """Spike ``(times [s], channels)`` of one clip, sorted by time (module docstring, steps 1-4)."""
    n_frames = 1 + (clip.size - FRAME) // HOP
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n_frames)[:, None]
    power = np.abs(np.fft.rfft(clip[idx] * np.hanning(FRAME), axis=1)) ** 2
    energy = power @ bank  # [frames, channels]
    if not energy.max() > 0.0:  # digital silence: nothing to hear
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    level = np.maximum(0.0, 1.0 + np.log10(np.maximum(energy / energy.max(), 1e-30)) / FLOOR_DECADES)
    counts = np.diff(np.floor(np.cumsum(GAIN * level, axis=0)), axis=0, prepend=0.0)
    frame, channel = np.nonzero(counts)
    t = (frame * HOP + FRAME / 2) / rate
    order = np.argsort(t, kind="stable")
    return t[order], channel[order]


class EspeakSHDDataset(SHDDataset):
    """English and German digits by espeak-ng as spikes in the SHD layout (module docstring)."""

    name = "espeak-shd"
    dir_name = "espeak-shd"
    title = "SHD"

    def path(self, root: Path, split: str) -> Path:
        """tonic's file names: ``<root>/espeak-shd/SHD/shd_<split>.h5``."""
        self.check_split(split)
        return self.directory(root) / self.title / f"shd_{split}.h5"

    def synthesize(self, root: Path, *, seed: int = 0, force: bool = False, **kw: Any) -> list[Path]:
        """Write both splits (module docstring): 960 espeak-ng calls and encodings, about 30 s."""
        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        version = espeak_version()
        bank = filterbank()
        plan = utterances(seed)
        speaker_ids = {s: i for i, s in enumerate(sorted({u.speaker for u in plan}))}
        per_split: dict[str, list[Any]] = {"train": [], "test": []}
        for u in plan:
            events = encode(render(u, seed=seed, rate=ESPEAK_RATE), bank)
            per_split[SPLIT_OF_ROLE[u.role]].append((events, u.label, speaker_ids[u.speaker]))
        (self.directory(root) / self.title).mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for split, rows in per_split.items():
            path = self.path(root, split)
            write_events_h5(
                path,
                [r[0] for r in rows],
                np.array([r[1] for r in rows]),
                np.array([r[2] for r in rows]),
                f"espeak-shd v1 seed={int(seed)} {version}",
                keys=WORDS,
            )
            path.with_name(path.name + ".zip").write_bytes(b"")  # tonic downloads unless this exists
            written += [path, path.with_name(path.name + ".zip")]
        log.info("wrote espeak-shd (%d clips, seed %d, %s) to %s", len(plan), seed, version, self.directory(root))
        return written


ESPEAK_SHD = EspeakSHDDataset()
