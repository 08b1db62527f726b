"""Google Speech Commands v0.02 (GSC): the real folder layout, log-mel features, and an offline stand-in.

Provenance: Warden (2018), "Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition",
arXiv:1804.03209; CC BY 4.0; https://storage.googleapis.com/download.tensorflow.org/data/speech_commands_v0.02.tar.gz
(never downloaded by this code). 35 words, 16 kHz mono 1 s clips; split sizes 84,843 / 9,981 /
11,005 [unverified: card P01 §4, from memory].

On-disk layout (torchaudio's ``SpeechCommands``): ``<root>/gsc/SpeechCommands/speech_commands_v0.02/``
holding one folder per word with ``<speaker>_nohash_<n>.wav`` files, ``validation_list.txt`` and
``testing_list.txt`` (one ``word/file.wav`` per line); train is every other word file
(``_background_noise_`` is not a word).

Arrays (card P01 §3): each clip is read as float in [−1, 1] (int16 / 32768, as ``torchaudio.load``),
zero-padded or cut to 1 s, and turned into ``num_mel_bins`` = 40 Kaldi log-mel filterbank features
(25 ms window, 10 ms hop: 98 frames) by :func:`suite.data.fbank.fbank`. Samples are ordered by a
hash of their relative path, so ``max_samples`` keeps a class-mixed subset.

The offline stand-in (:meth:`GSCDataset.synthesize`, "synthetic-gsc", a suite choice) writes
16 kHz int16 wavs in the same layout: a word is a sequence of 2-3 "vowels" (a harmonic source at
a speaker's pitch shaped by two formants, from 6 vowels shared by all words); 30 words are the
ordered vowel pairs, 5 are vowel triples. Every vowel occurs in many words, so the class is in
the order of the sounds, not in which sounds occur. Speakers are disjoint across splits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset, files_version
from suite.data.fbank import fbank
from suite.errors import DataError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WORDS = (
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward", "four", "go",
    "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one", "right", "seven",
    "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow", "yes", "zero",
)  # fmt: skip
URL = "https://storage.googleapis.com/download.tensorflow.org/data/speech_commands_v0.02.tar.gz"
DEFAULTS: dict[str, Any] = {"num_mel_bins": 40, "max_samples": None}
SYNTHETIC_MARK = "SYNTHETIC"  # file written next to the stand-in, so versions say "synthetic"

_VOWELS = ((300, 2300), (400, 2000), (550, 1800), (700, 1200), (500, 900), (350, 800))  # (F1, F2) Hz
_PAIRS = [(i, j) for i in range(6) for j in range(6) if i != j]
_TRIPLES = [(0, 3, 5), (5, 3, 0), (1, 4, 2), (2, 4, 1), (3, 0, 3)]
_PATTERNS = tuple(_PAIRS + _TRIPLES)  # 35 words


def _vowel(f1: float, f2: float, pitch: float, dur: float, rng: np.random.Generator) -> np.ndarray:
    """A harmonic source at ``pitch`` with two formant resonances (Gaussian spectral envelope)."""
    n = int(dur * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    out = np.zeros(n)
    for h in range(1, int(3500 // pitch) + 1):
        f = h * pitch
        gain = np.exp(-0.5 * ((f - f1) / 90.0) ** 2) + 0.6 * np.exp(-0.5 * ((f - f2) / 150.0) ** 2) + 0.02
        out += gain * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    env = np.sin(np.pi * np.arange(n) / n) ** 0.5
    return out * env


def _word(label: int, pitch: float, rng: np.random.Generator) -> np.ndarray:
    clip = np.zeros(SAMPLE_RATE)
    start = int(rng.uniform(0.05, 0.2) * SAMPLE_RATE)
    for v in _PATTERNS[label]:
        f1, f2 = _VOWELS[v]
        seg = _vowel(f1 * rng.uniform(0.95, 1.05), f2 * rng.uniform(0.95, 1.05), pitch, rng.uniform(0.18, 0.24), rng)
        stop = min(start + seg.size, SAMPLE_RATE)
        clip[start:stop] += seg[: stop - start]
        start = stop + int(rng.uniform(0.02, 0.06) * SAMPLE_RATE)
    clip += rng.normal(0.0, 0.02, SAMPLE_RATE)
    return clip / max(1e-9, np.abs(clip).max()) * rng.uniform(0.3, 0.8)


class GSCDataset(Dataset):
    """GSC v0.02 from ``<root>/gsc/SpeechCommands/speech_commands_v0.02`` (real or synthetic)."""

    name = "gsc"
    words: tuple[str, ...] = WORDS  # the word folders, in label order
    n_classes = len(WORDS)
    splits = ("train", "valid", "test")
    param_names = frozenset(DEFAULTS)

    def folder(self, root: Path) -> Path:
        return self.directory(root) / "SpeechCommands" / "speech_commands_v0.02"

    def _lists(self, root: Path) -> dict[str, set[str]]:
        folder = self.folder(root)
        if not folder.is_dir():
            raise DataError(
                f"dataset '{self.name}': missing {folder}; extract {URL} there, "
                f"or run `neurorepro data synth {self.name}` for the offline stand-in"
            )
        out = {}
        for split, fname in (("valid", "validation_list.txt"), ("test", "testing_list.txt")):
            path = folder / fname
            if not path.is_file():
                raise DataError(f"dataset '{self.name}': missing {path} (part of {URL})")
            out[split] = {line.strip() for line in path.read_text().splitlines() if line.strip()}
        return out

    def files(self, root: Path, split: str) -> list[str]:
        """Relative paths ``word/file.wav`` of one split, ordered by a hash of the path."""
        self.check_split(split)
        lists = self._lists(root)
        folder = self.folder(root)
        if split != "train":
            chosen = lists[split]
        else:
            held = lists["valid"] | lists["test"]
            chosen = {f"{w}/{p.name}" for w in self.words if (folder / w).is_dir() for p in (folder / w).glob("*.wav")}
            chosen -= held
        missing = [f for f in chosen if not (folder / f).is_file()]
        if missing:
            raise DataError(
                f"dataset '{self.name}': {len(missing)} listed files are missing, e.g. {folder / missing[0]}"
            )
        bad = sorted({f.split("/")[0] for f in chosen} - set(self.words))
        if bad:
            raise DataError(f"dataset '{self.name}': unknown word folder(s) {', '.join(bad)} in the {split} list")
        return sorted(chosen, key=lambda f: hashlib.sha1(f.encode()).hexdigest())

    def verify(self, root: Path) -> None:
        for split in self.splits:
            if not self.files(root, split):
                raise DataError(f"dataset '{self.name}': split '{split}' has no file under {self.folder(root)}")

    def version(self, root: Path) -> str:
        self.verify(root)
        folder = self.folder(root)
        synthetic = (folder / SYNTHETIC_MARK).is_file()
        listed = [folder / "validation_list.txt", folder / "testing_list.txt"]
        if synthetic:  # small: hash every file; the real set is versioned by its lists and file names
            listed += [folder / f for s in self.splits for f in self.files(root, s)]
            return files_version(root, listed, prefix="synthetic-sha256")
        names = "\n".join(sorted(self.files(root, "train"))).encode()
        return f"{files_version(root, listed)}+train:{hashlib.sha256(names).hexdigest()[:12]}"

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Log-mel features ``[N, 98, num_mel_bins]`` (float32) and labels (word index in ``self.words``)."""
        from scipy.io import wavfile

        p = {**DEFAULTS, **{k: params[k] for k in DEFAULTS if k in params}}
        files = self.files(root, split)
        if p["max_samples"] is not None:
            files = files[: int(p["max_samples"])]
        folder = self.folder(root)
        xs, ys = [], []
        for rel in files:
            path = folder / rel
            try:
                rate, data = wavfile.read(path)
            except (OSError, ValueError) as exc:
                raise DataError(
                    f"dataset '{self.name}': {path} is not a readable wav ({exc}); re-extract {URL}"
                ) from exc
            if rate != SAMPLE_RATE:
                raise DataError(f"dataset '{self.name}': {path} has {rate} Hz, expected {SAMPLE_RATE}")
            wave = data.astype(np.float64) / 32768.0 if data.dtype == np.int16 else data.astype(np.float64)
            wave = np.pad(wave[:SAMPLE_RATE], (0, max(0, SAMPLE_RATE - wave.shape[0])))
            xs.append(fbank(wave, sample_rate=SAMPLE_RATE, num_mel_bins=int(p["num_mel_bins"])))
            ys.append(self.words.index(rel.split("/")[0]))
        n_frames = 1 + (SAMPLE_RATE - 400) // 160
        x = np.stack(xs) if xs else np.zeros((0, n_frames, int(p["num_mel_bins"])), np.float32)
        return x.astype(np.float32), np.asarray(ys, dtype=np.int64)

    def synthesize(
        self, root: Path, *, seed: int = 0, per_word: int = 24, force: bool = False, **kw: Any
    ) -> list[Path]:
        """Write synthetic-gsc (module docstring): ``per_word`` clips per word; 3 valid and 3 test clips per word
        from 6 held-out speakers, the rest from 14 train speakers."""
        from scipy.io import wavfile

        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        folder = self.folder(root)
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng([int(seed), 16000])
        n_spk = 20
        speakers = [f"{int(v):08x}" for v in rng.integers(0, 2**32, n_spk)]
        pitch = rng.uniform(100, 230, n_spk)
        role = ["train"] * 14 + ["valid"] * 3 + ["test"] * 3
        lists: dict[str, list[str]] = {"valid": [], "test": []}
        written: list[Path] = []
        for label, word in enumerate(WORDS):
            (folder / word).mkdir(exist_ok=True)
            for n in range(per_word):
                s = int(rng.integers(0, 14)) if n >= 6 else 14 + n  # 3 valid and 3 test clips per word
                rel = f"{word}/{speakers[s]}_nohash_{n}.wav"
                audio = _word(label, float(pitch[s]), rng)
                wavfile.write(folder / rel, SAMPLE_RATE, np.round(audio * 32767).astype(np.int16))
                written.append(folder / rel)
                if role[s] != "train":
                    lists[role[s]].append(rel)
        for split, fname in (("valid", "validation_list.txt"), ("test", "testing_list.txt")):
            (folder / fname).write_text("".join(f"{r}\n" for r in sorted(lists[split])))
            written.append(folder / fname)
        (folder / SYNTHETIC_MARK).write_text(f"synthetic-gsc v1 seed={int(seed)} per_word={per_word}\n")
        log.info("wrote synthetic-gsc (%d clips, seed %d) to %s", len(WORDS) * per_word, seed, folder)
        return written


GSC = GSCDataset()
