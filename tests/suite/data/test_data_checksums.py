"""The per-file sha256 cache keyed by (path, size, mtime_ns)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from suite.data import dataset
from suite.data.dataset import CACHE_NAME, ChecksumCache, files_version


def test_cache_hit_skips_hashing_and_change_rehashes(tmp_path, monkeypatch):
    f = tmp_path / "a.bin"
    f.write_bytes(b"hello")
    cache = ChecksumCache(tmp_path / CACHE_NAME)
    assert cache.sha256(f) == hashlib.sha256(b"hello").hexdigest()
    row = json.loads((tmp_path / CACHE_NAME).read_text())[str(f.resolve())]
    assert row["size"] == 5 and row["mtime_ns"] == f.stat().st_mtime_ns

    def boom(path):
        raise AssertionError("rehashed")

    monkeypatch.setattr(dataset, "sha256_file", boom)
    assert cache.sha256(f) == hashlib.sha256(b"hello").hexdigest()  # served from the cache
    f.write_bytes(b"hellO")
    os.utime(f, ns=(row["mtime_ns"] + 10**9, row["mtime_ns"] + 10**9))
    with pytest.raises(AssertionError, match="rehashed"):
        cache.sha256(f)


def test_corrupt_cache_is_ignored_and_version_format(tmp_path):
    (tmp_path / CACHE_NAME).write_text("{not json")
    (tmp_path / "b.h5").write_bytes(b"x")
    (tmp_path / "a.h5").write_bytes(b"y")
    v = files_version(tmp_path, [tmp_path / "b.h5", tmp_path / "a.h5"])
    lines = f"a.h5:{hashlib.sha256(b'y').hexdigest()}\nb.h5:{hashlib.sha256(b'x').hexdigest()}"
    assert v == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()[:16]
    assert files_version(tmp_path, [tmp_path / "a.h5", tmp_path / "b.h5"]) == v  # order-free
    assert files_version(tmp_path, [tmp_path / "a.h5"], prefix="synthetic-sha256").startswith("synthetic-sha256:")
