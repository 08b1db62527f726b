"""P01 data: synthetic SSC in tonic's HDF5 layout, GSC folder layout, the Kaldi-compatible fbank."""

from __future__ import annotations

import math

import numpy as np
import pytest

from suite.data.fbank import fbank, mel_banks, mel_scale, povey_window
from suite.data.gsc import GSC, WORDS
from suite.data.ssc import SSC, class_pattern
from suite.errors import DataError


def test_synthetic_ssc_layout_and_arrays(tmp_path):
    written = SSC.synthesize(tmp_path, seed=3, n_train=70, n_valid=35, n_test=35)
    names = sorted(p.name for p in written)
    assert names == sorted(f"ssc_{s}.h5{z}" for s in ("train", "valid", "test") for z in ("", ".zip"))
    assert all(p.parent == tmp_path / "ssc" / "SSC" for p in written)
    x, y = SSC.arrays(tmp_path, "valid", {"nb_steps": 100, "max_time": 1.0, "pool": 5})
    assert x.shape == (35, 100, 140) and sorted(y.tolist()) == list(range(35))
    assert x.sum(axis=(1, 2)).min() >= 50 and x.sum(axis=(1, 2)).max() <= 400
    assert SSC.synthesize(tmp_path, seed=3) == []  # idempotent
    v = SSC.version(tmp_path)
    assert v.startswith("synthetic-sha256:")
    SSC.synthesize(tmp_path / "again", seed=3, n_train=70, n_valid=35, n_test=35)
    assert SSC.version(tmp_path / "again") == v  # byte-identical for a seed
    assert len({class_pattern(c) for c in range(35)}) == 35


def test_ssc_read_by_tonic(tmp_path):
    from suite.data.ssc import tonic_dataset

    SSC.synthesize(tmp_path, seed=0, n_train=35, n_valid=35, n_test=35)
    ds = tonic_dataset(tmp_path, "test")
    events, label = ds[0]
    assert len(ds) == 35 and 0 <= label < 35 and set(events.dtype.names) >= {"t", "x"}


def test_ssc_missing_and_corrupt_files_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"ssc_train\.h5.*neurorepro data synth ssc"):
        SSC.verify(tmp_path)
    SSC.synthesize(tmp_path, n_train=35, n_valid=35, n_test=35)
    SSC.path(tmp_path, "valid").write_bytes(b"not hdf5")
    with pytest.raises(DataError, match=r"ssc_valid\.h5 is not an HDF5 file"):
        SSC.verify(tmp_path)


def test_kaldi_mel_scale_window_and_banks():
    assert float(mel_scale(700.0)) == pytest.approx(1127 * math.log(2))
    w = povey_window(400)
    assert w[0] == 0 and w[-1] == pytest.approx(0, abs=1e-12) and w[199] == pytest.approx(w[200])
    assert w[100] == pytest.approx((0.5 - 0.5 * math.cos(2 * math.pi * 100 / 399)) ** 0.85)
    banks = mel_banks(40, 512, 16000)
    assert banks.shape == (40, 257) and np.all(banks[:, -1] == 0)
    # triangles on the mel axis between 20 Hz and 8 kHz: interior FFT bins are covered with total weight 1
    mel_bins = mel_scale(16000 / 512 * np.arange(256))
    inside = (mel_bins > mel_scale(20) + (mel_scale(8000) - mel_scale(20)) / 41) & (mel_bins < mel_scale(8000) - 70)
    assert np.allclose(banks[:, :256].sum(axis=0)[inside], 1.0)
    assert np.all(banks[:, 0] == 0)  # 0 Hz lies below low_freq = 20 Hz


