"""Binning of spike events into dense counts (card P01 §3 and the §7 out-of-range pitfall)."""

from __future__ import annotations

import numpy as np
import pytest

from suite.data import binning
from suite.data.binning import bin_event_batch, bin_events, n_pooled, time_bins

# nb_steps=5, max_time=1 -> edges [0, .25, .5, .75, 1]; digitize: [0,.25)->1, ..., [.75,1)->4, >=1 -> 5
TIMES = np.array([0.0, 0.1, 0.25, 0.6, 0.99, 1.0, 1.7])
UNITS = np.array([0, 1, 2, 3, 4, 5, 6])


def test_time_bins_match_digitize_inside_and_clip_or_drop_outside():
    assert np.digitize(TIMES, np.linspace(0, 1, 5)).tolist() == [1, 1, 2, 3, 4, 5, 5]  # 5 is out of range
    assert time_bins(TIMES, nb_steps=5, max_time=1.0).tolist() == [1, 1, 2, 3, 4, 4, 4]
    assert time_bins(TIMES, nb_steps=5, max_time=1.0, out_of_range="drop").tolist() == [1, 1, 2, 3, 4, -1, -1]
    assert time_bins(np.array([-0.1]), nb_steps=5, max_time=1.0).tolist() == [0]  # only negatives reach bin 0


def test_bin_events_hand_counts_clip():
    x = bin_events(TIMES, UNITS, nb_steps=5, max_time=1.0, n_units=8)
    expected = np.zeros((5, 8), np.float32)
    for t, c in [(1, 0), (1, 1), (2, 2), (3, 3), (4, 4), (4, 5), (4, 6)]:
        expected[t, c] += 1
    assert x.dtype == np.float32 and x.shape == (5, 8)
    np.testing.assert_array_equal(x, expected)
    assert x[0].sum() == 0  # bin 0 is always empty for t >= 0


def test_bin_events_drop_loses_late_events_only():
    x = bin_events(TIMES, UNITS, nb_steps=5, max_time=1.0, n_units=8, out_of_range="drop")
    assert x.sum() == 5
    assert x[4].tolist() == [0, 0, 0, 0, 1, 0, 0, 0]


def test_pooling_sums_groups_of_channels():
    # pool=2 over 8 units -> 4 channels: units (0,1)->0, (2,3)->1, (4,5)->2, (6,7)->3
    x = bin_events(TIMES, UNITS, nb_steps=5, max_time=1.0, n_units=8, pool=2)
    assert x.shape == (5, 4)
    assert x[1].tolist() == [2, 0, 0, 0]  # two events in the same pooled channel and bin
    assert x[4].tolist() == [0, 0, 2, 1]
    assert n_pooled(700, 5) == 140 and n_pooled(700, 3) == 234 and n_pooled(700, 1) == 700


def test_batch_matches_add_at_reference_across_blocks(monkeypatch):
    monkeypatch.setattr(binning, "_MAX_CHUNK_CELLS", 40)  # forces blocks of 2 samples
    rng = np.random.default_rng(1)
    times = [rng.uniform(-0.05, 1.3, n) for n in (0, 7, 30, 1, 12)]
    units = [rng.integers(0, 10, len(t)) for t in times]
    x = bin_event_batch(times, units, nb_steps=4, max_time=1.0, n_units=10, pool=2)
    ref = np.zeros((5, 4, 5), np.float32)
    for i, (t, u) in enumerate(zip(times, units, strict=True)):
        idx = np.minimum(np.digitize(t, np.linspace(0, 1, 4)), 3)
        np.add.at(ref[i], (idx, u // 2), 1)
    np.testing.assert_array_equal(x, ref)
    assert x.sum() == sum(len(t) for t in times)


def test_batch_rejects_bad_input():
    with pytest.raises(ValueError, match="unit ids"):
        bin_event_batch([np.array([0.1])], [np.array([10])], nb_steps=3, max_time=1.0, n_units=10)
    with pytest.raises(ValueError, match="sample 0: 2 times but 1 units"):
        bin_event_batch([np.array([0.1, 0.2])], [np.array([1])], nb_steps=3, max_time=1.0, n_units=10)
    with pytest.raises(ValueError, match="out_of_range"):
        time_bins(TIMES, nb_steps=5, max_time=1.0, out_of_range="wrap")
    assert bin_event_batch([], [], nb_steps=3, max_time=1.0, n_units=10).shape == (0, 3, 10)
