"""Names -> lazily imported objects.

A registry is a plain table: for each kind (tasks, models, protocols, emulators, plans, datasets,
claims, figures) a name maps to an :class:`Entry` whose ``target`` is a ``"module:attribute"``
string imported only when the object is needed (the AlgoPerf habit), so that listing names never
imports torch, jax or ray.

Entries come from declarative *plugin tables*: plain dicts found through the
``neurorepro.plugins`` entry-point group. The suite's own built-ins (the ``ideal`` emulator, the
built-in datasets) are one such table too, so built-in and third-party entries are the same kind
of thing. A table looks like::

    PLUGIN = {
        "models": {"lif": {"target": "pkg.models:build_lif", "framework": "torch",
                           "protocols": ["classification"], "description": "..."}},
        "tasks": {"shd": {"protocol": "classification", "dataset": "shd",
                          "scales": {"smoke": {...}, "paper": {...}}}},
        "plans": {"p01-silif-paper": {"path": "plans/p01-silif-paper.yaml"}},
        "claims": {"p01": {"path": "implementations/silif/claims.yaml"}},
    }

Tasks are declarative (no target); every other kind names a target or a path.
"""

from __future__ import annotations

import difflib
import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from suite.errors import PluginError, UnknownNameError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "neurorepro.plugins"
KINDS = ("tasks", "models", "protocols", "emulators", "plans", "datasets", "claims", "figures")
SINGULAR = {kind: kind[:-1] for kind in KINDS}


@dataclass(frozen=True)
class Entry:
    """One registered name. ``meta`` keeps every other key of the table row."""

    kind: str
    name: str
    target: str | None = None
    source: str = "builtin"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        """Import ``target`` (``module:attribute``) and return the attribute."""
        if not self.target:
            raise PluginError(f"{SINGULAR[self.kind]} '{self.name}' has no import target")
        module_name, _, attr = self.target.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split(".") if attr else []:
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise PluginError(
                f"{SINGULAR[self.kind]} '{self.name}' (from {self.source}) fails to load "
                f"'{self.target}': {type(exc).__name__}: {exc}"
            ) from exc
        return obj


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Registry:
    """A table of entries per kind, filled from plugin tables."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        self.load_errors: list[str] = []

    # -- filling -----------------------------------------------------------------------------
    def add_table(self, table: Mapping[str, Any], source: str) -> None:
        """Add every row of one plugin table; a malformed table raises :class:`PluginError`."""
        if not isinstance(table, Mapping):
            raise PluginError(f"plugin '{source}' is not a table (dict), got {type(table).__name__}")
        for kind, rows in table.items():
            if kind not in KINDS:
                raise PluginError(f"plugin '{source}' has unknown section '{kind}'; known: {', '.join(KINDS)}")
            for name, row in rows.items():
                row = dict(row) if isinstance(row, Mapping) else {"target": row}
                target = row.pop("target", None)
                self.add(Entry(kind=kind, name=str(name), target=target, source=source, meta=row))

    def add(self, entry: Entry) -> None:
        existing = self._entries[entry.kind].get(entry.name)
        if existing is not None and existing.source != entry.source:
            raise PluginError(
                f"{SINGULAR[entry.kind]} '{entry.name}' is registered twice: by {existing.source} and by {entry.source}"
            )
        self._entries[entry.kind][entry.name] = entry

    # -- reading -----------------------------------------------------------------------------
    def names(self, kind: str) -> list[str]:
        return sorted(self._entries[kind])

    def entries(self, kind: str) -> list[Entry]:
        return [self._entries[kind][n] for n in self.names(kind)]

    def has(self, kind: str, name: str) -> bool:
        return name in self._entries[kind]

    def get(self, kind: str, name: str) -> Entry:
        """The entry for ``name``; an unknown name raises with a did-you-mean message."""
        try:
            return self._entries[kind][name]
        except KeyError:
            known = self.names(kind)
            raise UnknownNameError(
                f"unknown {SINGULAR[kind]} '{name}'{did_you_mean(name, known)} known: {', '.join(known) or '(none)'}"
            ) from None

    def load(self, kind: str, name: str) -> Any:
        return self.get(kind, name).load()


def _builtin_table() -> Mapping[str, Any]:
    from suite.builtin import PLUGIN

    return PLUGIN


def _repo_plans(root: Path) -> dict[str, dict[str, str]]:
    """Plans in ``<root>/plans/*.yaml`` are registered under their file stem."""
    plans_dir = root / "plans"
    if not plans_dir.is_dir():
        return {}
    return {p.stem: {"path": str(p)} for p in sorted(plans_dir.glob("*.yaml"))}


def build_registry(
    root: Path | None = None, *, plugins: Iterable[str] | None = None, entry_points: bool = True
) -> Registry:
    """Build the registry: built-ins, installed ``neurorepro.plugins`` entry points, repo plans.

    ``plugins`` limits the entry points loaded to those names (None: all installed). A plugin that
    fails to import is recorded in ``load_errors`` and reported; it does not hide the others.
    """
    reg = Registry()
    reg.add_table(_builtin_table(), "neurorepro (builtin)")
    if entry_points:
        wanted = set(plugins) if plugins is not None else None
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if wanted is not None and ep.name not in wanted:
                continue
            try:
                table = ep.load()
                reg.add_table(table, f"plugin '{ep.name}'")
            except PluginError as exc:
                reg.load_errors.append(str(exc))
            except Exception as exc:  # a third-party import can raise anything; report, go on
                reg.load_errors.append(f"plugin '{ep.name}' ({ep.value}) fails to import: {type(exc).__name__}: {exc}")
    root = Path.cwd() if root is None else root
    for name, row in _repo_plans(root).items():
        if not reg.has("plans", name):
            reg.add(Entry(kind="plans", name=name, source=f"{root / 'plans'}", meta=row))
    for msg in reg.load_errors:
        log.warning(msg)
    return reg
