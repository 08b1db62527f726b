"""Multilingual Spoken Words Corpus (MSWC) keyword spotting, as spike events for resolution studies.

Provenance: Mazumder et al. (2021), "Multilingual Spoken Words Corpus", NeurIPS Datasets and
Benchmarks; MLCommons, CC BY 4.0, https://mlcommons.org/datasets/multilingual-spoken-words/ (never
downloaded by this code). Clips are 1 s, 48 kHz opus; 16 kHz wav conversions exist (card P06 §4).

On-disk layout (MSWC per language, as NeuroBench's MSWC loader reads it; the exact subset P06 used
is unverified): ``<root>/mswc/<lang>/<lang>_{train,dev,test}.csv`` with the header
``LINK,WORD,VALID,SPEAKER,GENDER`` and one clip per row, ``LINK`` relative to
``<root>/mswc/<lang>/clips/`` (``<word>/<name>.wav``; only 16 kHz wav is decoded here — opus
needs a converter). The class set is the sorted words of the train CSVs of ``languages``.

Arrays (a suite choice, since P06's spike encoding is unverified): 40 Kaldi log-mel features
(:func:`suite.data.fbank.fbank`, 25 ms window) every 1 ms, turned into ON/OFF events by
level-crossing coding (a channel emits an event each time its log energy crosses one of the levels
x_0 + n·``delta``), then binned in time like SHD (``np.digitize(t, linspace(0, max_time, nb_steps))``)
into ``[N, nb_steps, 80]`` counts. Because the events are fixed at 1 ms, every bin width that nests
(Δ_t = Δ_s/k) sees the same events, as the time-resolution protocol requires.

The offline stand-in (:meth:`MSWCDataset.synthesize`, "synthetic-mswc"): 20 keywords of
vowel-sequence audio (the synthetic-gsc generator) per language (``en``, ``de``), 16 kHz int16
wavs in the layout above, speakers disjoint across train/dev/test.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.binning import OUT_OF_RANGE, time_bins
from suite.data.dataset import Dataset
from suite.data.fbank import fbank
from suite.data.gsc import _word
from suite.errors import DataError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
SPLIT_FILES = {"train": "train", "valid": "dev", "test": "test"}
HEADER = ["LINK", "WORD", "VALID", "SPEAKER", "GENDER"]
URL = "https://mlcommons.org/datasets/multilingual-spoken-words/"
N_MELS = 40
DEFAULTS: dict[str, Any] = {
    "nb_steps": 101,
    "max_time": 1.0,
    "delta": 1.0,
    "languages": ("en", "de"),
    "max_samples": None,
    "out_of_range": "drop",
}
SYNTH_WORDS = 20
SYNTHETIC_MARK = "SYNTHETIC"


def delta_events(features: np.ndarray, delta: float, hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Level-crossing events of ``features [frames, C]``: (times s, channel), channel = 2·c + (OFF ? 1 : 0).

    With levels L_f = floor((x_f − x_0)/delta), frame f emits |L_f − L_{f−1}| events on channel c,
    ON when the level rose and OFF when it fell (several events in one frame for a large jump).
    """
    levels = np.floor((features - features[:1]) / delta).astype(np.int64)
    steps = np.diff(levels, axis=0)
    f, c = np.nonzero(steps)
    n = np.abs(steps[f, c])
    times = np.repeat((f + 1) * hop_s, n)
    chans = np.repeat(2 * c + (steps[f, c] < 0), n)
    return times.astype(np.float64), chans.astype(np.int64)


