"""Advisory claims: at most one live driver runs a given key of a store at a time.

Two drivers may run overlapping plans on the same store (two terminals, two cluster jobs). Before
a driver submits a spec it takes an exclusive, non-blocking lock on one byte of the store's claim
file ``<results>/runs/.claims.lock`` (the byte at an offset given by the key) and holds it until
the spec's record is written. Claims are store-wide because a key is the same result under any
plan. The locks are Linux open-file-description locks (``F_OFD_SETLK``): the kernel drops them
when their holder dies, however it dies (SIGKILL included), so a claim of a dead driver is never
stale and nothing needs cleaning up; and taking or giving one back is a single ``fcntl`` call with
no file created or removed (a per-key lock file cost ~4 ms of journal work per spec on ext4).

Where OFD locks are missing (not Linux) classic POSIX record locks are used: the same across
processes, but two drivers inside one process would not exclude each other. On a shared
filesystem the claim is as good as its byte-range locking (local disks and NFSv4 honour it
across hosts). The kernel does not say which process holds an OFD lock, so a driver that finds a
key taken reports "another driver".
"""

from __future__ import annotations

import fcntl
import logging
import os
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_SETLK = getattr(fcntl, "F_OFD_SETLK", fcntl.F_SETLK)
_FLOCK = "hhqqi4x"  # struct flock: l_type, l_whence, l_start, l_len, l_pid (+ padding)
_KEY_BITS = 60  # offsets below 2**63 (off_t); keys are 80-bit hex, 60 bits keep collisions negligible


def key_offset(key: str) -> int:
    """The byte of the claim file that stands for ``key`` (a hex content key, or any string)."""
    try:
        return int(key[: _KEY_BITS // 4], 16)
    except ValueError:
        import hashlib

        return int(hashlib.sha256(key.encode()).hexdigest()[: _KEY_BITS // 4], 16)


@dataclass
class Claims:
    """Claims on keys through the claim file ``path`` (a store's ``runs/.claims.lock``)."""

    path: Path
    held: set[str] = field(default_factory=set)
    _fd: int | None = None
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def _file(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._fd

    def _lock(self, key: str, kind: int) -> bool:
        arg = struct.pack(_FLOCK, kind, os.SEEK_SET, key_offset(key), 1, 0)
        try:
            fcntl.fcntl(self._file(), _SETLK, arg)
        except (BlockingIOError, PermissionError):  # EAGAIN / EACCES: held by someone else
            return False
        return True

    def acquire(self, key: str) -> bool:
        """Take the claim on ``key`` without waiting; ``False`` when another live driver holds it."""
        with self._mutex:
            if key in self.held:
                return True
            if not self._lock(key, fcntl.F_WRLCK):
                return False
            self.held.add(key)
            return True

    def release(self, key: str) -> None:
        """Give the claim on ``key`` back (safe from any thread; a no-op if not held)."""
        with self._mutex:
            if key in self.held:
                self._lock(key, fcntl.F_UNLCK)
                self.held.discard(key)

    def release_all(self) -> None:
        """Give back every claim and close the claim file."""
        with self._mutex:
            if self._fd is not None:
                os.close(self._fd)  # drops every lock of this open file description at once
            self._fd = None
            self.held.clear()

    def owner(self, key: str) -> str:
        """Who holds ``key``, for a message (the kernel does not name OFD lock holders)."""
        return "another driver"
