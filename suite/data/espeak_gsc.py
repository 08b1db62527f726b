"""espeak-gsc: spoken digits synthesised by Debian's ``espeak-ng``, written in the GSC folder layout.

A suite stand-in (card P01 §4, "espeak" sets; the issue asks for English and German digits) that lets
real audio, not a formant toy, pass through the real GSC pipeline: 16 kHz int16 wavs under
``<root>/espeak-gsc/SpeechCommands/speech_commands_v0.02/<word>/<speaker>_nohash_<n>.wav`` with
``validation_list.txt`` / ``testing_list.txt``, read by :class:`suite.data.gsc.GSCDataset` and
turned into 40 Kaldi log-mel features per 10 ms frame by :func:`suite.data.fbank.fbank`.

20 classes in SHD's order: "zero" … "nine" (labels 0-9, English voices ``en`` and ``en-us``) and
"null" … "neun" (labels 10-19, German voice ``de``); the folder of "fünf" is ``fuenf``. A *speaker*
is a language voice with one of espeak's variants (``+m1`` … ``+f4``): variants m1, m2, f1, f2 speak
the train split, m3 and f3 the validation split, m4 and f4 the test split, so valid and test voices
are never heard in training. Each clip draws its pitch (``-p`` 20-80), speed (``-s`` 120-200
words/min), onset (0-150 ms of silence first), gain (0.3-0.9 of full scale) and a noise floor
(σ = 1e-3) from a seeded generator; espeak's 22.05 kHz output is resampled to 16 kHz (polyphase
320/441) and cut or zero-padded to 1 s. English speakers say each word 3 times and German speakers
6 times, so every word has 48 clips (24 train, 12 valid, 12 test). This is synthetic speech, not
human recordings: accuracy on it says the pipeline and a model work, not what a model scores on GSC.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.gsc import SAMPLE_RATE, SYNTHETIC_MARK, GSCDataset
from suite.errors import DataError

log = logging.getLogger(__name__)

ENGLISH = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
GERMAN = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
FOLDERS = ENGLISH + tuple(w.replace("ü", "ue") for w in GERMAN)  # label order, ASCII folder names
VOICES = {"en": ("en", "en-us"), "de": ("de",)}
VARIANTS = {
    "m1": "train",
    "m2": "train",
    "f1": "train",
    "f2": "train",
    "m3": "valid",
    "f3": "valid",
    "m4": "test",
    "f4": "test",
}
REPEATS = {"en": 3, "de": 6}  # 2 English voices x 3 = 1 German voice x 6 clips per word and variant
ESPEAK_RATE = 22050


def espeak_binary() -> str:
    """The path of ``espeak-ng``; :class:`DataError` naming the Debian package when it is absent."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise DataError("dataset 'espeak-gsc' needs the espeak-ng program: apt-get install espeak-ng")
    return path


def espeak_version() -> str:
    out = subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split()[:6])


def speak(text: str, *, voice: str, pitch: int, speed: int) -> np.ndarray:
    """espeak-ng's rendering of ``text`` as float64 in [−1, 1] at 16 kHz (resampled from 22.05 kHz)."""
    from scipy.io import wavfile
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "w.wav"
        cmd = [espeak_binary(), "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(wav), text]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not wav.is_file():
            raise DataError(f"espeak-ng failed for {text!r} ({voice}): {proc.stderr.strip() or proc.returncode}")
        rate, data = wavfile.read(wav)
    if rate != ESPEAK_RATE:
        raise DataError(f"espeak-ng wrote {rate} Hz, expected {ESPEAK_RATE}")
    return resample_poly(data.astype(np.float64) / 32768.0, 320, 441)


class EspeakGSCDataset(GSCDataset):
    """English and German digits by espeak-ng in the GSC layout (module docstring)."""

    name = "espeak-gsc"
    words = FOLDERS
    n_classes = len(FOLDERS)

    def synthesize(self, root: Path, *, seed: int = 0, force: bool = False, **kw: Any) -> list[Path]:
        """Write the set (module docstring): 48 clips per word (24 train, 12 valid, 12 test); 960
        espeak-ng calls, about 12 s."""
        from scipy.io import wavfile

        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        version = espeak_version()
        folder = self.folder(root)
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng([int(seed), 2040])
        lists: dict[str, list[str]] = {"valid": [], "test": []}
        written: list[Path] = []
        for label, folder_name in enumerate(FOLDERS):
            lang = "en" if label < 10 else "de"
            text = (ENGLISH + GERMAN)[label]
            (folder / folder_name).mkdir(exist_ok=True)
            n = 0
            for base in VOICES[lang]:
                for variant, role in VARIANTS.items():
                    voice, speaker = f"{base}+{variant}", f"{base}-{variant}"
                    for _ in range(REPEATS[lang]):
                        pitch, speed = int(rng.integers(20, 81)), int(rng.integers(120, 201))
                        audio = speak(text, voice=voice, pitch=pitch, speed=speed)
                        clip = np.zeros(SAMPLE_RATE)
                        start = int(rng.uniform(0.0, 0.15) * SAMPLE_RATE)
                        seg = audio[: SAMPLE_RATE - start]
                        clip[start : start + seg.size] = seg
                        clip = clip / max(1e-9, np.abs(clip).max()) * rng.uniform(0.3, 0.9)
                        clip += rng.normal(0.0, 1e-3, SAMPLE_RATE)
                        rel = f"{folder_name}/{speaker}_nohash_{n}.wav"
                        pcm = np.round(np.clip(clip, -1.0, 1.0) * 32767).astype(np.int16)
                        wavfile.write(folder / rel, SAMPLE_RATE, pcm)
                        written.append(folder / rel)
                        if role != "train":
                            lists[role].append(rel)
                        n += 1
        for split, fname in (("valid", "validation_list.txt"), ("test", "testing_list.txt")):
            (folder / fname).write_text("".join(f"{r}\n" for r in sorted(lists[split])))
            written.append(folder / fname)
        (folder / SYNTHETIC_MARK).write_text(f"espeak-gsc v1 seed={int(seed)} {version}\n")
        log.info("wrote espeak-gsc (%d clips, seed %d, %s) to %s", len(written) - 2, seed, version, folder)
        return written


ESPEAK_GSC = EspeakGSCDataset()