def test_fbank_frames_and_a_pure_tone():
    t = np.arange(16000) / 16000
    feats = fbank(0.5 * np.sin(2 * np.pi * 1000 * t), num_mel_bins=40)
    assert feats.shape == (1 + (16000 - 400) // 160, 40) == (98, 40) and feats.dtype == np.float32
    # 1000 Hz is mel 1000.0; bin centres are mel(20) + (b + 1)·Δ with Δ = (mel(8000) − mel(20))/41 -> b = 13
    delta = (mel_scale(8000) - mel_scale(20)) / 41
    assert int(np.argmin(np.abs(mel_scale(20) + delta * np.arange(1, 41) - 1000.0))) == 13
    assert np.all(feats.argmax(axis=1) == 13)
    # a DC offset is removed before the spectrum; silence gives log(float32 eps)
    assert np.allclose(fbank(np.full(16000, 0.3)), math.log(np.finfo(np.float32).eps))
    # scaling the waveform by c adds 2·ln c to every log energy (noise: every bin far above the floor)
    noise = np.random.default_rng(1).normal(size=4000)
    assert np.allclose(fbank(2 * noise) - fbank(noise), 2 * math.log(2), atol=1e-4)


def test_fbank_matches_a_direct_per_frame_computation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=1200)
    frame = x[160:560].copy()  # frame 1: samples 160..559
    frame -= frame.mean()
    frame = frame - 0.97 * np.concatenate([[frame[0]], frame[:-1]])
    frame *= (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)) ** 0.85
    spec = np.abs(np.fft.rfft(np.concatenate([frame, np.zeros(112)]))) ** 2
    want = np.log(np.maximum(mel_banks(23, 512, 16000) @ spec, np.finfo(np.float32).eps))
    assert np.allclose(fbank(x, num_mel_bins=23)[1], want, rtol=1e-5)


@pytest.mark.slow
def test_synthetic_gsc_layout_and_features(tmp_path):
    written = GSC.synthesize(tmp_path, seed=0, per_word=8)
    folder = tmp_path / "gsc" / "SpeechCommands" / "speech_commands_v0.02"
    assert (folder / "validation_list.txt").is_file() and (folder / "testing_list.txt").is_file()
    assert len([p for p in written if p.suffix == ".wav"]) == 35 * 8
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == sorted(WORDS)
    files = {s: GSC.files(tmp_path, s) for s in GSC.splits}
    assert len(files["valid"]) == len(files["test"]) == 3 * 35 and len(files["train"]) == 2 * 35
    assert not set(files["train"]) & (set(files["valid"]) | set(files["test"]))
    x, y = GSC.arrays(tmp_path, "test", {"max_samples": 40})
    assert x.shape == (40, 98, 40) and len(set(y.tolist())) > 20  # hash order mixes the classes
    assert GSC.version(tmp_path).startswith("synthetic-sha256:")
    (folder / "testing_list.txt").unlink()
    with pytest.raises(DataError, match="testing_list.txt"):
        GSC.verify(tmp_path)


def test_gsc_missing_folder_names_the_fix(tmp_path):
    with pytest.raises(DataError, match=r"speech_commands_v0\.02.*neurorepro data synth gsc"):
        GSC.verify(tmp_path)


def _centroid_accuracy(ftr: np.ndarray, ytr: np.ndarray, fte: np.ndarray, yte: np.ndarray) -> float:
    """Nearest class mean (cosine) classifier: cheap, and enough to show where the class information is."""
    ftr = ftr / np.linalg.norm(ftr, axis=1, keepdims=True)
    fte = fte / np.linalg.norm(fte, axis=1, keepdims=True)
    means = np.stack([ftr[ytr == c].mean(axis=0) for c in range(35)])
    return float(((fte @ means.T).argmax(axis=1) == yte).mean())


def test_synthetic_ssc_class_is_in_timing_not_in_counts(tmp_path):
    # card P01 §4: per-channel counts alone must separate the classes poorly (SiLIF smoke reaches 0.95)
    SSC.synthesize(tmp_path, seed=0, n_train=700, n_valid=35, n_test=210)
    params = {"nb_steps": 9, "max_time": 1.0, "pool": 10}  # coarse: 8 time bins x 70 channels
    (xtr, ytr), (xte, yte) = SSC.arrays(tmp_path, "train", params), SSC.arrays(tmp_path, "test", params)
    bag = _centroid_accuracy(xtr.sum(axis=1), ytr, xte.sum(axis=1), yte)  # measured 0.27 (chance 0.03)
    timed = _centroid_accuracy(xtr.reshape(len(xtr), -1), ytr, xte.reshape(len(xte), -1), yte)  # measured 0.85
    assert bag < 0.4 and timed > bag + 0.3
