"""Claims: the registered files of all ten papers, validation errors, and every verdict."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest

from suite.claims import (
    Claim,
    ClaimsError,
    Tolerance,
    compare,
    compare_all,
    load_claims,
    parse_claims,
    tolerance_for,
    verdict,
)
from suite.errors import NeuroReproError
from suite.registry import Registry, build_registry

# rows of each card's "Claims registry" table (a row with several numbers is split into a/b/...)
CARD_ROWS = {"P01": 15, "P02": 5, "P03": 6, "P04": 5, "P05": 6, "P06": 7, "P07": 3, "P08": 13, "P09": 4, "P10": 15}


def claim(value=0.90, std=None, relation="=", metric="accuracy", **kw) -> Claim:
    return Claim("P01-1", "P01", "shd", "silif", metric, value, "test", True, std=std, relation=relation, **kw)


@pytest.fixture(scope="module")
def registered() -> list:
    return load_claims(build_registry())


def test_every_card_row_is_registered(registered):
    rows = Counter(c.paper for c in {c.id.rstrip("abcdefgh"): c for c in registered}.values())
    assert dict(rows) == CARD_ROWS
    assert len(registered) == 100
    assert len({c.id for c in registered}) == len(registered)


def test_registered_claims_follow_conventions(registered):
    by_id = {c.id: c for c in registered}
    p01 = by_id["P01-1"]
    assert (p01.task, p01.model, p01.metric, p01.value, p01.std, p01.n_seeds) == (
        "shd",
        "csilif",
        "accuracy",
        0.9506,
        0.0037,
        5,
    )
    assert p01.verified and p01.value_as_published == "95.06 ± 0.37 %"
    assert by_id["P01-8a"].value == 359017 and by_id["P01-8a"].verified
    assert not by_id["P01-2"].verified  # "repo README" alone is not marked verified in the card
    assert by_id["P05-1"].relation == ">=" and by_id["P05-1"].value == 10
    assert by_id["P06-2"].value == pytest.approx(0.53) and by_id["P06-2"].verified
    assert by_id["P09-3"].value is None and not by_id["P09-3"].verified  # rejected by the card
    for c in registered:  # accuracies are fractions everywhere
        if c.metric.endswith("accuracy") and c.value is not None:
            assert 0.0 <= c.value <= 1.0, c.id
    assert sum(c.verified for c in registered) == 47


def test_verdicts_from_values():
    c = claim(0.90, std=0.005)  # band: 0.005 + 0.01
    assert verdict(c, pd.Series([0.89, 0.90, 0.91])) == "reproduced"
    assert verdict(c, pd.Series([0.885, 0.886])) == "reproduced"  # |d| = 0.0145 <= 0.015
    assert verdict(c, pd.Series([0.88])) == "below"  # |d| = 0.02
    assert verdict(c, pd.Series([0.92])) == "above"
    assert verdict(c, None) == "not run"
    assert verdict(c, pd.Series([math.nan])) == "not run"
    assert verdict(c, None, other_scales=["smoke"]) == "smoke only"
    assert verdict(claim(None), pd.Series([0.5])) == "qualitative"
    assert verdict(claim(None), None) == "not run"


def test_verdict_tolerances_and_bounds():
    assert verdict(claim(0.90), [0.905], tolerance=0.001) == "above"
    assert verdict(claim(0.90), [0.905], tolerance=Tolerance("rel", 0.01)) == "reproduced"
    params = claim(359017.0, metric="params")
    assert verdict(params, [359017 * 1.009]) == "reproduced" and verdict(params, [359017 * 1.02]) == "above"
    lower = claim(10.0, relation=">=", metric="max_sequence_length_ratio")
    assert verdict(lower, [50.0]) == "reproduced" and verdict(lower, [9.5]) == "reproduced"  # 10 % tolerance
    assert verdict(lower, [8.0]) == "below"
    upper = claim(1e-3, relation="<=", metric="dynamic_power_w")
    assert verdict(upper, [1e-5]) == "reproduced" and verdict(upper, [2e-3]) == "above"


def test_tolerance_table():
    assert tolerance_for("accuracy") == Tolerance("abs", 0.01)
    assert tolerance_for("one_shot_accuracy") == Tolerance("abs", 0.01)
    assert tolerance_for("params") == Tolerance("rel", 0.01)
    assert tolerance_for("train_seconds") == Tolerance("rel", 0.10)
    assert tolerance_for("something_new") == Tolerance("rel", 0.05)
    assert Tolerance("rel", 0.01).absolute(-200.0) == 2.0


def _table(rows):
    base = {"emulator": "ideal", "status": "ok"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_compare_filters_status_scale_and_metric():
    df = _table(
        [
            {"task": "shd", "model": "silif", "scale": "paper", "seed": 0, "accuracy": 0.89},
            {"task": "shd", "model": "silif", "scale": "paper", "seed": 1, "accuracy": 0.91},
            {"task": "shd", "model": "silif", "scale": "paper", "seed": 2, "accuracy": 0.10, "status": "failed"},
            {"task": "shd", "model": "silif", "scale": "smoke", "seed": 0, "accuracy": 0.10},
            {"task": "shd", "model": "csilif", "scale": "smoke", "seed": 0, "accuracy": 0.5, "n_params": 10.0},
        ]
    )
    r = compare(claim(0.90), df)
    assert (r.verdict, r.n, r.scale) == ("reproduced", 2, "paper")
    assert r.mean == pytest.approx(0.90) and r.std == pytest.approx(pd.Series([0.89, 0.91]).std())
    assert r.difference == pytest.approx(0.0, abs=1e-12)
    smoke = compare(Claim("P01-2", "P01", "shd", "csilif", "accuracy", 0.95, "t", False), df)
    assert (smoke.verdict, smoke.other_scales, smoke.n) == ("smoke only", ("smoke",), 0)
    assert math.isnan(smoke.difference)
    # the store's `params` column is the spec's params (JSON text): the count comes from n_params
    params = Claim("P01-3", "P01", "shd", "csilif", "params", 10.0, "t", False, scale="smoke")
    assert compare(params, df.assign(params="{}")).verdict == "reproduced"
    unmeasured = Claim("P01-4", "P01", "shd", "silif", "synops_dense", 5.0, "t", False)
    assert compare(unmeasured, df).verdict == "not run"
    assert compare(claim(0.9), df.iloc[0:0]).verdict == "not run"
    assert [c.verdict for c in compare_all([claim(0.90), unmeasured], df)] == ["reproduced", "not run"]


GOOD = """
paper: P01
claims:
  - {id: P01-1, paper: P01, task: shd, model: silif, metric: accuracy, value: 0.9, source: README, verified: false}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("claims: [", "not valid YAML"),
        ("paper: P01\nclaims: []", "non-empty list"),
        ("paper: P01\nnotes: x\nclaims: [1]", "unknown top-level fields ['notes']"),
        (GOOD.replace("id: P01-1", "id: one"), "claim 'one': 'id' must look like"),
        (GOOD.replace("value: 0.9", "value: '95 %'"), "claim 'P01-1': 'value' must be a finite number"),
        (GOOD.replace(", verified: false", ""), "claim 'P01-1': missing fields ['verified']"),
        (GOOD.replace("verified: false", "verified: maybe"), "'verified' must be true or false"),
        (GOOD.replace("paper: P01, task", "paper: P02, task"), "but the id belongs to 'P01'"),
        (GOOD.replace("source: README", "source: README, colour: red"), "unknown fields ['colour']"),
        (GOOD.replace("value: 0.9", "value: 0.9, std: -1"), "'std' must be >= 0"),
        (GOOD.replace("value: 0.9", "value: 0.9, relation: '~'"), "'relation' must be one of"),
        (GOOD + GOOD.split("claims:")[1], "claim 'P01-1' is defined twice"),
    ],
)
def test_validation_errors_name_file_and_claim(text, message):
    with pytest.raises(ClaimsError, match="x/claims.yaml") as err:
        parse_claims(text, "x/claims.yaml")
    assert message in str(err.value)
    assert isinstance(err.value, NeuroReproError)


