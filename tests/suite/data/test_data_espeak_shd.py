"""espeak-shd: espeak-ng speech as 700-channel spikes in the SHD layout (encoding checked without
espeak-ng; the dataset itself skips without it)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from suite.data.espeak import utterances
from suite.data.espeak_shd import ESPEAK_SHD, F_MAX, F_MIN, GAIN, HOP, _mel, encode, filterbank

RATE = 22050


def test_filterbank_covers_every_channel_in_mel_order():
    bank = filterbank()
    assert bank.shape == (513, 700) and float(bank.sum(axis=0).min()) > 0  # no empty channel
    bins = np.arange(513) * RATE / 1024
    peak_bin = bins[bank.argmax(axis=0)]
    assert np.all(np.diff(peak_bin) >= 0)  # channels ordered by frequency
    assert abs(peak_bin[0] - F_MIN) < RATE / 1024 and abs(peak_bin[-1] - F_MAX) < RATE / 1024
    # equal spacing on the mel scale: the channel whose weight peaks nearest 1 kHz is at mel(1000)
    c = int(np.argmin(np.abs(peak_bin - 1000.0)))
    frac = (_mel(np.array(1000.0)) - _mel(np.array(F_MIN))) / (_mel(np.array(F_MAX)) - _mel(np.array(F_MIN)))
    assert abs(c - frac * 699) <= 5  # ± half an FFT bin (10.8 Hz) is ± 2 channels here; argmax ties


def test_encode_a_tone_and_silence():
    bank = filterbank()
    t = np.arange(RATE) / RATE
    tone = np.where((t >= 0.2) & (t < 0.7), 0.5 * np.sin(2 * np.pi * 1000 * t), 0.0)
    times, channels = encode(tone, bank)
    assert np.all(np.diff(times) >= 0)
    # spikes only while the tone sounds (± half a 46 ms frame), in channels around 1 kHz
    assert times.min() > 0.2 - 0.05 and times.max() < 0.7 + 0.05
    counts = np.bincount(channels, minlength=700)
    top = int(counts.argmax())
    peak_bin = (np.arange(513) * RATE / 1024)[bank.argmax(axis=0)]
    assert abs(peak_bin[top] - 1000.0) < 30.0
    # the loudest channel is at full level for ~0.5 s of 1 ms frames: GAIN spikes per frame
    frames = 0.5 * RATE / HOP
    assert abs(counts[top] - GAIN * frames) <= 0.1 * GAIN * frames
    assert encode(np.zeros(RATE), bank)[0].size == 0


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_shd_files_read_by_the_shd_pipeline_and_tonic(tmp_path):
    from suite.data.shd import tonic_dataset

    ESPEAK_SHD.synthesize(tmp_path, seed=0)
    assert sorted(p.name for p in (tmp_path / "espeak-shd" / "SHD").iterdir()) == [
        "shd_test.h5", "shd_test.h5.zip", "shd_train.h5", "shd_train.h5.zip",
    ]  # fmt: skip
    x, y = ESPEAK_SHD.arrays(tmp_path, "test", {"nb_steps": 50, "max_time": 1.0, "pool": 5})
    assert x.shape == (240, 50, 140) and np.bincount(y).tolist() == [12] * 20
    assert float(x.sum(axis=(1, 2)).min()) > 500 and float(x.sum(axis=(1, 2)).max()) < 20_000
    _, ytr = ESPEAK_SHD.arrays(tmp_path, "train", {"nb_steps": 50, "max_time": 1.0, "pool": 5})
    assert np.bincount(ytr).tolist() == [36] * 20
    import h5py

    with (
        h5py.File(ESPEAK_SHD.path(tmp_path, "train"), "r") as f_tr,
        h5py.File(ESPEAK_SHD.path(tmp_path, "test"), "r") as f_te,
    ):
        assert not set(f_tr["extra/speaker"][:]) & set(f_te["extra/speaker"][:])  # test voices unheard
    events, label = tonic_dataset(tmp_path, "test", ESPEAK_SHD)[0]
    assert 0 <= label < 20 and events["x"].max() < 700 and len(events) > 500
    assert ESPEAK_SHD.synthesize(tmp_path, seed=0) == []  # idempotent


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_encoding_of_a_rendered_clip_is_deterministic():
    from suite.data.espeak import render

    u = utterances(0)[5]
    a, b = (encode(render(u, seed=0, rate=RATE), filterbank()) for _ in range(2))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[0].size > 500
