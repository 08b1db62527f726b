"""SHD files: the synthetic stand-in's layout, determinism, checks, versions and arrays."""

from __future__ import annotations

import hashlib
import os

import h5py
import numpy as np
import pytest

from suite.data.shd import SHD, tonic_dataset
from suite.errors import DataError


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = tmp_path_factory.mktemp("data")
    SHD.synthesize(r, seed=0, n_train=100, n_test=40)
    return r


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_layout_keys_dtypes_and_ranges(root):
    folder = root / "shd" / "SHD"
    assert sorted(p.name for p in folder.iterdir()) == [
        "shd_test.h5",
        "shd_test.h5.zip",
        "shd_train.h5",
        "shd_train.h5.zip",
    ]
    assert (folder / "shd_train.h5.zip").stat().st_size == 0
    for split, n in (("train", 100), ("test", 40)):
        with h5py.File(folder / f"shd_{split}.h5", "r") as f:
            assert h5py.check_vlen_dtype(f["spikes/times"].dtype) == np.float16
            assert h5py.check_vlen_dtype(f["spikes/units"].dtype) == np.uint16
            assert f["labels"].dtype == np.uint16 and f["extra/speaker"].dtype == np.uint16
            assert f["labels"].shape == f["spikes/times"].shape == f["spikes/units"].shape == (n,)
            keys = f["extra/keys"][()]
            assert len(keys) == 20 and keys[0] == b"zero" and keys[10] == b"null"
            labels = f["labels"][:]
            assert labels.min() == 0 and labels.max() == 19
            assert np.bincount(labels, minlength=20).min() >= n // 20  # balanced
            lengths = [len(t) for t in f["spikes/times"][:]]
            assert min(lengths) >= 50 and max(lengths) <= 400
            t = np.concatenate(f["spikes/times"][:]).astype(np.float64)
            u = np.concatenate(f["spikes/units"][:])
            assert t.min() >= 0.0 and t.max() < 1.0 and u.max() <= 699
            assert all(np.all(np.diff(x.astype(np.float64)) >= 0) for x in f["spikes/times"][:10])  # time-sorted
            speakers = set(f["extra/speaker"][:].tolist())
            assert speakers <= set(range(12))
            if split == "train":
                assert not speakers & {4, 5}  # two speakers appear in the test split only


def test_byte_identical_for_a_seed_and_idempotent(root, tmp_path):
    other = tmp_path / "again"
    written = SHD.synthesize(other, seed=0, n_train=100, n_test=40)
    assert len(written) == 4
    for name in ("shd_train.h5", "shd_test.h5"):
        assert _sha(other / "shd" / "SHD" / name) == _sha(root / "shd" / "SHD" / name)
    assert SHD.version(other) == SHD.version(root)
    assert SHD.version(root).startswith("synthetic-sha256:") and len(SHD.version(root)) == len("synthetic-sha256:") + 16
    mtime = (other / "shd" / "SHD" / "shd_train.h5").stat().st_mtime_ns
    assert SHD.synthesize(other, seed=0, n_train=100, n_test=40) == []  # already there: nothing written
    assert (other / "shd" / "SHD" / "shd_train.h5").stat().st_mtime_ns == mtime
    SHD.synthesize(other, seed=1, n_train=100, n_test=40, force=True)
    assert SHD.version(other) != SHD.version(root)


