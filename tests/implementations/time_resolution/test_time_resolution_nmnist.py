"""N-MNIST binary format (tonic's decoder agrees), the digits-nmnist stand-in, and its binning."""

from __future__ import annotations

import numpy as np
import pytest

from suite.data.nmnist import NMNIST, decode_events, encode_events, tonic_dataset
from suite.errors import DataError


def test_encode_decode_round_trip_and_the_bit_layout():
    x, y, t, p = np.array([0, 33, 5]), np.array([1, 0, 33]), np.array([0, 70_000, 2**23 - 1]), np.array([1, 0, 1])
    raw = encode_events(x, y, t, p)
    assert len(raw) == 15
    # event 2: x=5, y=33, p=1, t = 0x7FFFFF -> byte 2 = 1<<7 | 0x7F, bytes 3, 4 = 0xFF
    assert list(raw[10:15]) == [5, 33, 0xFF, 0xFF, 0xFF]
    assert list(raw[5:10]) == [33, 0, 70_000 >> 16, (70_000 >> 8) & 255, 70_000 & 255]
    for got, want in zip(decode_events(raw), (x, y, t, p), strict=True):
        assert np.array_equal(got, want)
    # an overflow record (y = 240) adds 2^13 µs to every later event and is not an event itself
    over = encode_events([0], [0], [5], [0]) + bytes([0, 240, 0, 0, 0]) + encode_events([1], [2], [5], [1])
    assert decode_events(over)[2].tolist() == [5, 5 + 2**13]
    with pytest.raises(ValueError):
        encode_events([0], [0], [2**23], [0])


def test_tonic_reader_agrees_with_ours(tmp_path):
    import tonic
    from tonic.io import read_mnist_file

    rng = np.random.default_rng(0)
    n = 200
    ev = (rng.integers(0, 34, n), rng.integers(0, 34, n), np.sort(rng.integers(0, 300_000, n)), rng.integers(0, 2, n))
    path = tmp_path / "a.bin"
    path.write_bytes(encode_events(*ev))
    got = read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)
    for name, want in zip(("x", "y", "t", "p"), ev, strict=True):
        assert np.array_equal(got[name], want)


def test_digits_nmnist_layout_arrays_and_tonic_guard(tmp_path):
    written = NMNIST.synthesize(tmp_path, seed=0, limit=20, pad_to=30)
    base = tmp_path / "nmnist" / "NMNIST"
    assert (base / "train.zip").is_file() and (base / "test.zip").is_file()
    assert len(NMNIST.files(tmp_path, "train")) == 30 and len(NMNIST.files(tmp_path, "test")) == 30
    assert len([p for p in written if p.suffix == ".bin"]) == 60
    x, y = NMNIST.arrays(tmp_path, "train", {"nb_steps": 31, "max_time": 0.3, "pool": 2})
    assert x.shape == (30, 31, 2 * 17 * 17) and set(y.tolist()) <= set(range(10)) and len(set(y.tolist())) > 5
    assert x[:, 0].sum() == 0 and x.sum() > 30 * 500  # bin 0 empty (np.digitize), hundreds of events each
    # synchronised binning: every 10 ms bin is the union of two 5 ms bins
    fine, _ = NMNIST.arrays(tmp_path, "train", {"nb_steps": 61, "max_time": 0.3, "pool": 2})
    assert np.array_equal(x[:, 1:], fine[:, 1::2] + fine[:, 2::2])
    assert NMNIST.version(tmp_path).startswith("synthetic-sha256:")
    with pytest.raises(DataError, match="10000 .bin files"):
        tonic_dataset(tmp_path, "train")  # too few files: tonic would download


def test_missing_nmnist_names_the_fix(tmp_path):
    with pytest.raises(DataError, match=r"Train.*neurorepro data synth nmnist"):
        NMNIST.verify(tmp_path)
