"""The bad-input corpus: every case through the real command line, one parametrised test.

Plan cases are the files in ``plans/`` (first line ``# expect: <text of the error line>``); the
other cases (data, store, plugins, benchmarks at fault) are rows of :data:`CASES`, each a function
that breaks a fresh project directory and returns the command to run. Every case must:

* exit non-zero with exactly one ``error:`` line naming the file or field, or, where the spec
  itself is at fault, exit 0 with a ``failed``/``diverged`` record carrying the reason;
* print no traceback (``--debug`` would);
* leave every file that was in the store before byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from suite.cli import main
from suite.errors import PlanError

HERE = Path(__file__).parent
PLANS = sorted((HERE / "plans").glob("*.yaml"))


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Path], list[str]]  # breaks the project at root, returns the CLI arguments
    expect: str  # text of the error line, or of the record's error
    rc: int = 2
    record: str | None = None  # expected status of the record written, for specs at fault


def _plan(root: Path, body: str) -> str:
    p = root / "plans" / "bad.yaml"
    p.write_text(body)
    return str(p)


SHD_PLAN = "name: bad\nbenchmarks: [{task: shd, model: lif}]\n"


def _shd_file(root: Path) -> Path:
    d = root / "datasets" / "shd" / "SHD"
    d.mkdir(parents=True, exist_ok=True)
    return d / "shd_train.h5"


def missing_dataset(root: Path) -> list[str]:
    return ["run", _plan(root, SHD_PLAN), "--executor", "inline"]


def truncated_hdf5(root: Path) -> list[str]:
    import h5py
    import numpy as np

    path = _shd_file(root)
    with h5py.File(path, "w") as f:
        f.create_dataset("labels", data=np.zeros(5000, np.uint16))
        f.create_dataset("spikes/times", data=np.zeros(5000, np.float16))
        f.create_dataset("spikes/units", data=np.zeros(5000, np.uint16))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return missing_dataset(root)


def wrong_layout_hdf5(root: Path) -> list[str]:
    import h5py
    import numpy as np

    with h5py.File(_shd_file(root), "w") as f:
        f.create_dataset("labels", data=np.zeros(3, np.uint16))  # no spikes/ group
    return missing_dataset(root)


def empty_event_file(root: Path) -> list[str]:
    _shd_file(root).write_bytes(b"")
    return missing_dataset(root)


def not_hdf5(root: Path) -> list[str]:
    _shd_file(root).write_text("this is a CSV, not HDF5\n")
    return missing_dataset(root)


def wrong_checksum(root: Path) -> list[str]:
    """A shipped text whose sha256 differs from the pinned one (the shakespeare-char corpus)."""
    from suite.registry import build_registry

    if not build_registry(root).has("datasets", "shakespeare-char"):
        pytest.skip("no dataset with pinned checksums is registered")
    src = Path(__file__).resolve().parents[2] / "datasets" / "shakespeare"
    dst = root / "datasets" / "shakespeare"
    shutil.copytree(src, dst)
    play = sorted((dst / "texts").glob("*.txt"))[0]
    play.write_text(play.read_text() + "an edit\n")
    return ["data", "verify", "shakespeare-char"]


def unwritable_store(root: Path) -> list[str]:
    blocker = root / "not-a-dir"
    blocker.write_text("a file where the store should be\n")
    return ["--results", str(blocker / "results"), "run", _plan(root, "name: bad\nbenchmarks: [{task: noop, model: noop}]\n"), "--executor", "inline"]  # fmt: skip


def corrupt_record(root: Path) -> list[str]:
    d = root / "results" / "runs" / "seeded"
    (d / "0123456789abcdef0123.json").write_text('{"schema": "neurorepro.record/1", "key": "0123')
    return ["leaderboard"]


def broken_plugin(root: Path) -> list[str]:
    """An installed entry point whose module does not import; a plan names its model."""
    dist = root / "site" / "brokenplugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[neurorepro.plugins]\nbroken = brokenplugin_missing_module:PLUGIN\n")
    return ["run", _plan(root, "name: bad\nbenchmarks: [{task: noop, model: brokenmodel}]\n"), "--executor", "inline"]


def nan_loss(root: Path) -> list[str]:
    return ["run", _plan(root, "name: bad\nbenchmarks: [{task: noop, model: noop, params: {loss: nan}}]\n"), "--executor", "inline"]  # fmt: skip


def raising_benchmark(root: Path) -> list[str]:
    return ["run", _plan(root, "name: bad\nbenchmarks: [{task: noop, model: noop, params: {fail: 'bad weights'}}]\n"), "--executor", "inline"]  # fmt: skip


def unknown_plan_name(root: Path) -> list[str]:
    return ["run", "smok"]


CASES = [
    Case(
        "missing dataset directory",
        missing_dataset,
        "dataset 'shd': missing {root}/datasets/shd/SHD/shd_train.h5; run `neurorepro data synth shd`",
    ),  # fmt: skip
    Case("truncated HDF5", truncated_hdf5, "shd_train.h5 is truncated or corrupt"),
    Case("HDF5 with the wrong layout", wrong_layout_hdf5, "shd_train.h5 lacks HDF5 key spikes/times, spikes/units"),
    Case("empty event file", empty_event_file, "shd_train.h5 is not an HDF5 file (size 0 bytes)"),
    Case("event file in another format", not_hdf5, "shd_train.h5 is not an HDF5 file (size 24 bytes)"),
    Case("wrong checksum", wrong_checksum, "_gut.txt has sha256"),
    Case("store directory not writable", unwritable_store, "not-a-dir/results/runs/bad is not writable"),
    Case("corrupt record in the store", corrupt_record, "0123456789abcdef0123.json: unreadable record", rc=3),
    Case("plugin that fails to import", broken_plugin, "unknown model 'brokenmodel'"),
    Case("unknown registered plan", unknown_plan_name, "unknown plan 'smok'"),
    Case("model returns a NaN loss", nan_loss, "Diverged: loss is nan at step 0", rc=0, record="diverged"),
    Case("benchmark raises", raising_benchmark, "RuntimeError: bad weights", rc=0, record="failed"),
]


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    """A store holding one valid record, copied into every case: it must come out unchanged."""
    root = tmp_path_factory.mktemp("seeded")
    (root / "plans").mkdir()
    p = root / "plans" / "seeded.yaml"
    p.write_text("name: seeded\nbenchmarks: [{task: noop, model: noop, seeds: [0, 1]}]\n")
    assert main(["--root", str(root), "run", str(p), "--executor", "inline"]) == 0
    return root / "results"


def snapshot(results: Path) -> dict[str, str]:
    if not results.exists():
        return {}
    return {str(f.relative_to(results)): hashlib.sha256(f.read_bytes()).hexdigest() for f in results.rglob("*") if f.is_file()}  # fmt: skip


def project(tmp_path: Path, seeded_store: Path) -> Path:
    (tmp_path / "plans").mkdir()
    shutil.copytree(seeded_store, tmp_path / "results")
    return tmp_path


CASE_IDS = [p.stem for p in PLANS] + [c.name.replace(" ", "-") for c in CASES]


@pytest.mark.parametrize("case", [*PLANS, *CASES], ids=CASE_IDS)
def test_bad_input(case, tmp_path, seeded_store, capsys, monkeypatch):
    root = project(tmp_path, seeded_store)
    if isinstance(case, Path):
        target = root / "plans" / case.name
        shutil.copy(case, target)
        expect = case.read_text().splitlines()[0].removeprefix("# expect: ")
        case = Case(case.stem, lambda r, t=target: ["run", str(t), "--executor", "inline"], expect)
    args = case.setup(root)
    monkeypatch.syspath_prepend(str(root / "site"))  # where broken_plugin installs its entry point
    before = snapshot(root / "results")
    rc = main(["--root", str(root), *args])
    err = capsys.readouterr().err
    after = snapshot(root / "results")
    assert {k: after.get(k) for k in before} == before  # nothing that was in the store changed
    assert "Traceback" not in err
    expect = case.expect.replace("{root}", str(root))
    assert rc == case.rc, err
    if case.record is None:
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        others = [line for line in err.splitlines() if line.strip() and not line.startswith("error:")]
        if rc == 3:  # store problems: warnings only, each naming its file
            assert any(expect in line for line in others), err
        else:
            assert len(errors) == 1 and expect in errors[0], err
        assert all(line.lower().startswith("warning") for line in others), err
    else:
        new = [root / "results" / k for k in after if k not in before and k.endswith(".json")]
        recs = [json.loads(p.read_text()) for p in new]
        assert [(r["status"], r["error"]) for r in recs] == [(case.record, expect)]


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "plans").mkdir()
    p = tmp_path / "plans" / "p.yaml"
    p.write_text("name: p\nbenchmarks: [{task: nop, model: noop}]\n")
    with pytest.raises(PlanError, match="unknown task 'nop'"):
        main(["--root", str(tmp_path), "--debug", "run", str(p)])


def test_corpus_has_at_least_25_cases():
    assert len(PLANS) + len(CASES) >= 25
