"""build_report on a fixture store: numbers equal pandas, statuses counted, strings escaped."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from suite.claims import Claim
from suite.report import build_report, leaderboard_text
from suite.report.aggregate import aggregate, pareto_mask
from suite.store import Store


def _claim(cid: str, task: str, model: str, value: float | None, *, metric: str = "accuracy", std=None, scale="paper"):
    return Claim(cid, cid[:3], task, model, metric, value, "fixture", verified=True, std=std, scale=scale)


CLAIMS = [
    _claim("P01-1", "shd", "silif", 0.925),  # mean 0.92333: reproduced (|d| = 0.0017 <= 0.01)
    _claim("P01-2", "shd", "lif", 0.95, std=0.01),  # mean 0.82667: below
    _claim("P01-3", "ssc", "silif", 0.50),  # mean 0.72: above
    _claim("P01-4", "shd", "csilif", 0.90),  # only smoke rows: smoke only
    _claim("P01-5", "gsc", "silif", 0.95),  # no rows: not run
    _claim("P01-6", "shd", "lif", None),  # rows but no number: qualitative
    _claim("P01-7", "shd", "lif", 1e6, metric="synops_dense"),  # metric never measured: not run
    _claim("P02-1", "shd", "silif", 2010.0, metric="params"),  # via n_params, 1 % relative: reproduced
]
EXPECTED = {
    "P01-1": "reproduced",
    "P01-2": "below",
    "P01-3": "above",
    "P01-4": "smoke only",
    "P01-5": "not run",
    "P01-6": "qualitative",
    "P01-7": "not run",
    "P02-1": "reproduced",
}


@pytest.fixture(scope="module")
def report(store_table, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    calls = []

    def paper_figure(df: pd.DataFrame, out_dir: Path) -> list[Path]:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        calls.append(len(df))
        fig = Figure(figsize=(3, 2))
        FigureCanvasAgg(fig)
        fig.add_subplot().plot([0, 1], [1, 0])
        path = out_dir / "memory-vs-length.png"
        fig.savefig(path)
        return [path]

    def broken_figure(df, out_dir):
        raise RuntimeError("no data for <b>this</b>")

    index = build_report(
        store_table,
        out,
        claims=CLAIMS,
        figure_fns={"p05-tradeoff": paper_figure, "p99-broken": broken_figure},
        machine="fixture <machine>",
    )
    return out, index, calls


def _ok(df, task, model):
    return df[(df.task == task) & (df.model == model) & (df.status == "ok")]


def test_aggregate_numbers_equal_pandas(store_table):
    agg = aggregate(store_table).set_index(["task", "model", "emulator", "scale"])
    for task, model, scale in [("shd", "lif", "paper"), ("shd", "silif", "paper"), ("ssc", "silif", "paper")]:
        acc = _ok(store_table, task, model)["accuracy"]
        row = agg.loc[(task, model, "ideal", scale)]
        assert row["accuracy_mean"] == pytest.approx(acc.mean())
        assert row["accuracy_std"] == pytest.approx(acc.std(ddof=1))
        assert row["accuracy_median"] == pytest.approx(acc.median())
        assert row["accuracy_q25"] == pytest.approx(acc.quantile(0.25))
        assert row["accuracy_q75"] == pytest.approx(acc.quantile(0.75))
        assert row["accuracy_n"] == row["n_seeds"] == 3
    lif = agg.loc[("shd", "lif", "ideal", "paper")]
    assert (lif["n_ok"], lif["n_failed"], lif["n_diverged"], lif["n_runs"]) == (3, 1, 0, 4)
    silif = agg.loc[("shd", "silif", "ideal", "paper")]
    assert (silif["n_ok"], silif["n_failed"], silif["n_diverged"], silif["n_runs"]) == (3, 0, 1, 4)
    assert silif["accuracy_mean"] == pytest.approx((0.90 + 0.92 + 0.95) / 3)  # the diverged seed is not averaged
    noop = agg.loc[("noop", "noop", "ideal", "smoke")]
    assert noop["value_mean"] == 1.0 and math.isnan(noop["accuracy_mean"]) and noop["accuracy_n"] == 0


def test_one_seed_has_no_std():
    df = pd.DataFrame(
        [{"task": "t", "model": "m", "emulator": "ideal", "scale": "smoke", "seed": 0, "status": "ok", "accuracy": 0.5}]
    )
    row = aggregate(df).iloc[0]
    assert row["accuracy_mean"] == 0.5 and math.isnan(row["accuracy_std"]) and row["n_seeds"] == 1


def test_pareto_mask():
    # maximise accuracy, minimise cost: (0.9, 10) dominates (0.8, 20); (0.95, 30) is optimal; NaN never
    x = np.array([[0.9, 10], [0.8, 20], [0.95, 30], [np.nan, 1], [0.9, 10]])
    assert pareto_mask(x, [True, False]).tolist() == [True, False, True, False, True]


def test_leaderboard_markdown(report, store_table, evil_name):
    out, _, _ = report
    md = (out / "leaderboard.md").read_text()
    acc = _ok(store_table, "shd", "lif")["accuracy"]
    line = next(ln for ln in md.splitlines() if ln.startswith("| lif | ideal | paper"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[3:7] == ["3/4", "1", "0", "0"]  # seeds ok/all, failed, diverged, timeout
    assert cells[7] == f"{acc.mean() * 100:.2f} ± {acc.std() * 100:.2f}"
    assert cells[8] == f"{acc.median() * 100:.2f} [{acc.quantile(0.25) * 100:.2f}, {acc.quantile(0.75) * 100:.2f}]"
    silif = next(ln for ln in md.splitlines() if ln.startswith("| silif | ideal | paper"))
    assert "| 3/4 | 0 | 1 | 0 | 92.33 ± 2.52 |" in silif
    assert "Pareto-optimal" in md and "## Legend" in md and "## noop" in md and "`value`" in md
    assert evil_name not in md and "&lt;script&gt;" in md


def test_leaderboard_text(store_table):
    text = leaderboard_text(store_table)
    assert "shd" in text and "82.67 ± 3.06" in text and "3/4" in text and "noop" in text


def test_index_html_escapes_everything(report):
    _, index, _ = report
    page = index.read_text()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "fixture &lt;machine&gt;" in page
    assert "no data for &lt;b&gt;this&lt;/b&gt;" in page  # a failing plugin figure is a note
    assert page.count('src="data:image/png;base64,') == 4 + 1 + 1  # shd 4, ssc params, plugin 1
    assert "http://" not in page and "https://" not in page  # self-contained
    assert page.count('<table class="leaderboard">') == 3


def test_claims_md_verdicts(report):
    out, index, _ = report
    md = (out / "claims.md").read_text()
    for claim in CLAIMS:
        line = next(ln for ln in md.splitlines() if ln.startswith(f"| {claim.id} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[12] == EXPECTED[claim.id], claim.id
    p1 = next(ln for ln in md.splitlines() if ln.startswith("| P01-1 |"))
    assert "92.33 ± 2.52 % (n=3)" in p1 and "-0.17 pp" in p1 and "SHD: selection on a validation split" in p1
    p4 = next(ln for ln in md.splitlines() if ln.startswith("| P01-4 |"))
    assert "ran at: smoke" in p4
    assert "reproduced: 2, below: 1, above: 1, qualitative: 1, smoke only: 1, not run: 2" in md
    page = index.read_text()
    assert all(f'id="claim-{c.id}"' in page for c in CLAIMS)


def test_metrics_json(report, store_table, evil_name):
    out, _, _ = report
    m = json.loads((out / "metrics.json").read_text())
    assert set(m) == {"shd", "ssc", "noop"}
    acc = _ok(store_table, "shd", "lif")["accuracy"]
    assert m["shd"]["lif/ideal/paper"] == {
        "accuracy_mean": pytest.approx(acc.mean()),
        "accuracy_std": pytest.approx(acc.std()),
        "n": 3,
    }
    assert m["noop"]["noop/ideal/smoke"] == {"value_mean": 1.0, "value_std": 1.0, "n": 3}
    assert f"{evil_name}/ideal/smoke" in m["shd"]


def test_neurobench_export(report):
    out, _, _ = report
    nb = json.loads((out / "leaderboard_neurobench.json").read_text())
    lif = next(e for e in nb["entries"] if e["model"] == "lif")
    assert lif["results"]["ParameterCount"] == 1000 and lif["results"]["Footprint"] == 4000
    assert lif["results"]["ClassificationAccuracy"] == pytest.approx(0.8266667, abs=1e-6)
    assert lif["results"]["SynapticOperations"] == {"Effective_MACs": 1e4, "Effective_ACs": 5e5}
    assert lif["results"]["ActivationSparsity"] == pytest.approx(0.9)
    assert next(e for e in nb["entries"] if e["model"] == "noop")["results"] == {}


def test_figures_written(report, store_table):
    out, _, calls = report
    pngs = sorted((out / "figures").glob("*.png"))
    names = {p.name for p in pngs}
    assert {
        f"shd--accuracy-vs-{m}.png" for m in ("synops_total", "n_params", "state_bytes", "peak_memory_bytes")
    } <= names
    assert "ssc--accuracy-vs-n_params.png" in names and not any(n.startswith("noop") for n in names)
    assert all(p.stat().st_size > 5000 for p in pngs)
    assert all(p.with_suffix(".svg").stat().st_size > 5000 for p in pngs)
    assert (out / "figures" / "p05-tradeoff" / "memory-vs-length.png").stat().st_size > 1000
    assert calls == [len(store_table)] == [20]  # the plugin saw every record, failed ones included
    page = (out / "index.html").read_text()
    assert "ssc: accuracy vs recurrent state per sample (bytes): &#x27;state_bytes&#x27; was not measured" in page


def test_empty_store(tmp_path):
    index = build_report(Store(tmp_path / "none").table(), tmp_path / "rep", claims=CLAIMS[:1])
    assert "No results in the store" in index.read_text()
    assert json.loads((tmp_path / "rep" / "metrics.json").read_text()) == {}
    assert "| P01-1 |" in (tmp_path / "rep" / "claims.md").read_text()


def test_ten_thousand_records_render_fast(tmp_path, record_factory):
    rng = np.random.default_rng(0)
    n = 10_000
    models = [f"m{i}" for i in range(20)]
    records = [
        record_factory(
            "shd",
            models[i % 20],
            "smoke",
            i // 20,
            "ok" if i % 50 else "failed",
            {"accuracy": float(rng.uniform()), "n_params": 100.0 * (i % 20 + 1)},
        )
        for i in range(n)
    ]
    from suite.store import flatten

    df = pd.DataFrame([flatten(r) for r in records])
    # its speed is measured in benchmarks/test_scale_10k.py, never asserted here
    build_report(df, tmp_path / "rep", claims=CLAIMS)
    md = (tmp_path / "rep" / "leaderboard.md").read_text()
    assert len(re.findall(r"^\| m\d+ \| ideal \| smoke \|", md, flags=re.M)) == 20
    assert "| m0 | ideal | smoke | 400/500 | 100 | 0 | 0 |" in md  # i % 50 == 0 failed: m0 and m10
    assert "| m1 | ideal | smoke | 500/500 | 0 | 0 | 0 |" in md


def test_figure_entry_that_fails_to_import_becomes_a_note(tmp_path):
    from suite.registry import Registry
    from suite.report import build_report
    from suite.report.figures import figure_functions

    reg = Registry()
    reg.add_table({"figures": {"broken": {"target": "no_such_module_for_figures:fig"}}}, "test")
    fns = figure_functions(reg)
    import pandas as pd

    index = build_report(pd.DataFrame(), tmp_path / "r", claims=[], figure_fns=fns)
    html = index.read_text()
    assert "broken" in html and "no_such_module_for_figures" in html


def test_declared_primary_metric_and_lower_is_better_ranking():
    import pandas as pd

    from suite.report.aggregate import lower_is_better, task_tables
    from suite.report.leaderboard import leaderboard_text

    rows = [
        {"key": f"k{m}{s}", "plan": "p", "task": "snn-throughput", "model": m, "emulator": "ideal", "scale": "smoke",
         "seed": s, "status": "ok", "primary_metric": "fwd_bwd_seconds", "fwd_bwd_seconds": t + s * 0.01,
         "backward_seconds": 1.0}
        for m, t in (("slow", 2.0), ("fast", 0.5)) for s in (0, 1)
    ]  # fmt: skip
    tables = task_tables(pd.DataFrame(rows))
    agg, primary = tables["snn-throughput"]
    assert primary == "fwd_bwd_seconds"
    assert agg.set_index("model").loc["fast", "pareto"] and not agg.set_index("model").loc["slow", "pareto"]
    text = leaderboard_text(pd.DataFrame(rows))
    assert text.index("fast") < text.index("slow")
    assert lower_is_better("peak_memory_bytes") and lower_is_better("val_loss") and not lower_is_better("accuracy")
