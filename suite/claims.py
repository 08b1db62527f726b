"""Published claims: loading the per-paper ``claims.yaml`` files and judging each against results.

A claim is one number a paper publishes (card section 5, "Claims registry"): which task, model,
emulator and scale produce it, the metric, the value (± std over ``n_seeds``), where it comes
from and whether the card marks it verified. Paper packages register their file in the plugin
table::

    PLUGIN = {"claims": {"P01": {"package": "implementations.silif", "file": "claims.yaml"}}}

(``{"path": "some/claims.yaml"}`` relative to the working directory works too). A file is::

    paper: P01
    title: SiLIF / C-SiLIF
    claims:
      - {id: P01-1, paper: P01, task: shd, model: csilif, scale: paper-h128, metric: accuracy,
         value: 0.9506, std: 0.0037, n_seeds: 5, value_as_published: "95.06 ± 0.37 %",
         config: "...", source: "repo README; verified as README text", verified: true}

Conventions: accuracies are fractions in [0, 1] everywhere (the records store them so; the
published text is kept in ``value_as_published``); times are seconds, energies joules, memory
bytes. A claim whose card gives no number has ``value: null`` and is shown, never compared.
``relation`` is ``"="`` (default), ``">="`` (a published lower bound, "> 10x") or ``"<="``
(an upper bound, "< 1 mW").

Verdicts (:data:`VERDICTS`), for the ``ok`` rows of the claim's (task, model, emulator):

* ``reproduced``: rows at the claim's scale and |mean - value| <= std_claim + tolerance
  (for ``>=``: mean >= value - std - tol; for ``<=``: mean <= value + std + tol);
* ``below`` / ``above``: rows at the claim's scale, outside that band, below or above it;
* ``qualitative``: rows at the claim's scale, but the claim has no number to compare with;
* ``smoke only``: no rows at the claim's scale, but rows at other scales (e.g. ``smoke``);
* ``not run``: no rows for the task/model/emulator, or none that measured the metric.

The tolerance for each metric is :data:`TOLERANCES` (see :func:`tolerance_for`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from suite.errors import NeuroReproError

if TYPE_CHECKING:  # pandas is imported only where rows are compared
    import pandas as pd

    from suite.registry import Registry


class ClaimsError(NeuroReproError):
    """A claims file that cannot be found, parsed or validated."""


VERDICTS = ("reproduced", "below", "above", "qualitative", "smoke only", "not run")
RELATIONS = ("=", ">=", "<=")
ID_PATTERN = re.compile(r"^(P\d{2})-\d+[a-z]?$")
REQUIRED_FIELDS = ("id", "paper", "task", "model", "metric", "value", "source", "verified")
OPTIONAL_FIELDS = {
    "emulator": "ideal",
    "scale": "paper",
    "std": None,
    "n_seeds": None,
    "relation": "=",
    "value_as_published": "",
    "config": "",
    "note": "",
}

#: Candidate table columns for a claim metric whose name is not itself a numeric column. The
#: store's table already has a ``params`` column (the spec's params as JSON), so the trainable
#: parameter count may arrive under another name.
METRIC_ALIASES: Mapping[str, tuple[str, ...]] = {
    "params": ("params", "n_params", "param_count", "parameter_count"),
}


@dataclass(frozen=True)
class Tolerance:
    """How far a reproduced mean may sit from a claim: ``abs`` in the metric's unit, or ``rel``
    as a fraction of |claimed value|."""

    kind: Literal["abs", "rel"]
    value: float

    def absolute(self, reference: float) -> float:
        return self.value if self.kind == "abs" else self.value * abs(reference)

    def __str__(self) -> str:
        return f"±{self.value:g}" if self.kind == "abs" else f"±{self.value * 100:g} %"


#: Tolerance per metric (exact names first, then suffix rules in :func:`tolerance_for`).
#: Accuracies are fractions, so 0.01 is one percentage point; counts (parameters, operations,
#: bytes, spikes) are deterministic given the configuration, so 1 % covers rounding in the card;
#: wall times, energies and ratios depend on the machine, hence 10 %.
TOLERANCES: Mapping[str, Tolerance] = {
    "accuracy": Tolerance("abs", 0.01),
    "val_accuracy": Tolerance("abs", 0.01),
    "params": Tolerance("rel", 0.01),
    "weight_params": Tolerance("rel", 0.01),
    "footprint_bytes": Tolerance("rel", 0.01),
    "state_bytes": Tolerance("rel", 0.01),
    "synops_dense": Tolerance("rel", 0.01),
    "synops_macs": Tolerance("rel", 0.01),
    "synops_acs": Tolerance("rel", 0.01),
    "synops_total": Tolerance("rel", 0.01),
    "spikes_per_sample": Tolerance("rel", 0.01),
    "val_loss": Tolerance("abs", 0.02),
    "perplexity": Tolerance("rel", 0.02),
    "grad_max_rel_error_vs_bptt": Tolerance("abs", 1e-5),
    "peak_memory_ratio_tmax_tmin": Tolerance("rel", 0.10),
}
#: (suffix, tolerance) applied in order when the exact name is not in TOLERANCES.
SUFFIX_TOLERANCES: Sequence[tuple[str, Tolerance]] = (
    ("accuracy", Tolerance("abs", 0.01)),
    ("_seconds", Tolerance("rel", 0.10)),
    ("_s", Tolerance("rel", 0.10)),
    ("_j", Tolerance("rel", 0.10)),
    ("_w", Tolerance("rel", 0.10)),
    ("_ratio", Tolerance("rel", 0.10)),
    ("_bytes", Tolerance("rel", 0.01)),
)
DEFAULT_TOLERANCE = Tolerance("rel", 0.05)


def tolerance_for(metric: str) -> Tolerance:
    """The documented tolerance of ``metric``: exact entry, else suffix rule, else 5 % relative."""
    if metric in TOLERANCES:
        return TOLERANCES[metric]
    for suffix, tol in SUFFIX_TOLERANCES:
        if metric.endswith(suffix):
            return tol
    return DEFAULT_TOLERANCE


@dataclass(frozen=True)
class Claim:
    """One published number (or qualitative statement) from a paper card's claims registry."""

    id: str
    paper: str
    task: str
    model: str
    metric: str
    value: float | None
    source: str
    verified: bool
    emulator: str = "ideal"
    scale: str = "paper"
    std: float | None = None
    n_seeds: int | None = None
    relation: str = "="
    value_as_published: str = ""
    config: str = ""
    note: str = ""
    origin: str = field(default="", compare=False)  # the file it was read from

    @property
    def numeric(self) -> bool:
        return self.value is not None

    def summary(self) -> str:
        """One line for listings: ``P01-1: shd/csilif accuracy = 0.9506 ± 0.0037 (source; verified)``."""
        if self.value is None:
            number = f"(no number: {self.value_as_published or 'qualitative'})"
        else:
            rel = {"=": "=", ">=": "≥", "<=": "≤"}[self.relation]
            std = f" ± {self.std:g}" if self.std is not None else ""
            number = f"{rel} {self.value:g}{std}"
        where = f"{self.task}/{self.model}" + (f"/{self.emulator}" if self.emulator != "ideal" else "")
        where += f" @{self.scale}" if self.scale != "paper" else ""
        mark = "verified" if self.verified else "unverified"
        return f"{self.id}: {where} {self.metric} {number} ({self.source}; {mark})"


