"""BenchmarkSpec, content keys, and YAML plans: expansion and validation.

A plan is YAML::

    name: smoke
    description: every paper at smoke scale on offline data
    defaults: {scale: smoke, emulator: ideal, seeds: [0]}
    benchmarks:
      - {task: shd, model: [lif, adlif], seeds: [0, 1]}

Lists in ``task``, ``model``, ``emulator`` and ``scale`` expand as a cartesian product with the
seeds. Validation names the plan file and the field of every problem, and never drops a
benchmark silently.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from suite.errors import PlanError, UnknownNameError
from suite.registry import Registry, did_you_mean

KEY_LENGTH = 20  # hex digits of sha256 kept in a key: 80 bits, ample for any store

PLAN_KEYS = {"name", "description", "defaults", "benchmarks"}
BENCH_KEYS = {"task", "model", "emulator", "scale", "seed", "seeds", "params", "resources", "timeout"}
RESOURCE_KEYS = {"cpus", "gpus", "memory_gb", "custom"}
MAX_CPUS, MAX_GPUS, MAX_MEMORY_GB = 1024, 64, 16384


@dataclass(frozen=True)
class Resources:
    """What one spec needs from a node: Ray's ``num_cpus``, ``num_gpus``, ``memory`` and custom."""

    cpus: float = 1.0
    gpus: float = 0.0
    memory_gb: float = 2.0
    custom: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"cpus": self.cpus, "gpus": self.gpus, "memory_gb": self.memory_gb, "custom": dict(self.custom)}


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the byte string a content key hashes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


@dataclass(frozen=True)
class BenchmarkSpec:
    """One benchmark to run: ``(task, model, emulator, scale, seed, params, resources)``."""

    task: str
    model: str
    emulator: str = "ideal"
    scale: str = "smoke"
    seed: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    timeout: float | None = None

    def identity(self) -> dict[str, Any]:
        """The fields that decide the result (resources and timeout do not)."""
        return {
            "task": self.task,
            "model": self.model,
            "emulator": self.emulator,
            "scale": self.scale,
            "seed": self.seed,
            "params": dict(self.params),
        }

    def key(self, code_version: str, data_versions: Mapping[str, str]) -> str:
        """Content hash of the spec's identity, the code version and the dataset versions."""
        payload = canonical_json(
            {"spec": self.identity(), "code": code_version, "data": dict(sorted(data_versions.items()))}
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:KEY_LENGTH]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["params"] = dict(self.params)
        d["resources"] = self.resources.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BenchmarkSpec:
        res = d.get("resources") or {}
        return cls(
            task=d["task"],
            model=d["model"],
            emulator=d.get("emulator", "ideal"),
            scale=d.get("scale", "smoke"),
            seed=int(d.get("seed", 0)),
            params=dict(d.get("params") or {}),
            resources=Resources(**{**res, "custom": dict(res.get("custom") or {})}),
            timeout=d.get("timeout"),
        )

    def label(self) -> str:
        return f"{self.task}/{self.model}/{self.emulator}/{self.scale}/seed={self.seed}"


@dataclass(frozen=True)
class Plan:
    name: str
    description: str
    specs: tuple[BenchmarkSpec, ...]
    path: Path | None = None


# -- loading --------------------------------------------------------------------------------------


def load_plan(
    path: str | Path, registry: Registry, *, seeds: Sequence[int] | None = None, scale: str | None = None
) -> Plan:
    """Read, expand and validate a plan file. Every problem raises :class:`PlanError`.

    ``seeds`` and ``scale`` override every benchmark's own (what ``params.yaml`` tunes).
    """
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"{path}: plan file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read plan: {exc}") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PlanError(f"{path}: malformed YAML{where}: {problem}") from None
    if (seeds is not None or scale is not None) and isinstance(doc, Mapping):
        doc = override(doc, seeds=seeds, scale=scale)
    return plan_from_dict(doc, registry, source=str(path), path=path)


def override(doc: Mapping[str, Any], *, seeds: Sequence[int] | None, scale: str | None) -> dict[str, Any]:
    """The plan document with every benchmark's seeds and/or scale replaced."""
    doc = dict(doc)
    defaults = dict(doc.get("defaults") or {}) if isinstance(doc.get("defaults") or {}, Mapping) else doc["defaults"]
    drop = set()
    if seeds is not None:
        defaults["seeds"] = list(seeds)
        defaults.pop("seed", None)
        drop |= {"seed", "seeds"}
    if scale is not None:
        defaults["scale"] = scale
        drop.add("scale")
    doc["defaults"] = defaults
    if isinstance(doc.get("benchmarks"), list):
        doc["benchmarks"] = [
            {k: v for k, v in b.items() if k not in drop} if isinstance(b, Mapping) else b for b in doc["benchmarks"]
        ]
    return doc


