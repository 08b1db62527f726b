"""Errors a user can cause. The CLI prints each as one line and exits non-zero."""

from __future__ import annotations


class NeuroReproError(Exception):
    """Base class for errors caused by user input (plans, data, names, CLI options)."""


class UnknownNameError(NeuroReproError, KeyError):
    """A task, model, protocol, emulator, plan or dataset name that nothing registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PlanError(NeuroReproError):
    """A plan file that cannot be read, parsed or validated."""


class DataError(NeuroReproError):
    """A dataset that is missing, truncated, corrupt or in the wrong layout."""


class StoreError(NeuroReproError):
    """A results store that cannot be written or holds something it should not."""


class PluginError(NeuroReproError):
    """A plugin entry point or registered target that fails to load."""


class Diverged(Exception):
    """Raised by a protocol when training diverges (non-finite or exploding loss).

    The runner records the spec with status ``diverged`` and this message as the reason.
    """
