"""The results store: one JSON record per spec, and a consolidated parquet table.

Layout (the contract): ``<results>/runs/<plan>/<key>.json`` plus, for a failed spec,
``<key>.traceback.txt``; ``<results>/results.parquet`` is rebuilt from the records.

Records are written only by the driver, atomically: temp file in the same directory, fsync,
rename. A file that does not parse as a record (corrupt, truncated, foreign) is reported and
never trusted; before a new record takes its place the old file is moved aside to
``<key>.json.corrupt-<n>`` with a warning, so nothing is overwritten silently. Records are JSON
only: nothing in the store is ever unpickled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite.errors import StoreError

log = logging.getLogger(__name__)

SCHEMA = "neurorepro.record/1"
STATUSES = ("ok", "failed", "diverged", "timeout", "skipped")
REQUIRED = ("schema", "key", "plan", "spec", "status", "metrics", "env", "seed", "attempt")
# Columns of the consolidated table besides one column per metric.
SPEC_COLUMNS = ("task", "model", "emulator", "scale", "seed")
BASE_COLUMNS = (
    "key", "plan", *SPEC_COLUMNS, "spec_params", "status", "error", "protocol", "framework",
    "primary_metric",
    "code_version", "git_sha", "machine", "gpu", "started_at", "finished_at", "wall_seconds",
    "attempt", "reasons", "artifacts",
)  # fmt: skip


@dataclass
class StoreProblem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def validate_record(rec: Any) -> str | None:
    """Why ``rec`` is not a valid record, or ``None`` when it is."""
    if not isinstance(rec, dict):
        return "not a JSON object"
    if rec.get("schema") != SCHEMA:
        return f"schema is {rec.get('schema')!r}, expected {SCHEMA!r}"
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        return f"missing fields {missing}"
    if rec["status"] not in STATUSES:
        return f"unknown status {rec['status']!r}"
    if not isinstance(rec["metrics"], dict) or not isinstance(rec["spec"], dict):
        return "metrics/spec are not objects"
    return None


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy / torch scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _encode(rec: Mapping[str, Any]) -> str:
    """Compact JSON (the C encoder); NaN, not JSON, becomes null: its reason is in the record."""
    try:
        return json.dumps(rec, sort_keys=True, default=_json_default, allow_nan=False)
    except ValueError:
        pass

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(rec), sort_keys=True, default=_json_default, allow_nan=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the whole new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass
class Store:
    """A results directory. ``Store(root).plan(name)`` scopes reads and writes to one plan."""

    root: Path
    problems: list[StoreProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def plan_dir(self, plan: str) -> Path:
        return self.runs / plan

    def record_path(self, plan: str, key: str) -> Path:
        return self.plan_dir(plan) / f"{key}.json"

    @property
    def claims_file(self) -> Path:
        """Where drivers claim keys (:mod:`suite.lock`): store-wide, as a key is store-wide."""
        return self.runs / ".claims.lock"

    def plan_dirs(self) -> list[Path]:
        """Every plan directory (dot-directories such as ``.claims`` are not plans)."""
        if not self.runs.is_dir():
            return []
        return sorted(d for d in self.runs.iterdir() if d.is_dir() and not d.name.startswith("."))

    def has_ok(self, plan: str, key: str) -> bool:
        """Whether ``key`` has an ``ok`` record now, in ``plan`` or another plan (one stat per plan)."""
        dirs = [self.plan_dir(plan), *(d for d in self.plan_dirs() if d.name != plan)]
        for d in dirs:
            path = d / f"{key}.json"
            if path.exists():
                rec = self.read(path)
                if rec is not None and rec["status"] == "ok":
                    return True
        return False

    def check_writable(self, plan: str) -> None:
        """Fail early, before any benchmark runs, when the store cannot be written."""
        d = self.plan_dir(plan)
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=d)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            raise StoreError(f"results store {d} is not writable: {exc.strerror or exc}") from None

    # -- reading -----------------------------------------------------------------------------
    def read(self, path: Path) -> dict[str, Any] | None:
        """The record at ``path``, or ``None`` (with a problem noted) if it is not a valid one."""
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._problem(path, f"unreadable record ({type(exc).__name__}: {exc})")
            return None
        why = validate_record(rec)
        if why is None and rec["key"] != path.stem:
            why = f"record key {rec['key']!r} does not match its file name"
        if why:
            self._problem(path, f"not a valid record: {why}")
            return None
        return rec

    def get(self, plan: str, key: str) -> dict[str, Any] | None:
        return self.read(self.record_path(plan, key))

    def done_keys(self, plan: str, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` that already have an ``ok`` record, in this plan or another.

        A key is a content hash of what is computed, so an ``ok`` record of the same key under
        another plan is the same result: it is reused, not recomputed.
        """
        keys = list(keys)
        index = self.key_index()
        done = set()
        for key in keys:
            for p in sorted(index.get(key, ()), key=lambda p: p.parent.name != plan):
                rec = self.read(p)
                if rec is not None and rec["status"] == "ok":
                    done.add(key)
                    break
        return done

    def key_index(self) -> dict[str, list[Path]]:
        """key -> record files, from directory listings only (no file is read)."""
        index: dict[str, list[Path]] = {}
        for d in self.plan_dirs():
            if d.is_dir():
                for entry in os.scandir(d):
                    if entry.name.endswith(".json") and not entry.name.startswith("."):
                        index.setdefault(entry.name[:-5], []).append(Path(entry.path))
        return index

    def find(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The newest valid record of each key found anywhere in the store."""
        index = self.key_index()
        out = []
        for key in keys:
            recs = [r for r in (self.read(p) for p in index.get(key, ())) if r is not None]
            if recs:
                out.append(max(recs, key=lambda r: (r["status"] == "ok", r.get("finished_at") or "")))
        return out

    def iter_records(self, plans: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Stream every valid record (of the given plans), one at a time."""
        dirs = [self.plan_dir(p) for p in plans] if plans is not None else self.plan_dirs()
        for d in dirs:
            if not d.is_dir():
                continue
            for path in sorted(d.glob("*.json")):
                rec = self.read(path)
                if rec is not None:
                    yield rec

    # -- writing -----------------------------------------------------------------------------
    def write(self, rec: Mapping[str, Any], traceback_text: str | None = None) -> Path:
        """Validate and atomically write one record (the driver's job, never a worker's)."""
        rec = dict(rec)
        rec.setdefault("schema", SCHEMA)
        why = validate_record(rec)
        if why:
            raise StoreError(f"refusing to write an invalid record for {rec.get('key')}: {why}")
        path = self.record_path(rec["plan"], rec["key"])
        if path.exists() and self.read(path) is None:
            self._set_aside(path)
        if traceback_text:
            tb = path.with_suffix(".traceback.txt")
            atomic_write_text(tb, traceback_text)
            rec["traceback_file"] = tb.name
        atomic_write_text(path, _encode(rec))
        return path

    def _set_aside(self, path: Path) -> None:
        n = 0
        while (aside := path.with_name(f"{path.name}.corrupt-{n}")).exists():
            n += 1
        os.replace(path, aside)
        log.warning("%s was not a valid record; moved it to %s before writing the new one", path, aside.name)

    def _problem(self, path: Path, reason: str) -> None:
        problem = StoreProblem(path, reason)
        if all(p.path != path for p in self.problems):
            self.problems.append(problem)
            log.warning("%s", problem)

    # -- the table ---------------------------------------------------------------------------
    def table(self, plans: Iterable[str] | None = None):
        """All valid records as a pandas DataFrame: one row per record, one column per metric."""
        import pandas as pd

        rows = [flatten(rec) for rec in self.iter_records(plans)]
        df = pd.DataFrame(rows)
        if df.empty:
            return pd.DataFrame(columns=list(BASE_COLUMNS))
        # the same key under two plans is one result: keep its newest record, never count it twice
        df = df.sort_values(["key", "finished_at"], na_position="first", kind="stable")
        return df.drop_duplicates("key", keep="last").reset_index(drop=True)

    def consolidate(self, plans: Iterable[str] | None = None):
        """Rebuild ``results.parquet`` from the records (idempotent) and return the table."""
        df = self.table(plans)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".results.", suffix=".parquet", dir=self.root)
        os.close(fd)
        try:
            df.to_parquet(tmp, index=False)
            os.replace(tmp, self.root / "results.parquet")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return df


