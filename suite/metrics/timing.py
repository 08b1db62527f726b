"""Wall-clock timing (metrics ``train_seconds``, ``eval_seconds``) with ``time.perf_counter``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Stopwatch:
    """Wall seconds summed over every ``with`` block it times.

    ``sync`` (e.g. ``torch.cuda.synchronize``) is called at both ends of a block so that
    queued device work is inside the interval.
    """

    def __init__(self, sync: Callable[[], Any] | None = None) -> None:
        self.sync = sync
        self.seconds = 0.0
        self.laps = 0
        self._start: float | None = None

    def __enter__(self) -> Stopwatch:
        if self.sync is not None:
            self.sync()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.sync is not None:
            self.sync()
        assert self._start is not None
        self.seconds += time.perf_counter() - self._start
        self.laps += 1
        self._start = None


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """``(fn(*args, **kwargs), wall seconds it took)``."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start
