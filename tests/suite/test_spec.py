from __future__ import annotations

import textwrap

import pytest

from suite.errors import PlanError
from suite.registry import Registry, build_registry
from suite.spec import BenchmarkSpec, Resources, load_plan


@pytest.fixture
def reg() -> Registry:
    r = build_registry(entry_points=False)
    r.add_table(
        {
            "tasks": {"shd": {"protocol": "classification", "dataset": "shd", "scales": {"smoke": {}, "paper": {}}}},
            "models": {
                "silif": {"target": "m:silif", "protocols": ["classification"]},
                "adlif": {"target": "m:adlif", "protocols": ["classification"]},
            },
        },
        "test",
    )
    return r


def write(tmp_path, text: str):
    p = tmp_path / "plan.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_cartesian_expansion(tmp_path, reg):
    p = write(
        tmp_path,
        """
        name: demo
        defaults: {scale: smoke, seeds: [0, 1, 2]}
        benchmarks:
          - {task: shd, model: [silif, adlif], scale: [smoke, paper]}
          - {task: noop, model: noop, seed: 7, params: {value: 3}}
        """,
    )
    plan = load_plan(p, reg)
    assert len(plan.specs) == 2 * 2 * 3 + 1
    assert plan.specs[-1] == BenchmarkSpec("noop", "noop", seed=7, params={"value": 3})
    assert {s.scale for s in plan.specs[:-1]} == {"smoke", "paper"}


@pytest.mark.parametrize(
    "body, message",
    [
        ("benchmarks: [{task: shd, model: silf}]", "benchmarks[0].model: unknown model 'silf'; did you mean 'silif'?"),
        ("benchmarks: [{task: shdd, model: silif}]", "unknown task 'shdd'; did you mean 'shd'?"),
        ("benchmarks: [{task: shd, model: silif, emulator: loihi}]", "unknown emulator 'loihi'"),
        ("benchmarks: [{task: shd, model: []}]", "benchmarks[0].model is an empty list"),
        ("benchmarks: [{task: shd, model: silif, seeds: [-1]}]", "seed -1 is not an integer"),
        ("benchmarks: [{task: shd, model: silif, seeds: [1.5]}]", "seed 1.5 is not an integer"),
        ("benchmarks: [{task: shd, model: silif, seeds: 3}]", "seeds must be a list"),
        ("benchmarks: [{task: shd, model: silif, modle: x}]", "unknown field 'modle'; did you mean 'model'?"),
        (
            "benchmarks: [{task: shd, model: silif}, {task: shd, model: [adlif, silif]}]",
            "benchmarks[1] duplicates a spec of benchmarks[0]",
        ),
        (
            "benchmarks: [{task: shd, model: silif, resources: {cpus: 100000}}]",
            "resources.cpus must be a number in [0, 1024]",
        ),
        ("benchmarks: [{task: shd, model: silif, resources: {gpus: -1}}]", "resources.gpus must be a number"),
        ("benchmarks: [{task: shd, model: silif, scale: huge}]", "task 'shd' has no scale 'huge'"),
        ("benchmarks: [{task: shd, model: noop}]", "model 'noop' does not support task 'shd'"),
        ("benchmarks: []", "field 'benchmarks' must be a non-empty list"),
        ("benchmarks: [{task: shd, model: silif, timeout: -5}]", "timeout must be a positive number"),
        ("- just\n- a list", "a plan must be a YAML mapping"),
        ("benchmarks: [{task: shd, model: silif}]\nextra: 1", "unknown field 'extra'"),
    ],
)
def test_validation_names_file_and_field(tmp_path, reg, body, message):
    p = write(tmp_path, "name: bad\n" + body if not body.startswith("-") else body)
    with pytest.raises(PlanError) as exc:
        load_plan(p, reg)
    assert str(exc.value).startswith(str(p))
    assert message in str(exc.value)


def test_malformed_yaml_gives_line(tmp_path, reg):
    p = write(tmp_path, "name: x\nbenchmarks: [{task: shd, model: silif\n")
    with pytest.raises(PlanError, match=r"malformed YAML at line \d+, column \d+"):
        load_plan(p, reg)


def test_key_is_stable_and_content_addressed():
    s = BenchmarkSpec("shd", "silif", seed=1, params={"b": 2, "a": 1})
    k = s.key("code1", {"shd": "abc"})
    assert k == BenchmarkSpec("shd", "silif", seed=1, params={"a": 1, "b": 2}).key("code1", {"shd": "abc"})
    assert len(k) == 20 and int(k, 16) >= 0
    # resources and timeout do not change what is computed, so not the key
    assert k == BenchmarkSpec("shd", "silif", seed=1, params={"a": 1, "b": 2}, resources=Resources(cpus=4)).key(
        "code1", {"shd": "abc"}
    )
    assert k != s.key("code2", {"shd": "abc"})
    assert k != s.key("code1", {"shd": "abd"})
    assert k != BenchmarkSpec("shd", "silif", seed=2, params={"a": 1, "b": 2}).key("code1", {"shd": "abc"})


def test_spec_round_trips_through_dict():
    s = BenchmarkSpec("shd", "silif", "ideal", "paper", 3, {"x": [1, 2]}, Resources(2, 1, 8, {"gpu_node": 1}), 60)
    assert BenchmarkSpec.from_dict(s.to_dict()) == s
