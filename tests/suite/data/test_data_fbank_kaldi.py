"""The suite's Kaldi fbank against kaldi-native-fbank (Kaldi's ``compute-fbank-feats`` algorithm, which
``torchaudio.compliance.kaldi.fbank`` reproduces and which cannot be imported beside torch 2.13 here).

Both sides use the card's settings: Povey window, pre-emphasis 0.97, DC removal, power spectrum,
log mel from 20 Hz to Nyquist, snip_edges, FFT size rounded up to a power of two, no dither.
"""

from __future__ import annotations

import numpy as np
import pytest

from suite.data.fbank import fbank

knf = pytest.importorskip("kaldi_native_fbank")


def _kaldi(wave: np.ndarray, rate: int, bins: int, low: float = 20.0, high: float = 0.0) -> np.ndarray:
    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = rate
    opts.frame_opts.dither = 0.0
    opts.mel_opts.num_bins = bins
    opts.mel_opts.low_freq = low
    opts.mel_opts.high_freq = high
    online = knf.OnlineFbank(opts)
    online.accept_waveform(rate, wave.astype(np.float32).tolist())
    online.input_finished()
    return np.stack([online.get_frame(i) for i in range(online.num_frames_ready)])


def _signals(rate: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.arange(rate) / rate
    return {
        "tone+noise": 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.normal(size=rate),
        "chirp": 0.5 * np.sin(2 * np.pi * (100 + 1500 * t) * t),
        "int16-scale noise": np.round(rng.normal(0, 3000, size=rate)),
        "short (3 frames)": rng.normal(size=int(0.045 * rate)),
    }


@pytest.mark.parametrize("rate,bins", [(16000, 40), (16000, 80), (8000, 23)])
def test_fbank_equals_kaldi(rate, bins):
    for name, wave in _signals(rate).items():
        ours, ref = fbank(wave, sample_rate=rate, num_mel_bins=bins), _kaldi(wave, rate, bins)
        assert ours.shape == ref.shape, name
        _close(ours, ref, name)


def test_fbank_band_limits_equal_kaldi():
    wave = np.random.default_rng(3).normal(size=8000)
    ours = fbank(wave, sample_rate=16000, num_mel_bins=40, low_freq=64.0, high_freq=-400.0)
    _close(ours, _kaldi(wave, 16000, 40, low=64.0, high=-400.0), "band")


def _close(ours: np.ndarray, ref: np.ndarray, name: str) -> None:
    """Equal up to float32 rounding (kaldi-native-fbank computes in float32): log energies agree to
    5e-4 on average, and to 1e-2 (1 % in energy) even in bins near the floor, where the float32
    power spectrum loses digits. A different window, pre-emphasis or mel bank moves every bin by
    far more."""
    diff = np.abs(ours - ref)
    assert float(diff.mean()) < 5e-4 and float(diff.max()) < 1e-2, (name, float(diff.mean()), float(diff.max()))
