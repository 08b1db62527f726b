"""Measured peak memory of the current process during a block (metric ``peak_memory_bytes``).

No NeuroBench equivalent: NeuroBench reports the static Footprint only.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Literal

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"
_KIB = 1024
_ACTIVE: list[PeakMemory] = []  # open VmHWM blocks, outermost first, so nesting stays correct

METHOD_VMHWM = "linux VmHWM reset"


def _status_bytes(field: str) -> int:
    with open(_STATUS) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * _KIB
    raise OSError(f"{field} not in {_STATUS}")


def _rss_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class PeakMemory:
    """Peak resident set size (bytes) of this process between ``__enter__`` and ``__exit__``.

    ``method="auto"`` first resets the kernel's high-water mark (write "5" to
    ``/proc/self/clear_refs``, Linux >= 4.0) and reads ``VmHWM`` from ``/proc/self/status`` at
    exit: exact, no overhead. Where that is not possible it samples RSS with psutil from a thread
    every ``interval_s`` (then a peak shorter than the interval can be missed). ``"vmhwm"`` or
    ``"sampling"`` force one method. After the block:

    * ``method``: ``"linux VmHWM reset"`` or ``"psutil RSS sampling 2ms"`` (the interval used);
    * ``peak_bytes``: peak RSS during the block; ``baseline_bytes``: RSS at entry;
      ``increase_bytes``: ``peak_bytes - baseline_bytes``;
    * ``cuda_peak_bytes``: ``torch.cuda.max_memory_allocated()`` since entry if torch is already
      imported and CUDA initialised at entry (the statistics are reset there), else ``None``.

    RSS is process-wide, so other threads' allocations count. Nested blocks are handled (an
    inner reset hands the peak so far to the outer blocks); concurrent blocks in several
    threads are not.
    """

    def __init__(self, *, method: Literal["auto", "vmhwm", "sampling"] = "auto", interval_s: float = 0.002) -> None:
        if method not in ("auto", "vmhwm", "sampling"):
            raise ValueError(f"method must be 'auto', 'vmhwm' or 'sampling', got {method!r}")
        self._requested = method
        self.interval_s = interval_s
        self.method = ""
        self.peak_bytes = 0
        self.baseline_bytes = 0
        self.cuda_peak_bytes: int | None = None
        self._carried = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cuda = None

    @property
    def increase_bytes(self) -> int:
        return self.peak_bytes - self.baseline_bytes

    def __enter__(self) -> PeakMemory:
        self.baseline_bytes = _rss_bytes()
        self._carried = 0
        if self._requested in ("auto", "vmhwm") and self._reset_hwm():
            self.method = METHOD_VMHWM
            _ACTIVE.append(self)
        elif self._requested == "vmhwm":
            raise OSError(f"cannot reset the peak RSS via {_CLEAR_REFS} on this system")
        else:
            self.method = f"psutil RSS sampling {self.interval_s * 1000:g}ms"
            self._start_sampling()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            self._cuda = torch.cuda
            torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.method == METHOD_VMHWM:
            self.peak_bytes = max(_status_bytes("VmHWM"), self._carried)
            _ACTIVE.remove(self)
        else:
            self._stop.set()
            assert self._thread is not None
            self._thread.join()
            self.peak_bytes = max(self.peak_bytes, _rss_bytes())
        if self._cuda is not None:
            self.cuda_peak_bytes = int(self._cuda.max_memory_allocated())

    def _reset_hwm(self) -> bool:
        """Reset VmHWM to the current RSS; False where the kernel or permissions do not allow it."""
        try:
            before = _status_bytes("VmHWM")
            for outer in _ACTIVE:
                outer._carried = max(outer._carried, before)
            with open(_CLEAR_REFS, "w") as f:
                f.write("5")
            hwm, rss = _status_bytes("VmHWM"), _status_bytes("VmRSS")
        except OSError:
            return False
        # A kernel that ignores "5" leaves the old high-water mark in place.
        return hwm <= rss + 4 * _KIB * _KIB or hwm < before

    def _start_sampling(self) -> None:
        import psutil

        process = psutil.Process(os.getpid())
        self.peak_bytes = process.memory_info().rss
        self._stop.clear()

        def sample() -> None:
            while not self._stop.wait(self.interval_s):
                self.peak_bytes = max(self.peak_bytes, process.memory_info().rss)

        self._thread = threading.Thread(target=sample, name="PeakMemory-sampler", daemon=True)
        self._thread.start()
