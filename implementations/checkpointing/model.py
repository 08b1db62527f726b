"""Model factories of the P05 package: a checkpointing strategy and its intervals (card P05 §6 smoke)."""

from __future__ import annotations

from dataclasses import dataclass, field

from implementations.checkpointing.strategies import STRATEGIES


@dataclass(frozen=True)
class Strategy:
    """A BPTT schedule: ``name`` in :data:`STRATEGIES` and its interval keywords."""

    name: str
    intervals: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.name!r}")
        if any(int(v) < 1 for v in self.intervals.values()):
            raise ValueError(f"intervals must be >= 1: {self.intervals}")


def build_none() -> Strategy:
    """Plain BPTT: every step kept."""
    return Strategy("none")


def build_local(interval: int = 16) -> Strategy:
    """Local checkpoints every ``interval`` steps (card smoke C = 16)."""
    return Strategy("local", {"interval": int(interval)})


def build_remote(interval: int = 16) -> Strategy:
    """Remote checkpoints every ``interval`` steps (card smoke C = 16)."""
    return Strategy("remote", {"interval": int(interval)})


def build_double(remote_interval: int = 64, local_interval: int = 8) -> Strategy:
    """Double checkpointing, remote every C1, local every C2 (card smoke C1 = 64, C2 = 8)."""
    return Strategy("double", {"remote_interval": int(remote_interval), "local_interval": int(local_interval)})


def build_recursive(leaf: int = 8) -> Strategy:
    """Recursive halving down to segments of ``leaf`` steps (suite choice: 8)."""
    return Strategy("recursive", {"leaf": int(leaf)})
