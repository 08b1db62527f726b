from __future__ import annotations

import textwrap

import pytest

from suite.cli import main


def cli(capsys, tmp_path, *args: str) -> tuple[int, str, str]:
    rc = main(["--root", str(tmp_path), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def plan(tmp_path, body: str) -> str:
    (tmp_path / "plans").mkdir(exist_ok=True)
    p = tmp_path / "plans" / "p.yaml"
    p.write_text(textwrap.dedent(body))
    return str(p)


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


def test_unknown_model_is_one_line_and_writes_nothing(capsys, tmp_path):
    p = plan(tmp_path, "name: p\nbenchmarks: [{task: shd, model: silf}]\n")
    rc, _, err = cli(capsys, tmp_path, "run", p, "--executor", "inline")
    assert rc == 2
    line = one_error_line(err)
    assert "p.yaml: benchmarks[0].model: unknown model 'silf'" in line
    assert not (tmp_path / "results").exists()


def test_malformed_yaml_is_one_line(capsys, tmp_path):
    p = plan(tmp_path, "name: p\nbenchmarks: [{task: noop, model: noop\n")
    rc, _, err = cli(capsys, tmp_path, "run", p)
    assert rc == 2
    assert "malformed YAML at line" in one_error_line(err)


def test_missing_plan_file(capsys, tmp_path):
    rc, _, err = cli(capsys, tmp_path, "run", str(tmp_path / "nope.yaml"))
    assert rc == 2 and "plan file not found" in one_error_line(err)


def test_missing_dataset_names_the_file_and_writes_nothing(capsys, tmp_path):
    p = plan(tmp_path, "name: p\nbenchmarks: [{task: noop, model: noop}, {task: shd, model: lif}]\n")
    rc, _, err = cli(capsys, tmp_path, "run", p, "--executor", "inline")
    assert rc == 2
    line = one_error_line(err)
    assert "shd" in line and "neurorepro data synth shd" in line
    assert not (tmp_path / "results").exists()  # not even the noop spec ran


def test_dry_run_then_run_then_nothing_left(capsys, tmp_path):
    p = plan(tmp_path, "name: p\nbenchmarks: [{task: noop, model: noop, seeds: [0, 1]}]\n")
    rc, out, _ = cli(capsys, tmp_path, "run", p, "--dry-run")
    assert rc == 0 and "2 specs, 0 done, 2 to run" in out and out.count(" todo ") == 2
    rc, out, _ = cli(capsys, tmp_path, "run", p, "--executor", "inline")
    assert rc == 0 and "executed 2 benchmarks (2 ok)" in out
    rc, out, _ = cli(capsys, tmp_path, "run", "p", "--executor", "inline")  # by registered name
    assert rc == 0 and "executed 0 benchmarks" in out
    rc, out, _ = cli(capsys, tmp_path, "run", p, "--dry-run")
    assert "2 specs, 2 done, 0 to run" in out


def test_unknown_registered_plan(capsys, tmp_path):
    rc, _, err = cli(capsys, tmp_path, "run", "smok")
    assert rc == 2 and "unknown plan 'smok'" in one_error_line(err)


@pytest.mark.parametrize("kind", ["tasks", "models", "protocols", "emulators", "plans", "datasets"])
def test_list_kinds(capsys, tmp_path, kind):
    rc, out, _ = cli(capsys, tmp_path, "list", kind)
    assert rc == 0 and out.startswith(f"{kind} (")


def test_dry_run_without_data_marks_specs_and_names_the_file(capsys, tmp_path):
    p = plan(tmp_path, "name: p\nbenchmarks: [{task: noop, model: noop}, {task: shd, model: lif}]\n")
    rc, out, err = cli(capsys, tmp_path, "run", p, "--dry-run")
    assert rc == 0
    assert out.count(" todo ") == 1 and out.count(" nodata ") == 1 and "(needs data)" in out
    assert "keys of the 'shd' specs need the data" in err and "neurorepro data synth shd" in err