def test_load_claims_from_a_registry(tmp_path):
    (tmp_path / "c.yaml").write_text(GOOD)
    reg = Registry()
    reg.add_table({"claims": {"mine": {"path": str(tmp_path / "c.yaml")}}}, "plugin 'mine'")
    assert [c.id for c in load_claims(reg)] == ["P01-1"]
    reg.add_table({"claims": {"gone": {"package": "implementations.silif", "file": "nope.yaml"}}}, "plugin 'x'")
    with pytest.raises(ClaimsError, match=r"implementations.silif/nope.yaml \(claims 'gone' from plugin 'x'\)"):
        load_claims(reg)
    dup = Registry()
    dup.add_table({"claims": {"a": {"path": str(tmp_path / "c.yaml")}, "b": {"path": str(tmp_path / "c.yaml")}}}, "p")
    with pytest.raises(ClaimsError, match="defined twice"):
        load_claims(dup)


def test_summary_line(registered):
    by_id = {c.id: c for c in registered}
    assert by_id["P01-1"].summary() == (
        "P01-1: shd/csilif @paper-h128 accuracy = 0.9506 ± 0.0037 (repo README; verified as README text; verified)"
    )
    assert (
        by_id["P05-1"]
        .summary()
        .startswith("P05-1: checkpointing/double-checkpointing/ipu max_sequence_length_ratio ≥ 10 (")
    )
    assert "(no number: not extracted)" in by_id["P07-3"].summary()
    assert all(c.summary() for c in registered)  # qualitative claims (value None) included