def flatten(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One table row for a record: spec fields, status, provenance, then the metrics."""
    spec = rec["spec"]
    env = rec.get("env") or {}
    row: dict[str, Any] = {
        "key": rec["key"],
        "plan": rec["plan"],
        **{c: spec.get(c) for c in SPEC_COLUMNS},
        "spec_params": json.dumps(spec.get("params") or {}, sort_keys=True),
        "status": rec["status"],
        "error": rec.get("error"),
        "protocol": rec.get("protocol"),
        "framework": rec.get("framework"),
        "primary_metric": rec.get("primary_metric"),
        "code_version": rec.get("code_version"),
        "git_sha": env.get("git_sha"),
        "machine": env.get("cpu"),
        "gpu": env.get("gpu"),
        "started_at": rec.get("started_at"),
        "finished_at": rec.get("finished_at"),
        "wall_seconds": rec.get("wall_seconds"),
        "attempt": rec.get("attempt"),
        "reasons": json.dumps(rec.get("reasons") or {}, sort_keys=True),
        "artifacts": json.dumps(rec.get("artifacts") or {}, sort_keys=True),
    }
    for name, value in (rec.get("metrics") or {}).items():
        if name in row:
            raise StoreError(f"record {rec['key']}: metric name '{name}' clashes with a table column")
        row[name] = float("nan") if value is None else value
    return row


def load(results: str | Path = "results", plans: Iterable[str] | None = None):
    """Read the store at ``results`` into a DataFrame and (re)write ``results.parquet``."""
    return Store(Path(results)).consolidate(plans)
