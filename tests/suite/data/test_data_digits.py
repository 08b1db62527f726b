"""digits-spikes: scikit-learn digits, Bernoulli rate-coded."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from suite.data.digits import DIGITS_SPIKES, split_indices
from suite.errors import DataError


def test_shapes_split_and_binary_spikes(tmp_path):
    x_tr, y_tr = DIGITS_SPIKES.arrays(tmp_path, "train", {})
    x_te, y_te = DIGITS_SPIKES.arrays(tmp_path, "test", {})
    assert x_tr.shape == (1437, 25, 64) and x_te.shape == (360, 25, 64)
    assert x_tr.dtype == np.float32 and y_tr.dtype == np.int64
    assert set(np.unique(x_tr).tolist()) == {0.0, 1.0}
    assert np.bincount(y_te, minlength=10).min() >= 35 and np.bincount(y_te).max() <= 37  # stratified
    idx = split_indices(load_digits().target)
    assert len(np.intersect1d(idx["train"], idx["test"])) == 0 and len(idx["train"]) + len(idx["test"]) == 1797
    assert DIGITS_SPIKES.synthesize(tmp_path) == []
    assert not any(tmp_path.iterdir())


def test_rate_matches_intensity_and_is_deterministic(tmp_path):
    x, _ = DIGITS_SPIKES.arrays(tmp_path, "train", {"nb_steps": 40, "max_rate": 0.8})
    images = load_digits().data[split_indices(load_digits().target)["train"]]
    expected = images / 16 * 0.8
    assert abs(x.mean() - expected.mean()) < 0.002
    assert x[:, :, expected.mean(axis=0) == 0].sum() == 0  # pixels that are always 0 never spike
    again, _ = DIGITS_SPIKES.arrays(tmp_path, "train", {"nb_steps": 40, "max_rate": 0.8})
    np.testing.assert_array_equal(x, again)
    other, _ = DIGITS_SPIKES.arrays(tmp_path, "train", {"nb_steps": 40, "max_rate": 0.8, "encoding_seed": 1})
    assert not np.array_equal(x, other)
    first, _ = DIGITS_SPIKES.arrays(tmp_path, "train", {"nb_steps": 40, "max_rate": 0.8, "max_samples": 5})
    np.testing.assert_array_equal(first, x[:5])


def test_learnable_and_version(tmp_path):
    x_tr, y_tr = DIGITS_SPIKES.arrays(tmp_path, "train", {})
    x_te, y_te = DIGITS_SPIKES.arrays(tmp_path, "test", {})
    with threadpool_limits(1):  # BLAS oversubscription makes this tiny fit take ~30 s on 2 cores
        acc = LogisticRegression(max_iter=1000).fit(x_tr.sum(1), y_tr).score(x_te.sum(1), y_te)
    assert acc > 0.85
    v = DIGITS_SPIKES.version(tmp_path)
    assert v.startswith("sklearn-digits:rate-bernoulli-v1:sha256:") and len(v.rsplit(":", 1)[1]) == 16
    assert DIGITS_SPIKES.version(tmp_path / "elsewhere") == v
    with pytest.raises(DataError, match="bad params"):
        DIGITS_SPIKES.arrays(tmp_path, "train", {"max_rate": 2.0})
    with pytest.raises(DataError, match="got 'valid'"):
        DIGITS_SPIKES.arrays(tmp_path, "valid", {})