def resolve_plan_path(name_or_path: str, registry: Registry) -> Path:
    """A plan argument is a file path or a registered plan name."""
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"} or p.exists():
        return p
    try:
        return Path(registry.get("plans", name_or_path).meta["path"])
    except UnknownNameError as exc:
        raise PlanError(str(exc)) from None


def plan_from_dict(doc: Any, registry: Registry, *, source: str, path: Path | None = None) -> Plan:
    if not isinstance(doc, Mapping):
        raise PlanError(f"{source}: a plan must be a YAML mapping with 'name' and 'benchmarks', got {_tname(doc)}")
    _reject_unknown(doc, PLAN_KEYS, source, "plan")
    name = doc.get("name", path.stem if path else None)
    if not isinstance(name, str) or not name.strip():
        raise PlanError(f"{source}: field 'name' must be a non-empty string")
    if not all(c.isalnum() or c in "-_." for c in name):
        raise PlanError(f"{source}: field 'name' may hold only letters, digits, '-', '_' and '.', got {name!r}")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise PlanError(f"{source}: field 'description' must be a string")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise PlanError(f"{source}: field 'defaults' must be a mapping, got {_tname(defaults)}")
    _reject_unknown(defaults, BENCH_KEYS - {"task", "model"}, source, "defaults")
    benches = doc.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise PlanError(f"{source}: field 'benchmarks' must be a non-empty list")

    specs: list[BenchmarkSpec] = []
    origin: dict[tuple, str] = {}
    for i, bench in enumerate(benches):
        where = f"benchmarks[{i}]"
        if not isinstance(bench, Mapping):
            raise PlanError(f"{source}: {where} must be a mapping, got {_tname(bench)}")
        _reject_unknown(bench, BENCH_KEYS, source, where)
        merged = {**defaults, **bench}
        # a benchmark's own 'seed' or 'seeds' replaces either form given in the defaults
        for own, other in (("seed", "seeds"), ("seeds", "seed")):
            if own in bench and other in merged and other not in bench:
                del merged[other]
        if "seed" in bench and "seeds" in bench:
            raise PlanError(f"{source}: {where}: give 'seed' or 'seeds', not both")
        if "params" in defaults and "params" in bench:
            merged["params"] = {
                **_mapping(defaults["params"], source, "defaults.params"),
                **_mapping(bench["params"], source, f"{where}.params"),
            }
        for spec in _expand(merged, registry, source, where):
            ident = canonical_json(spec.identity())
            if ident in origin:
                raise PlanError(f"{source}: {where} duplicates a spec of {origin[ident]}: {spec.label()}")
            origin[ident] = where
            specs.append(spec)
    return Plan(name=name, description=description, specs=tuple(specs), path=path)


def _expand(b: Mapping[str, Any], reg: Registry, source: str, where: str) -> list[BenchmarkSpec]:
    tasks = _names(b, "task", source, where, required=True)
    models = _names(b, "model", source, where, required=True)
    emulators = _names(b, "emulator", source, where) or ["ideal"]
    scales = _names(b, "scale", source, where) or ["smoke"]
    seeds = _seeds(b, source, where)
    params = _mapping(b.get("params") or {}, source, f"{where}.params")
    _check_json(params, source, f"{where}.params")
    resources = _resources(b.get("resources") or {}, source, f"{where}.resources")
    timeout = b.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0):
        raise PlanError(f"{source}: {where}.timeout must be a positive number of seconds, got {timeout!r}")

    for kind, field_name, names in (
        ("tasks", "task", tasks),
        ("models", "model", models),
        ("emulators", "emulator", emulators),
    ):
        for n in names:
            if not reg.has(kind, n):
                known = reg.names(kind)
                broken = (
                    f" ({len(reg.load_errors)} plugin(s) failed to load; see the warning)" if reg.load_errors else ""
                )
                raise PlanError(
                    f"{source}: {where}.{field_name}: unknown {field_name} '{n}'{did_you_mean(n, known)} "
                    f"known: {', '.join(known)}{broken}"
                )
    out = []
    for task, model, emulator, scale, seed in itertools.product(tasks, models, emulators, scales, seeds):
        t = reg.get("tasks", task)
        m = reg.get("models", model)
        protocol = t.meta.get("protocol")
        supported = m.meta.get("protocols") or []
        if supported and protocol not in supported:
            raise PlanError(
                f"{source}: {where}: model '{model}' does not support task '{task}' (protocol '{protocol}'; "
                f"the model supports {', '.join(supported)})"
            )
        task_scales = t.meta.get("scales") or {}
        if task_scales and scale not in task_scales:
            raise PlanError(
                f"{source}: {where}.scale: task '{task}' has no scale '{scale}'{did_you_mean(scale, task_scales)} "
                f"known: {', '.join(task_scales)}"
            )
        emu_supports = reg.get("emulators", emulator).meta.get("models")
        if emu_supports and model not in emu_supports:
            raise PlanError(f"{source}: {where}: emulator '{emulator}' does not support model '{model}'")
        out.append(BenchmarkSpec(task, model, emulator, scale, seed, params, resources, timeout))
    if not out:
        raise PlanError(
            f"{source}: {where} expands to no spec (an empty list in task, model, emulator, scale or seeds)"
        )
    return out


