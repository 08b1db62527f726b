"""Spoken digits synthesised by Debian's ``espeak-ng``: the utterance plan and the audio, shared by
``espeak-gsc`` (wavs in the GSC layout) and ``espeak-shd`` (spikes in the SHD layout).

20 classes in SHD's order: "zero" … "nine" (labels 0-9, English voices ``en`` and ``en-us``) and
"null" … "neun" (labels 10-19, German voice ``de``). A *speaker* is a language voice with one of
espeak's variants (``+m1`` … ``+f4``): variants m1, m2, f1, f2 are training speakers, m3 and f3
validation speakers, m4 and f4 test speakers, so held-out voices are never heard in training.
Each clip draws its pitch (``-p`` 20-80), speed (``-s`` 120-200 words/min), onset (0-150 ms of
silence first) and gain (0.3-0.9 of full scale) from a seeded generator, and a noise floor
(σ = 1e-3) from a per-clip generator. English speakers say each word 3 times and German speakers
6 times, so every word has 48 clips (24 train, 12 validation, 12 test speakers' clips). espeak
writes 22.05 kHz; clips are cut or zero-padded to 1 s at the rate a dataset asks for (16 kHz by
polyphase resampling 320/441). This is synthetic speech, not human recordings: accuracy on it
says the pipeline and a model work, not what a model scores on GSC or SHD.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from suite.errors import DataError

ENGLISH = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
GERMAN = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
WORDS = ENGLISH + GERMAN  # label order (SHD's: English 0-9, German 10-19)
VOICES = {"en": ("en", "en-us"), "de": ("de",)}
VARIANTS = {"m1": "train", "m2": "train", "f1": "train", "f2": "train", "m3": "valid", "f3": "valid", "m4": "test", "f4": "test"}  # fmt: skip
REPEATS = {"en": 3, "de": 6}  # 2 English voices x 3 = 1 German voice x 6 clips per word and variant
ESPEAK_RATE = 22050


def espeak_binary() -> str:
    """The path of ``espeak-ng``; :class:`DataError` naming the Debian package when it is absent."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise DataError("the espeak datasets need the espeak-ng program: apt-get install espeak-ng")
    return path


def espeak_version() -> str:
    out = subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split()[:6])


def speak(text: str, *, voice: str, pitch: int, speed: int, rate: int = ESPEAK_RATE) -> np.ndarray:
    """espeak-ng's rendering of ``text`` as float64 in [−1, 1] at ``rate`` (22050, or 16000 by
    polyphase resampling)."""
    from scipy.io import wavfile
    from scipy.signal import resample_poly

    if rate not in (ESPEAK_RATE, 16000):
        raise ValueError(f"rate must be {ESPEAK_RATE} or 16000, got {rate}")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "w.wav"
        cmd = [espeak_binary(), "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(wav), text]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not wav.is_file():
            raise DataError(f"espeak-ng failed for {text!r} ({voice}): {proc.stderr.strip() or proc.returncode}")
        got, data = wavfile.read(wav)
    if got != ESPEAK_RATE:
        raise DataError(f"espeak-ng wrote {got} Hz, expected {ESPEAK_RATE}")
    audio = data.astype(np.float64) / 32768.0
    return audio if rate == ESPEAK_RATE else resample_poly(audio, 320, 441)


class Utterance(NamedTuple):
    """One planned clip: what is said, by whom, and its random draws."""

    index: int  # position in the plan (seeds the clip's noise)
    label: int  # index in WORDS
    voice: str  # espeak voice with variant, e.g. "en-us+f2"
    speaker: str  # "en-us-f2"
    role: str  # "train", "valid" or "test" (by variant)
    pitch: int
    speed: int
    onset: float  # seconds of silence before the word
    gain: float  # peak amplitude of the clip


def utterances(seed: int) -> list[Utterance]:
    """The plan of all 960 clips (module docstring), in label order, drawn from ``seed``."""
    rng = np.random.default_rng([int(seed), 2040])
    out: list[Utterance] = []
    for label in range(len(WORDS)):
        lang = "en" if label < len(ENGLISH) else "de"
        for base in VOICES[lang]:
            for variant, role in VARIANTS.items():
                for _ in range(REPEATS[lang]):
                    pitch, speed = int(rng.integers(20, 81)), int(rng.integers(120, 201))
                    onset, gain = float(rng.uniform(0.0, 0.15)), float(rng.uniform(0.3, 0.9))
                    out.append(Utterance(len(out), label, f"{base}+{variant}", f"{base}-{variant}", role, pitch, speed, onset, gain))  # fmt: skip
    return out


def render(u: Utterance, *, seed: int, rate: int) -> np.ndarray:
    """The 1 s clip of ``u`` at ``rate``: the word at its onset, scaled to its gain, plus the noise floor."""
    audio = speak(WORDS[u.label], voice=u.voice, pitch=u.pitch, speed=u.speed, rate=rate)
    clip = np.zeros(rate)
    start = int(u.onset * rate)
    seg = audio[: rate - start]
    clip[start : start + seg.size] = seg
    clip = clip / max(1e-9, np.abs(clip).max()) * u.gain
    return clip + np.random.default_rng([int(seed), 2041, u.index]).normal(0.0, 1e-3, rate)