class MSWCDataset(Dataset):
    """MSWC keyword spotting from ``<root>/mswc/<lang>/`` CSVs and clips (real wav or synthetic)."""

    name = "mswc"
    n_classes = SYNTH_WORDS * 2  # the stand-in's class count; real subsets define theirs (see ``words``)
    splits = ("train", "valid", "test")
    param_names = frozenset(DEFAULTS)

    def rows(self, root: Path, split: str, languages: tuple[str, ...]) -> list[tuple[str, str]]:
        """``(clip path, "lang/word")`` of one split, ordered by a hash of the path."""
        self.check_split(split)
        out = []
        for lang in languages:
            path = self.directory(root) / lang / f"{lang}_{SPLIT_FILES[split]}.csv"
            if not path.is_file():
                raise DataError(
                    f"dataset '{self.name}': missing {path}; place the MSWC {lang} split files and 16 kHz wav clips "
                    f"({URL}) there, or run `neurorepro data synth {self.name}` for the offline stand-in"
                )
            with open(path, newline="") as fh:
                reader = csv.reader(fh)
                if next(reader, None) != HEADER:
                    raise DataError(f"dataset '{self.name}': {path} lacks the header {','.join(HEADER)}")
                out += [(str(self.directory(root) / lang / "clips" / r[0]), f"{lang}/{r[1]}") for r in reader if r]
        return sorted(out, key=lambda r: hashlib.sha1(r[0].encode()).hexdigest())

    def words(self, root: Path, languages: tuple[str, ...]) -> list[str]:
        return sorted({w for _, w in self.rows(root, "train", languages)})

    def verify(self, root: Path) -> None:
        langs = tuple(DEFAULTS["languages"])
        for split in self.splits:
            missing = [p for p, _ in self.rows(root, split, langs) if not Path(p).is_file()]
            if missing:
                raise DataError(
                    f"dataset '{self.name}': {len(missing)} clips of {split} are missing, e.g. {missing[0]}"
                )

    def version(self, root: Path) -> str:
        """sha256 over the CSVs and, for the stand-in, every clip's bytes (one pass, no per-file cache)."""
        self.verify(root)
        digest = hashlib.sha256()
        synthetic = (self.directory(root) / SYNTHETIC_MARK).is_file()
        for lang in DEFAULTS["languages"]:
            for s in SPLIT_FILES.values():
                digest.update((self.directory(root) / lang / f"{lang}_{s}.csv").read_bytes())
        if synthetic:
            for split in self.splits:
                for p, _ in sorted(self.rows(root, split, tuple(DEFAULTS["languages"]))):
                    digest.update(Path(p).read_bytes())
        return f"{'synthetic-sha256' if synthetic else 'csv-sha256'}:{digest.hexdigest()[:16]}"

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Event counts ``[N, nb_steps, 80]`` and labels (index into :meth:`words`); module docstring."""
        from scipy.io import wavfile

        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        langs = tuple(p["languages"])
        nb_steps, max_time = int(p["nb_steps"]), float(p["max_time"])
        if nb_steps < 2 or max_time <= 0 or p["out_of_range"] not in OUT_OF_RANGE or not p["delta"] > 0:
            raise DataError(f"dataset '{self.name}': bad params {p}")
        words = self.words(root, langs)
        rows = self.rows(root, split, langs)
        if p["max_samples"] is not None:
            rows = rows[: int(p["max_samples"])]
        out = np.zeros((len(rows), nb_steps, 2 * N_MELS), dtype=np.float32)
        labels = np.empty(len(rows), dtype=np.int64)
        for i, (path, word) in enumerate(rows):
            try:
                rate, data = wavfile.read(path)
            except (OSError, ValueError) as exc:
                raise DataError(f"dataset '{self.name}': {path} is not a readable wav ({exc})") from exc
            if rate != SAMPLE_RATE:
                raise DataError(f"dataset '{self.name}': {path} has {rate} Hz; convert MSWC clips to 16 kHz wav")
            wave = data.astype(np.float64) / 32768.0 if data.dtype == np.int16 else data.astype(np.float64)
            feats = fbank(wave, sample_rate=SAMPLE_RATE, num_mel_bins=N_MELS, frame_shift=1.0)
            t, ch = delta_events(feats, float(p["delta"]), 1e-3)
            k = time_bins(t, nb_steps=nb_steps, max_time=max_time, out_of_range=p["out_of_range"])
            np.add.at(out[i], (k[k >= 0], ch[k >= 0]), 1.0)
            if word not in words:
                raise DataError(f"dataset '{self.name}': word '{word}' of {split} does not occur in train")
            labels[i] = words.index(word)
        return out, labels

    def synthesize(
        self, root: Path, *, seed: int = 0, per_word: int = 16, force: bool = False, **kw: Any
    ) -> list[Path]:
        """Write synthetic-mswc (module docstring): ``per_word`` clips per keyword and language; 12/2/2 split."""
        from scipy.io import wavfile

        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        rng = np.random.default_rng([int(seed), 48])
        written: list[Path] = []
        for li, lang in enumerate(DEFAULTS["languages"]):
            rows: dict[str, list[list[str]]] = {s: [] for s in SPLIT_FILES.values()}
            pitch = rng.uniform(100, 230, 16)
            for w in range(SYNTH_WORDS):
                word = f"{lang}word{w:02d}"
                folder = self.directory(root) / lang / "clips" / word
                folder.mkdir(parents=True, exist_ok=True)
                for n in range(per_word):
                    spk = int(rng.integers(0, 12)) if n < per_word - 4 else 12 + (n - per_word + 4)
                    split = "train" if spk < 12 else ("dev" if spk < 14 else "test")
                    audio = _word((w + 15 * li) % 35, float(pitch[spk]), rng)
                    rel = f"{word}/common_voice_{lang}_{spk:04d}{n:03d}.wav"
                    wavfile.write(folder.parent / rel, SAMPLE_RATE, np.round(audio * 32767).astype(np.int16))
                    written.append(folder.parent / rel)
                    rows[split].append([rel, word, "True", f"spk{spk}", "NAN"])
            for s, r in rows.items():
                path = self.directory(root) / lang / f"{lang}_{s}.csv"
                with open(path, "w", newline="") as fh:
                    csv.writer(fh).writerows([HEADER, *r])
                written.append(path)
        (self.directory(root) / SYNTHETIC_MARK).write_text(f"synthetic-mswc v1 seed={int(seed)} per_word={per_word}\n")
        log.info("wrote synthetic-mswc (%d files, seed %d)", len(written), seed)
        return written


MSWC = MSWCDataset()
