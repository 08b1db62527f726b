"""Kaldi-compatible log-mel filterbank features without torchaudio (card P01 §3 and §7).

The SiLIF code computes GSC features with ``torchaudio.compliance.kaldi.fbank(waveform,
num_mel_bins=40)`` (25 ms window, 10 ms shift). torchaudio's CPU wheel does not import with this
project's torch, so this module re-implements that function's defaults in numpy
[unverified: the defaults are the card's recollection of torchaudio's, and no stored torchaudio
reference array could be produced here]:

1. frames of ``frame_length`` ms every ``frame_shift`` ms, ``snip_edges``: 1 + (N − L) // S frames;
2. per frame: remove the DC offset (subtract the mean), pre-emphasis 0.97 with the first sample
   replicated (x'_0 = x_0 − 0.97·x_0), Povey window (Hann, non-periodic, to the power 0.85);
3. zero-pad to the next power of two, |rfft|² (power spectrum);
4. ``num_mel_bins`` triangular filters equally spaced on the Kaldi mel scale
   mel(f) = 1127·ln(1 + f/700) between ``low_freq`` = 20 Hz and ``high_freq`` = Nyquist (a
   non-positive ``high_freq`` counts from Nyquist), weights max(0, min(up-slope, down-slope)) on
   the FFT bin centres; the Nyquist bin gets weight 0;
5. log(max(energy, float32 eps)).

Dither is 0 (torchaudio's default), so the features are deterministic. Input is the waveform in
whatever scale the caller loads it (torchaudio.load gives floats in [−1, 1]).
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float32).eps)
PREEMPHASIS = 0.97


def mel_scale(freq: np.ndarray | float) -> np.ndarray:
    """Kaldi's mel scale: 1127·ln(1 + f/700)."""
    return 1127.0 * np.log1p(np.asarray(freq, dtype=np.float64) / 700.0)


def povey_window(length: int) -> np.ndarray:
    """Kaldi's Povey window: the non-periodic Hann window to the power 0.85."""
    n = np.arange(length, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / (length - 1))) ** 0.85


def mel_banks(
    num_bins: int, n_fft: int, sample_rate: float, low_freq: float = 20.0, high_freq: float = 0.0
) -> np.ndarray:
    """Triangular mel filters ``[num_bins, n_fft // 2 + 1]`` (last column, the Nyquist bin, zero)."""
    nyquist = 0.5 * sample_rate
    high = high_freq if high_freq > 0 else nyquist + high_freq
    if not 0 <= low_freq < high <= nyquist:
        raise ValueError(f"need 0 <= low_freq < high_freq <= Nyquist, got {low_freq}, {high}, Nyquist {nyquist}")
    mel_low, mel_high = mel_scale(low_freq), mel_scale(high)
    delta = (mel_high - mel_low) / (num_bins + 1)
    left = mel_low + delta * np.arange(num_bins)[:, None]
    center, right = left + delta, left + 2 * delta
    mel = mel_scale(sample_rate / n_fft * np.arange(n_fft // 2))[None, :]
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))


def fbank(
    waveform: np.ndarray,
    *,
    sample_rate: float = 16000.0,
    num_mel_bins: int = 40,
    frame_length: float = 25.0,
    frame_shift: float = 10.0,
    low_freq: float = 20.0,
    high_freq: float = 0.0,
) -> np.ndarray:
    """Log-mel filterbank ``[frames, num_mel_bins]`` (float32) of a mono waveform (module docstring)."""
    x = np.asarray(waveform, dtype=np.float64).reshape(-1)
    win = int(round(sample_rate * frame_length / 1000.0))
    hop = int(round(sample_rate * frame_shift / 1000.0))
    if x.size < win:
        return np.zeros((0, num_mel_bins), dtype=np.float32)
    n_frames = 1 + (x.size - win) // hop
    idx = np.arange(win)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = x[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = frames - PREEMPHASIS * np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = frames * povey_window(win)
    n_fft = 1 << (win - 1).bit_length()
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2
    energies = power @ mel_banks(num_mel_bins, n_fft, sample_rate, low_freq, high_freq).T
    return np.log(np.maximum(energies, EPS)).astype(np.float32)
