"""espeak-gsc: spoken digits synthesised by Debian's ``espeak-ng`` (:mod:`suite.data.espeak`),
written as 16 kHz wavs in the GSC folder layout.

A suite stand-in (card P01 §4, "espeak" sets; the issue asks for English and German digits) that
lets real audio, not a formant toy, pass through the real GSC pipeline: int16 wavs under
``<root>/espeak-gsc/SpeechCommands/speech_commands_v0.02/<word>/<speaker>_nohash_<n>.wav`` with
``validation_list.txt`` / ``testing_list.txt``, read by :class:`suite.data.gsc.GSCDataset` and
turned into 40 Kaldi log-mel features per 10 ms frame by :func:`suite.data.fbank.fbank`. Word
folders are the 20 words in label order (the folder of "fünf" is ``fuenf``); 480 / 240 / 240
train / validation / test clips, the validation and test clips spoken by held-out voices.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.espeak import WORDS, espeak_version, render, utterances
from suite.data.gsc import SAMPLE_RATE, SYNTHETIC_MARK, GSCDataset

log = logging.getLogger(__name__)

FOLDERS = tuple(w.replace("ü", "ue") for w in WORDS)  # label order, ASCII folder names


class EspeakGSCDataset(GSCDataset):
    """English and German digits by espeak-ng in the GSC layout (module docstring)."""

    name = "espeak-gsc"
    words = FOLDERS
    n_classes = len(FOLDERS)

    def synthesize(self, root: Path, *, seed: int = 0, force: bool = False, **kw: Any) -> list[Path]:
        """Write the set (module docstring): 960 espeak-ng calls, about 12 s."""
        from scipy.io import wavfile

        if not self.needs_synthesis(root, force=force, options=kw):
            return []
        version = espeak_version()
        folder = self.folder(root)
        folder.mkdir(parents=True, exist_ok=True)
        lists: dict[str, list[str]] = {"valid": [], "test": []}
        written: list[Path] = []
        for u in utterances(seed):
            (folder / FOLDERS[u.label]).mkdir(exist_ok=True)
            rel = f"{FOLDERS[u.label]}/{u.speaker}_nohash_{u.index}.wav"
            clip = render(u, seed=seed, rate=SAMPLE_RATE)
            wavfile.write(folder / rel, SAMPLE_RATE, np.round(np.clip(clip, -1.0, 1.0) * 32767).astype(np.int16))
            written.append(folder / rel)
            if u.role != "train":
                lists[u.role].append(rel)
        for split, fname in (("valid", "validation_list.txt"), ("test", "testing_list.txt")):
            (folder / fname).write_text("".join(f"{r}\n" for r in sorted(lists[split])))
            written.append(folder / fname)
        (folder / SYNTHETIC_MARK).write_text(f"espeak-gsc v1 seed={int(seed)} {version}\n")
        log.info("wrote espeak-gsc (%d clips, seed %d, %s) to %s", len(written) - 2, seed, version, folder)
        return written


ESPEAK_GSC = EspeakGSCDataset()