def _names(b: Mapping[str, Any], field_name: str, source: str, where: str, required: bool = False) -> list[str]:
    if field_name not in b or b[field_name] is None:
        if required:
            raise PlanError(f"{source}: {where}.{field_name} is required")
        return []
    v = b[field_name]
    values = v if isinstance(v, list) else [v]
    for x in values:
        if not isinstance(x, str) or not x:
            raise PlanError(f"{source}: {where}.{field_name} must be a name or a list of names, got {x!r}")
    if not values:
        raise PlanError(f"{source}: {where}.{field_name} is an empty list: it would expand to no spec")
    if len(set(values)) != len(values):
        raise PlanError(f"{source}: {where}.{field_name} lists a name twice: {values}")
    return list(values)


def _seeds(b: Mapping[str, Any], source: str, where: str) -> list[int]:
    raw: Any = [b["seed"]] if "seed" in b else b.get("seeds", [0])
    if not isinstance(raw, list):
        raise PlanError(f"{source}: {where}.seeds must be a list of non-negative integers, got {raw!r}")
    if not raw:
        raise PlanError(f"{source}: {where}.seeds is an empty list: it would expand to no spec")
    for s in raw:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0 or s >= 2**32:
            raise PlanError(f"{source}: {where}.seeds: seed {s!r} is not an integer in [0, 2**32)")
    if len(set(raw)) != len(raw):
        raise PlanError(f"{source}: {where}.seeds lists a seed twice: {raw}")
    return list(raw)


def _resources(r: Any, source: str, where: str) -> Resources:
    if not isinstance(r, Mapping):
        raise PlanError(f"{source}: {where} must be a mapping, got {_tname(r)}")
    _reject_unknown(r, RESOURCE_KEYS, source, where)
    limits = {"cpus": (0, MAX_CPUS), "gpus": (0, MAX_GPUS), "memory_gb": (0, MAX_MEMORY_GB)}
    vals: dict[str, Any] = {}
    for k, (lo, hi) in limits.items():
        if k in r:
            v = r[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < lo or v > hi:
                raise PlanError(f"{source}: {where}.{k} must be a number in [{lo}, {hi}], got {v!r}")
            vals[k] = float(v)
    if vals.get("cpus", 1.0) == 0 and vals.get("gpus", 0.0) == 0:
        raise PlanError(f"{source}: {where}: a spec needs at least some cpus or gpus")
    custom = r.get("custom") or {}
    if not isinstance(custom, Mapping) or not all(
        isinstance(k, str) and not isinstance(v, bool) and isinstance(v, (int, float)) and v >= 0
        for k, v in custom.items()
    ):
        raise PlanError(f"{source}: {where}.custom must map resource names to non-negative numbers")
    return Resources(**vals, custom=dict(custom))


def _mapping(v: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(v, Mapping):
        raise PlanError(f"{source}: {where} must be a mapping, got {_tname(v)}")
    return dict(v)


def _check_json(v: Any, source: str, where: str) -> None:
    try:
        canonical_json(v)
    except (TypeError, ValueError) as exc:
        raise PlanError(f"{source}: {where} holds a value that is not plain data: {exc}") from None


def _reject_unknown(d: Mapping[str, Any], allowed: set[str], source: str, where: str) -> None:
    for k in d:
        if k not in allowed:
            raise PlanError(
                f"{source}: {where}: unknown field '{k}'{did_you_mean(str(k), allowed)} allowed: {', '.join(sorted(allowed))}"
            )


def _tname(v: Any) -> str:
    return "nothing" if v is None else type(v).__name__


def merged_params(spec: BenchmarkSpec, registry: Registry) -> dict[str, Any]:
    """Task scale params, then model scale params, then the spec's own overrides."""
    task = registry.get("tasks", spec.task).meta.get("scales", {}).get(spec.scale, {})
    model = registry.get("models", spec.model).meta.get("scales", {}).get(spec.scale, {})
    return {**task, **model, **spec.params}


def spec_table(specs: Sequence[BenchmarkSpec]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in specs]
