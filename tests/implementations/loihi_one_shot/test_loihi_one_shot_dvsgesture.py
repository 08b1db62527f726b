"""The DVSGesture few-shot loader: tonic layout, the user split, (user, gesture) classes, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from suite.data.dvsgesture import DVSGESTURE, N_GESTURES, tonic_dataset
from suite.errors import DataError


def test_missing_files_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="ibmGestureTrain"):
        DVSGESTURE.arrays(tmp_path, "meta-train", {})


def test_synthetic_files_in_tonic_layout_and_user_split(tmp_path: Path) -> None:
    written = DVSGESTURE.synthesize(tmp_path, duration_ms=120)
    assert len(written) == 29 * 3 * N_GESTURES
    assert (tmp_path / "dvsgesture/DVSGesture/ibmGestureTest/user24_led/10.npy").is_file()
    x, y = DVSGESTURE.arrays(tmp_path, "meta-test", {"nb_steps": 5, "dt_ms": 10, "chunks": 2, "pool": 32})
    assert x.shape == (6 * 3 * N_GESTURES * 2, 5, 2 * 4 * 4)
    users = np.unique(y // N_GESTURES + 1)
    assert users.tolist() == list(range(24, 30))  # meta-test = users 24-29
    assert np.bincount(y).max() == 3 * 2  # lightings x chunks samples per (user, gesture) class
    ds = tonic_dataset(tmp_path, train=False)  # tonic reads the same files
    events, target = ds[0]
    assert len(ds) == 6 * 3 * N_GESTURES and 0 <= target < N_GESTURES and events["x"].max() < 128
