"""PeakMemory sees a 200 MB allocation with either method; Stopwatch and timed measure wall time."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from suite.metrics.memory import METHOD_VMHWM, PeakMemory
from suite.metrics.timing import Stopwatch, timed

MB = 1_000_000


def _vmhwm_available() -> bool:
    try:
        with PeakMemory(method="vmhwm"):
            pass
    except OSError:
        return False
    return True


def _methods() -> list[str]:
    return ["auto", "sampling"] + (["vmhwm"] if _vmhwm_available() else [])


@pytest.mark.parametrize("method", _methods())
def test_peak_sees_200mb_array(method: str) -> None:
    with PeakMemory(method=method) as empty:  # type: ignore[arg-type]
        pass
    with PeakMemory(method=method) as full:  # type: ignore[arg-type]
        a = np.ones(200 * MB, dtype=np.uint8)
        if method == "sampling":
            time.sleep(0.02)  # sampling sees only peaks that last a few intervals
        del a  # freed inside the block: only a true peak measurement still sees it
    assert full.increase_bytes - empty.increase_bytes >= 190 * MB
    assert full.peak_bytes >= full.baseline_bytes + 190 * MB
    if method == "sampling":
        assert full.method == "psutil RSS sampling 2ms"
    elif method == "vmhwm" or (method == "auto" and sys.platform == "linux" and _vmhwm_available()):
        assert full.method == METHOD_VMHWM


def test_nested_blocks_keep_the_outer_peak() -> None:
    if not _vmhwm_available():
        pytest.skip("VmHWM cannot be reset here")
    with PeakMemory(method="vmhwm") as outer:
        a = np.ones(200 * MB, dtype=np.uint8)
        del a
        with PeakMemory(method="vmhwm") as inner:  # its reset must not lose the outer peak
            pass
    assert inner.increase_bytes < 50 * MB
    assert outer.increase_bytes >= 190 * MB


def test_cuda_peak_is_none_without_cuda() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        pytest.skip("CUDA is initialised")
    with PeakMemory() as pm:
        pass
    assert pm.cuda_peak_bytes is None


def test_stopwatch_accumulates_laps_and_calls_sync() -> None:
    calls = []
    watch = Stopwatch(sync=lambda: calls.append(1))
    for _ in range(2):
        with watch:
            time.sleep(0.02)
    assert watch.laps == 2
    assert len(calls) == 4
    assert 0.04 <= watch.seconds < 0.5


def test_timed_returns_result_and_seconds() -> None:
    result, seconds = timed(lambda x: time.sleep(0.02) or x + 1, 41)
    assert result == 42
    assert 0.02 <= seconds < 0.5
