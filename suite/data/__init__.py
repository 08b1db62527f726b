"""Dataset registry access: real loaders, synthetic stand-ins, checksums.

Datasets are registered in plugin tables under ``"datasets"`` (the built-ins in
:mod:`suite.builtin`), each naming a module-level :class:`Dataset` instance. Importing this package
imports neither torch, jax, ray nor tonic (tonic, GPL-3.0-only, is imported only inside
:func:`suite.data.shd.tonic_dataset`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from suite.data.dataset import Dataset
from suite.errors import PluginError

if TYPE_CHECKING:
    from suite.registry import Registry

__all__ = ["Dataset", "data_versions", "get_dataset"]

_REQUIRED = ("name", "n_classes", "splits", "version", "verify", "synthesize", "arrays")


def get_dataset(registry: Registry, name: str) -> Dataset:
    """The registered dataset ``name``; unknown names raise with a did-you-mean message."""
    obj = registry.load("datasets", name)
    missing = [a for a in _REQUIRED if not hasattr(obj, a)]
    if missing:
        entry = registry.get("datasets", name)
        raise PluginError(
            f"dataset '{name}' (from {entry.source}) target '{entry.target}' is not a Dataset: "
            f"lacks {', '.join(missing)}"
        )
    return obj


def data_versions(registry: Registry, dataset_name: str | None, root: Path) -> dict[str, str]:
    """``{dataset_name: version}`` for a benchmark's dataset (``{}`` for none); DataError if absent."""
    if dataset_name is None:
        return {}
    return {dataset_name: get_dataset(registry, dataset_name).version(Path(root))}