def _fail(origin: str, cid: Any, msg: str) -> ClaimsError:
    where = f"{origin}: claim {cid!r}" if cid is not None else origin
    return ClaimsError(f"{where}: {msg}")


def _number(origin: str, cid: str, name: str, v: Any, *, allow_none: bool) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise _fail(origin, cid, f"'{name}' must be a finite number{' or null' if allow_none else ''}, got {v!r}")
    return float(v)


def parse_claim(raw: Any, origin: str, paper: str | None = None) -> Claim:
    """Validate one claim mapping read from ``origin``; errors name the file and the claim id."""
    if not isinstance(raw, Mapping):
        raise _fail(origin, None, f"every claim must be a mapping, got {type(raw).__name__}")
    cid = raw.get("id")
    if not isinstance(cid, str) or not ID_PATTERN.match(cid):
        raise _fail(origin, cid, "'id' must look like 'P01-3' (or 'P01-3a' for a split card row)")
    unknown = set(raw) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        raise _fail(origin, cid, f"unknown fields {sorted(unknown)}")
    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    if missing:
        raise _fail(origin, cid, f"missing fields {missing}")
    for name in ("paper", "task", "model", "metric", "source"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise _fail(origin, cid, f"'{name}' must be a non-empty string")
    if raw["paper"] != ID_PATTERN.match(cid).group(1):
        raise _fail(origin, cid, f"'paper' is {raw['paper']!r} but the id belongs to {cid.split('-')[0]!r}")
    if paper is not None and raw["paper"] != paper:
        raise _fail(origin, cid, f"'paper' is {raw['paper']!r} in a file for {paper!r}")
    if not isinstance(raw["verified"], bool):
        raise _fail(origin, cid, f"'verified' must be true or false, got {raw['verified']!r}")
    vals = {**OPTIONAL_FIELDS, **raw}
    value = _number(origin, cid, "value", vals["value"], allow_none=True)
    std = _number(origin, cid, "std", vals["std"], allow_none=True)
    if std is not None and std < 0:
        raise _fail(origin, cid, f"'std' must be >= 0, got {std}")
    if std is not None and value is None:
        raise _fail(origin, cid, "'std' given without a 'value'")
    n = vals["n_seeds"]
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise _fail(origin, cid, f"'n_seeds' must be a positive integer or null, got {n!r}")
    if vals["relation"] not in RELATIONS:
        raise _fail(origin, cid, f"'relation' must be one of {list(RELATIONS)}, got {vals['relation']!r}")
    for name in ("emulator", "scale"):
        if not isinstance(vals[name], str) or not vals[name].strip():
            raise _fail(origin, cid, f"'{name}' must be a non-empty string")
    for name in ("value_as_published", "config", "note"):
        if not isinstance(vals[name], str):
            raise _fail(origin, cid, f"'{name}' must be text, got {type(vals[name]).__name__}")
    return Claim(
        id=cid,
        paper=raw["paper"],
        task=raw["task"],
        model=raw["model"],
        metric=raw["metric"],
        value=value,
        source=raw["source"],
        verified=raw["verified"],
        emulator=vals["emulator"],
        scale=vals["scale"],
        std=std,
        n_seeds=n,
        relation=vals["relation"],
        value_as_published=vals["value_as_published"],
        config=vals["config"],
        note=vals["note"],
        origin=origin,
    )


def parse_claims(text: str, origin: str) -> list[Claim]:
    """Parse a claims file's text: ``{paper, title?, claims: [...]}`` or a bare list of claims."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ClaimsError(f"{origin}: not valid YAML: {exc}") from None
    paper = None
    if isinstance(doc, Mapping):
        unknown = set(doc) - {"paper", "title", "claims"}
        if unknown:
            raise ClaimsError(f"{origin}: unknown top-level fields {sorted(unknown)}")
        paper, doc = doc.get("paper"), doc.get("claims")
    if not isinstance(doc, list) or not doc:
        raise ClaimsError(f"{origin}: expected a non-empty list of claims (under 'claims:')")
    claims = [parse_claim(raw, origin, paper) for raw in doc]
    _check_unique(claims)
    return claims


def _check_unique(claims: Iterable[Claim]) -> None:
    seen: dict[str, Claim] = {}
    for c in claims:
        if c.id in seen:
            raise ClaimsError(f"claim {c.id!r} is defined twice: in {seen[c.id].origin} and in {c.origin}")
        seen[c.id] = c


def _read_entry(name: str, meta: Mapping[str, Any], source: str) -> tuple[str, str]:
    """The text and a readable origin of one registered claims file."""
    if "package" in meta:
        package, file = meta["package"], meta.get("file", "claims.yaml")
        origin = f"{package}/{file} (claims '{name}' from {source})"
        try:
            return resources.files(package).joinpath(file).read_text(encoding="utf-8"), origin
        except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError) as exc:
            raise ClaimsError(f"{origin}: cannot be read: {type(exc).__name__}: {exc}") from None
    if "path" in meta:
        path = Path(meta["path"])
        origin = f"{path} (claims '{name}' from {source})"
        try:
            return path.read_text(encoding="utf-8"), origin
        except OSError as exc:
            raise ClaimsError(f"{origin}: cannot be read: {exc.strerror or exc}") from None
    raise ClaimsError(f"claims '{name}' from {source} names neither 'package' + 'file' nor 'path'")


def load_claims(registry: Registry) -> list[Claim]:
    """Every claim of every registered claims file, sorted by paper and claim number."""
    claims: list[Claim] = []
    for entry in registry.entries("claims"):
        text, origin = _read_entry(entry.name, entry.meta, entry.source)
        claims.extend(parse_claims(text, origin))
    _check_unique(claims)
    return sorted(claims, key=claim_sort_key)


def claim_sort_key(c: Claim) -> tuple[str, int, str]:
    num = c.id.split("-", 1)[1]
    digits = num.rstrip("abcdefghijklmnopqrstuvwxyz")
    return c.paper, int(digits), num[len(digits) :]


# -- comparison ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """A claim set beside what the results table holds for it."""

    claim: Claim
    verdict: str
    mean: float = math.nan
    std: float = math.nan  # sample std over runs (ddof=1); NaN for one run
    n: int = 0  # ok runs with a finite value of the metric at the compared scale
    scale: str | None = None  # the scale the numbers come from
    other_scales: tuple[str, ...] = ()  # scales that have rows when the claim's scale has none
    tolerance: Tolerance | None = None

    @property
    def difference(self) -> float:
        return self.mean - self.claim.value if self.claim.value is not None and self.n else math.nan


def _as_tolerance(claim: Claim, tolerance: Tolerance | float | None) -> Tolerance:
    if tolerance is None:
        return tolerance_for(claim.metric)
    if isinstance(tolerance, Tolerance):
        return tolerance
    return Tolerance("abs", float(tolerance))


def verdict(
    claim: Claim,
    reproduced: pd.Series | Sequence[float] | None,
    tolerance: Tolerance | float | None = None,
    *,
    other_scales: Sequence[str] = (),
) -> str:
    """The verdict for ``claim`` given the reproduced values at the claim's scale.

    ``reproduced``: the metric over the ``ok`` runs at ``claim.scale`` (NaN ignored), or None.
    ``other_scales``: scales that have ok runs of the same task/model/emulator (for ``smoke only``).
    ``tolerance``: a :class:`Tolerance`, a float (absolute) or None (the metric's default,
    :func:`tolerance_for`). See the module docstring for the rules.
    """
    values = [float(v) for v in (reproduced if reproduced is not None else []) if v is not None]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return "smoke only" if other_scales else "not run"
    if claim.value is None:
        return "qualitative"
    mean = math.fsum(values) / len(values)
    band = (claim.std or 0.0) + _as_tolerance(claim, tolerance).absolute(claim.value)
    if claim.relation == ">=":
        return "reproduced" if mean >= claim.value - band else "below"
    if claim.relation == "<=":
        return "reproduced" if mean <= claim.value + band else "above"
    if abs(mean - claim.value) <= band:
        return "reproduced"
    return "below" if mean < claim.value else "above"


def metric_column(df: pd.DataFrame, metric: str) -> str | None:
    """The numeric column of ``df`` that holds ``metric`` (see :data:`METRIC_ALIASES`), or None."""
    from pandas.api.types import is_numeric_dtype

    for name in METRIC_ALIASES.get(metric, (metric,)):
        if name in df.columns and is_numeric_dtype(df[name]):
            return name
    return None


def compare(claim: Claim, df: pd.DataFrame, tolerance: Tolerance | float | None = None) -> Comparison:
    """Compare ``claim`` with the rows of the results table ``df`` (``Store.table()`` layout)."""
    tol = _as_tolerance(claim, tolerance)
    if df.empty:
        return Comparison(claim, "not run", tolerance=tol)
    rows = df[
        (df["task"] == claim.task)
        & (df["model"] == claim.model)
        & (df["emulator"] == claim.emulator)
        & (df["status"] == "ok")
    ]
    col = metric_column(rows, claim.metric)
    if col is None or rows.empty:
        return Comparison(claim, "not run", tolerance=tol)
    rows = rows[rows[col].notna()]
    at_scale = rows.loc[rows["scale"] == claim.scale, col].astype(float)
    others = tuple(sorted(str(s) for s in rows.loc[rows["scale"] != claim.scale, "scale"].unique()))
    v = verdict(claim, at_scale, tol, other_scales=others)
    n = int(at_scale.size)
    return Comparison(
        claim,
        v,
        mean=float(at_scale.mean()) if n else math.nan,
        std=float(at_scale.std(ddof=1)) if n > 1 else math.nan,
        n=n,
        scale=claim.scale if n else None,
        other_scales=others if not n else (),
        tolerance=tol,
    )


def compare_all(claims: Sequence[Claim], df: pd.DataFrame) -> list[Comparison]:
    """:func:`compare` for every claim, filtering the table once per (task, model, emulator)."""
    if df.empty or "status" not in df.columns:
        return [Comparison(c, "not run", tolerance=tolerance_for(c.metric)) for c in claims]
    ok = df[df["status"] == "ok"]
    groups = {k: g for k, g in ok.groupby(["task", "model", "emulator"], sort=False, dropna=False)}
    empty = ok.iloc[0:0]
    return [compare(c, groups.get((c.task, c.model, c.emulator), empty)) for c in claims]
