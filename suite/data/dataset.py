"""The dataset interface and the file-checksum cache every dataset version is built from.

A :class:`Dataset` knows where its files live under a data root (``<root>/<dir_name>``), how to
check them, how to name their exact content (:meth:`Dataset.version`, stored in every result
record and in the benchmark key), how to write an offline stand-in in the real on-disk format
(:meth:`Dataset.synthesize`) and how to turn a split into dense arrays (:meth:`Dataset.arrays`).

Hashing a multi-gigabyte file on every run would dominate a smoke run, so file digests are cached
in a small JSON file (:data:`CACHE_NAME` at the data root) keyed by (path, size, mtime_ns): a file
whose size or modification time changes is hashed again. A change that keeps both (a byte edited
in place with the mtime restored by hand) is not detected: delete the cache file to force a rehash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.errors import DataError

log = logging.getLogger(__name__)

CACHE_NAME = ".neurorepro-checksums.json"
_CHUNK = 1 << 20


class Dataset(ABC):
    """A named dataset: files under ``<root>/<dir_name>``, splits, and arrays for training.

    Subclasses set ``name``, ``n_classes``, ``splits``, ``param_names`` (and ``dir_name`` if the
    folder is not called ``name``) and implement :meth:`verify`, :meth:`version` and :meth:`arrays`.
    """

    name: str
    n_classes: int
    splits: tuple[str, ...]
    dir_name: str = ""
    param_names: frozenset[str] = frozenset()  # the keys ``arrays`` reads from ``params``

    def directory(self, root: Path) -> Path:
        """The folder of this dataset under a data root."""
        return Path(root) / (self.dir_name or self.name)

    @abstractmethod
    def verify(self, root: Path) -> None:
        """Raise :class:`DataError` if the files are missing, truncated, corrupt or mis-laid-out."""

    @abstractmethod
    def version(self, root: Path) -> str:
        """A checksum string naming the exact content used; raises :class:`DataError` like ``verify``."""

    def synthesize(self, root: Path, *, seed: int = 0, **kw: Any) -> list[Path]:
        """Write the offline stand-in in the real on-disk format; return the files written."""
        raise DataError(
            f"dataset '{self.name}' has no offline generator; obtain the real files into {self.directory(root)}"
        )

    def needs_synthesis(self, root: Path, *, force: bool, options: Mapping[str, Any]) -> bool:
        """For a ``synthesize`` implementation: reject unknown ``options``; ``False`` when the files
        already verify (real or synthetic) and ``force`` is not set, so synthesis is idempotent."""
        if options:
            raise DataError(f"dataset '{self.name}': unknown synthesize option(s) {', '.join(sorted(options))}")
        if force:
            return True
        try:
            self.verify(root)
        except DataError:
            return True
        return False

    @abstractmethod
    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``X`` float32 ``[N, T, C]`` (binned spike counts) and ``y`` int64 ``[N]`` for one split."""

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise DataError(f"dataset '{self.name}' has splits {', '.join(self.splits)}; got '{split}'")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


# -- checksums --------------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ChecksumCache:
    """sha256 per file, cached in a JSON file keyed by (resolved path, size, mtime_ns).

    The cache is advisory: an unreadable cache is ignored, and one that cannot be written (a
    read-only shared data root) only costs a rehash next time. Writes are atomic (temp + rename),
    so concurrent workers at worst drop each other's new entries.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: Mapping[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.debug("checksum cache %s not written: %s", self.path, exc)

    def sha256(self, path: Path) -> str:
        """The file's sha256, from the cache when its size and mtime_ns are unchanged."""
        path = Path(path)
        st = path.stat()
        key = str(path.resolve())
        data = self._load()
        row = data.get(key)
        if isinstance(row, dict) and row.get("size") == st.st_size and row.get("mtime_ns") == st.st_mtime_ns:
            return str(row["sha256"])
        digest = sha256_file(path)
        data[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
        self._save(data)
        return digest


def files_version(root: Path, files: Iterable[Path], *, prefix: str = "sha256") -> str:
    """``"<prefix>:<16 hex>"``: the sha256 of ``name:sha256`` lines of the files, sorted by name.

    Per-file digests come from the :class:`ChecksumCache` at ``<root>/.neurorepro-checksums.json``.
    """
    cache = ChecksumCache(Path(root) / CACHE_NAME)
    lines = sorted(f"{Path(f).name}:{cache.sha256(Path(f))}" for f in files)
    return f"{prefix}:{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