def test_version_changes_when_one_byte_changes(root, tmp_path):
    copy = tmp_path / "copy"
    SHD.synthesize(copy, seed=0, n_train=100, n_test=40)
    before = SHD.version(copy)
    path = copy / "shd" / "SHD" / "shd_test.h5"
    with h5py.File(path, "r") as f:
        offset = f["labels"].id.get_offset()  # contiguous uint16 labels: a byte we may change safely
        label0 = int(f["labels"][0])
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(bytes([(label0 + 1) % 20]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert path.stat().st_size == st.st_size
    with h5py.File(path, "r") as f:
        assert int(f["labels"][0]) == (label0 + 1) % 20
    after = SHD.version(copy)
    assert after != before and after.startswith("synthetic-sha256:")


def test_truncated_file_names_the_file(root, tmp_path):
    bad = tmp_path / "bad"
    SHD.synthesize(bad, seed=0, n_train=100, n_test=40)
    path = bad / "shd" / "SHD" / "shd_train.h5"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"shd_train\.h5 is truncated or corrupt"):
        SHD.verify(bad)
    with pytest.raises(DataError, match=r"shd_train\.h5"):
        SHD.version(bad)
    with pytest.raises(DataError, match=r"shd_train\.h5"):
        SHD.arrays(bad, "train", {})
    path.write_bytes(b"GARBAGE!" * 10)
    with pytest.raises(DataError, match=r"shd_train\.h5 is not an HDF5 file \(size 80 bytes\)"):
        SHD.verify(bad)


def test_missing_file_message(tmp_path):
    with pytest.raises(DataError) as err:
        SHD.verify(tmp_path)
    msg = str(err.value)
    path = tmp_path / "shd" / "SHD" / "shd_train.h5"
    assert msg.startswith(f"dataset 'shd': missing {path}; run `neurorepro data synth shd` for the offline stand-in")
    assert "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/" in msg
    assert f"into {path.parent}" in msg and "md5 f3252aeb598ac776c1b526422d90eecb" in msg
    assert "\n" not in msg


def test_wrong_layout_names_the_missing_key(tmp_path):
    folder = tmp_path / "shd" / "SHD"
    folder.mkdir(parents=True)
    for split in ("train", "test"):
        with h5py.File(folder / f"shd_{split}.h5", "w") as f:
            f.create_dataset("spikes/times", data=np.zeros(3))
            f.create_dataset("labels", data=np.zeros(3, np.uint16))
    with pytest.raises(DataError, match=r"shd_train\.h5 lacks HDF5 key spikes/units"):
        SHD.verify(tmp_path)


def test_arrays_shapes_counts_and_params(root):
    x, y = SHD.arrays(root, "train", {})
    assert x.shape == (100, 250, 140) and x.dtype == np.float32 and y.dtype == np.int64
    with h5py.File(root / "shd" / "SHD" / "shd_train.h5", "r") as f:
        times = [t.astype(np.float64) for t in f["spikes/times"][:]]
        np.testing.assert_array_equal(y, f["labels"][:].astype(np.int64))
    np.testing.assert_array_equal(x.sum(axis=(1, 2)), [len(t) for t in times])  # clip keeps every event
    assert x[:, 0].sum() == 0  # digitize never fills bin 0 for t >= 0

    x2, y2 = SHD.arrays(
        root, "train", {"nb_steps": 20, "max_time": 0.5, "pool": 1, "max_samples": 7, "out_of_range": "drop"}
    )
    assert x2.shape == (7, 20, 700) and y2.shape == (7,)
    np.testing.assert_array_equal(x2.sum(axis=(1, 2)), [int((t < 0.5).sum()) for t in times[:7]])
    x3, _ = SHD.arrays(root, "train", {"nb_steps": 20, "max_time": 0.5, "max_samples": 7})
    np.testing.assert_array_equal(x3[:, :-1], x2.reshape(7, 20, 140, 5).sum(-1)[:, :-1])
    assert x3[:, -1].sum() == x2[:, -1].sum() + sum(int((t >= 0.5).sum()) for t in times[:7])  # clipped late events

    with pytest.raises(DataError, match="has splits train, test; got 'valid'"):
        SHD.arrays(root, "valid", {})
    with pytest.raises(DataError, match="bad params"):
        SHD.arrays(root, "train", {"nb_steps": 1})


def test_tonic_reads_the_same_events_without_downloading(root, tmp_path):
    ds = tonic_dataset(root, "train")
    events, target = ds[3]
    with h5py.File(root / "shd" / "SHD" / "shd_train.h5", "r") as f:
        t = f["spikes/times"][3].astype(np.float64) * 1e6
        u = f["spikes/units"][3]
        label = int(f["labels"][3])
    assert len(ds) == 100 and int(target) == label
    np.testing.assert_array_equal(events["t"], t.astype(int))
    np.testing.assert_array_equal(events["x"], u)

    nozip = tmp_path / "nozip"
    SHD.synthesize(nozip, seed=0, n_train=20, n_test=20)
    (nozip / "shd" / "SHD" / "shd_test.h5.zip").unlink()
    with pytest.raises(DataError, match=r"shd_test\.h5\.zip is missing, so tonic would try to download"):
        tonic_dataset(nozip, "test")
