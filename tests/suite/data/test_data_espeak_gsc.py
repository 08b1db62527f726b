"""espeak-gsc: real espeak-ng audio in the GSC layout, read by the GSC loader (skips without espeak-ng)."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest

from suite.data.espeak import VARIANTS, speak
from suite.data.espeak_gsc import ESPEAK_GSC, FOLDERS
from suite.errors import DataError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture(scope="module")
def espeak_root(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    root = tmp_path_factory.mktemp("espeak")
    ESPEAK_GSC.synthesize(root, seed=0)
    return root


@needs_espeak
def test_layout_splits_and_labels(espeak_root):
    folder = ESPEAK_GSC.folder(espeak_root)
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == sorted(FOLDERS)
    assert "fuenf" in FOLDERS and FOLDERS.index("null") == 10
    files = {s: ESPEAK_GSC.files(espeak_root, s) for s in ESPEAK_GSC.splits}
    assert {s: len(f) for s, f in files.items()} == {"train": 480, "valid": 240, "test": 240}
    for split, rels in files.items():  # 24 / 12 / 12 clips of every word
        assert set(Counter(r.split("/")[0] for r in rels).values()) == {480 // 20 if split == "train" else 12}
    # a speaker (voice + variant) belongs to exactly one split: valid and test voices are unheard
    speakers = {s: {r.split("/")[1].split("_nohash_")[0] for r in rels} for s, rels in files.items()}
    assert not (speakers["train"] & speakers["valid"]) and not (speakers["train"] & speakers["test"])
    assert {sp.split("-")[-1] for sp in speakers["test"]} == {v for v, r in VARIANTS.items() if r == "test"}


@needs_espeak
def test_arrays_through_the_gsc_fbank(espeak_root):
    x, y = ESPEAK_GSC.arrays(espeak_root, "test", {"num_mel_bins": 40})
    assert x.shape == (240, 98, 40) and x.dtype == np.float32
    assert np.bincount(y, minlength=20).tolist() == [12] * 20
    # speech, not silence: in every clip the loudest bin is > 7 nats (~30 dB) above the median bin
    assert float((x.max(axis=(1, 2)) - np.median(x, axis=(1, 2))).min()) > 7.0
    # a nearest-class-mean classifier on time-averaged features beats chance (5 %) on unseen voices
    xt, yt = ESPEAK_GSC.arrays(espeak_root, "train", {})
    means = np.stack([xt[yt == c].mean(axis=(0, 1)) for c in range(20)])
    pred = np.argmin(((x.mean(axis=1)[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert float((pred == y).mean()) > 0.25


@needs_espeak
def test_deterministic_for_a_seed(espeak_root, tmp_path):
    ESPEAK_GSC.synthesize(tmp_path, seed=0)
    assert ESPEAK_GSC.version(tmp_path) == ESPEAK_GSC.version(espeak_root)
    assert ESPEAK_GSC.synthesize(tmp_path, seed=0) == []  # idempotent


@needs_espeak
def test_speak_resamples_to_16khz():
    audio = speak("seven", voice="en", pitch=50, speed=160)
    assert 0.4 * 16000 < audio.size < 1.2 * 16000 and 0.05 < float(np.abs(audio).max()) <= 1.0


def test_missing_espeak_is_a_data_error(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="apt-get install espeak-ng"):
        ESPEAK_GSC.synthesize(tmp_path)
