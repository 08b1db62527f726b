"""MSWC layout stand-in and its level-crossing event encoding."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from suite.data.mswc import HEADER, MSWC, delta_events
from suite.errors import DataError


def test_level_crossing_events_by_hand():
    # one channel: 0, 0.4, 1.3, 3.2, 0.9 with delta 1 -> levels 0, 0, 1, 3, 0
    #   frame 2: +1 ON; frame 3: +2 ON; frame 4: −3 OFF
    feats = np.array([[0.0], [0.4], [1.3], [3.2], [0.9]])
    t, ch = delta_events(feats, 1.0, 1e-3)
    assert t.tolist() == pytest.approx([0.002, 0.003, 0.003, 0.004, 0.004, 0.004])
    assert ch.tolist() == [0, 0, 0, 1, 1, 1]


def test_synthetic_mswc_layout_and_arrays(tmp_path):
    MSWC.synthesize(tmp_path, seed=0, per_word=5)
    for lang in ("en", "de"):
        for s in ("train", "dev", "test"):
            with open(tmp_path / "mswc" / lang / f"{lang}_{s}.csv", newline="") as fh:
                rows = list(csv.reader(fh))
            assert rows[0] == HEADER and len(rows) > 1
            assert all((tmp_path / "mswc" / lang / "clips" / r[0]).is_file() for r in rows[1:])
    words = MSWC.words(tmp_path, ("en", "de"))
    assert len(words) == MSWC.n_classes == 40 and words[0].startswith("de/")
    x, y = MSWC.arrays(tmp_path, "test", {"nb_steps": 51, "max_samples": 12})
    assert x.shape == (12, 51, 80) and x.sum() > 12 * 100 and set(y.tolist()) <= set(range(40))
    fine, _ = MSWC.arrays(tmp_path, "test", {"nb_steps": 101, "max_samples": 12})
    assert np.array_equal(x[:, 1:], fine[:, 1::2] + fine[:, 2::2])  # synchronised 20 ms / 10 ms bins
    assert MSWC.version(tmp_path).startswith("synthetic-sha256:")


def test_missing_mswc_names_the_file(tmp_path):
    with pytest.raises(DataError, match=r"en_train\.csv.*neurorepro data synth mswc"):
        MSWC.verify(tmp_path)
