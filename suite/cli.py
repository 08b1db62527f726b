"""The ``neurorepro`` command line.

Errors a user can cause print as one line on stderr and exit with status 2; an unexpected error
exits with status 1 and one line, unless ``--debug`` asks for the traceback. ``report`` and
``leaderboard`` still write their output from a store holding unreadable record files, print one
warning line per file and exit with status 3 (:data:`EXIT_STORE_PROBLEMS`), so that a pipeline
notices the results it could not read.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from suite.errors import NeuroReproError
from suite.registry import KINDS, Registry, build_registry

log = logging.getLogger("neurorepro")

EXIT_STORE_PROBLEMS = 3


def _report_problems(store: Any) -> None:
    """One warning line per unreadable record file; exit 3 if there was any."""
    for problem in store.problems:
        click.echo(f"warning: {problem}", err=True)
    if store.problems:
        raise click.exceptions.Exit(EXIT_STORE_PROBLEMS)


class Settings:
    def __init__(self, root: Path, results: Path, data_root: Path, debug: bool) -> None:
        self.root, self.results, self.data_root, self.debug = root, results, data_root, debug
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = build_registry(self.root)
        return self._registry


pass_settings = click.make_pass_decorator(Settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project directory: plans/ are found here.",
)
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="NEUROREPRO_RESULTS",
    default=None,
    help="Results store [default: ROOT/results].",
)
@click.option(
    "--data-root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="NEUROREPRO_DATA",
    default=None,
    help="Datasets directory [default: ROOT/datasets].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, root: Path, results: Path | None, data_root: Path | None, debug: bool) -> None:
    """NeuroRepro: reproduce neuromorphic papers, compare models, publish leaderboards."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    root = root.resolve()
    ctx.obj = Settings(root, (results or root / "results").resolve(), (data_root or root / "datasets").resolve(), debug)


# -- list -------------------------------------------------------------------------------------


@cli.command("list")
@click.argument("kind", required=False, type=click.Choice([*KINDS, "all"]), default="all")
@pass_settings
def list_cmd(s: Settings, kind: str) -> None:
    """List registered names (never imports torch, jax or ray)."""
    reg = s.registry
    for k in KINDS if kind == "all" else [kind]:
        if k == "claims":
            _list_claims(reg, detailed=kind == "claims")
            continue
        entries = reg.entries(k)
        click.echo(f"{k} ({len(entries)}):")
        for e in entries:
            desc = e.meta.get("description") or e.meta.get("path") or ""
            extra = f" [{e.meta['framework']}]" if k == "models" and e.meta.get("framework") else ""
            extra += f" -> {e.meta['protocol']}" if k == "tasks" else ""
            click.echo(f"  {e.name}{extra}  {desc}".rstrip())
    for msg in reg.load_errors:
        click.echo(f"warning: {msg}", err=True)


def _list_claims(reg: Registry, detailed: bool) -> None:
    from suite.claims import load_claims

    claims = load_claims(reg)
    click.echo(f"claims ({len(claims)}):")
    if not detailed:
        return
    for c in claims:
        click.echo("  " + c.summary())


# -- run --------------------------------------------------------------------------------------


@cli.command()
@click.argument("plan")
@click.option("--dry-run", is_flag=True, help="Print the expanded specs, their keys and which are done.")
@click.option("--executor", type=click.Choice(["ray", "inline"]), default="ray", show_default=True)
@click.option("--address", default=None, help="Join a Ray cluster: 'auto' or HOST:PORT [default: embedded].")
@click.option("--num-cpus", type=int, default=None, help="CPUs of the embedded Ray cluster [default: all].")
@click.option("--force", is_flag=True, help="Re-run specs that already have an ok record.")
@click.option("--seeds", default=None, help="Comma-separated seeds replacing every benchmark's seeds, e.g. 0,1,2.")
@click.option("--scale", default=None, help="Scale replacing every benchmark's scale (smoke, paper, ...).")
@pass_settings
def run(
    s: Settings,
    plan: str,
    dry_run: bool,
    executor: str,
    address: str | None,
    num_cpus: int | None,
    force: bool,
    seeds: str | None,
    scale: str | None,
) -> None:
    """Run PLAN (a plan file or a registered plan name)."""
    from suite.runner.driver import prepare, run_plan
    from suite.spec import load_plan, resolve_plan_path
    from suite.store import Store

    reg = s.registry
    p = load_plan(resolve_plan_path(plan, reg), reg, seeds=_parse_seeds(seeds), scale=scale or None)
    store = Store(s.results)
    state = prepare(p, reg, store, s.data_root, force=force, missing_ok=dry_run)
    if dry_run:
        _print_dry_run(state)
        return
    todo = state.todo
    if not todo:
        click.echo(f"plan '{p.name}': all {len(state.items)} specs already done; executed 0 benchmarks")
        return
    ex = _executor(executor, address, num_cpus)
    context = {"root": str(s.root), "data_root": str(s.data_root), "plugins": None, "scratch": None}
    summary = _with_progress(lambda cb: run_plan(state, store, ex, context, on_record=cb), len(todo), p.name)
    click.echo(summary.line())
    click.echo(f"records: {store.plan_dir(p.name)}")
    for problem in store.problems:
        click.echo(f"warning: {problem}", err=True)


def _executor(kind: str, address: str | None, num_cpus: int | None) -> Any:
    if kind == "ray":
        from suite.runner.ray_runner import RayExecutor

        return RayExecutor(address, num_cpus=num_cpus)
    from suite.runner.inline import InlineExecutor

    return InlineExecutor()


def _parse_seeds(text: str | None) -> list[int] | None:
    if text is None or not text.strip():
        return None
    try:
        return [int(x) for x in text.replace(" ", ",").split(",") if x]
    except ValueError:
        raise click.BadParameter(f"--seeds must be comma-separated integers, got {text!r}") from None


def _print_dry_run(state: Any) -> None:
    click.echo(f"plan '{state.plan.name}': {len(state.items)} specs, {len(state.done)} done, {len(state.todo)} to run")
    click.echo(f"{'key':<20}  {'status':<6}  {'task':<16} {'model':<14} {'emulator':<9} {'scale':<6} seed")
    for it in state.items:
        sp = it.spec
        status = "done" if it.key in state.done else "todo" if it.key else "nodata"
        key = it.key or "(needs data)"
        click.echo(f"{key:<20}  {status:<6}  {sp.task:<16} {sp.model:<14} {sp.emulator:<9} {sp.scale:<6} {sp.seed}")
    for dataset, why in state.missing_data.items():
        click.echo(f"warning: keys of the '{dataset}' specs need the data: {why}", err=True)


def _with_progress(fn: Any, total: int, plan: str) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    counts = {"failed": 0}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TextColumn("left {task.fields[left]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        bar = progress.add_task(plan, total=total, failed=0, left=total)
        done = 0
        t0 = time.perf_counter()

        def on_record(rec: dict[str, Any]) -> None:
            nonlocal done
            done += 1
            counts["failed"] += rec["status"] != "ok"
            progress.update(bar, advance=1, failed=counts["failed"], left=total - done)
            if not console.is_terminal:
                sp = rec["spec"]
                acc = rec["metrics"].get("accuracy")
                acc_s = f" accuracy={acc:.3f}" if isinstance(acc, float) else ""
                click.echo(
                    f"[{done}/{total} {time.perf_counter() - t0:6.1f}s] {rec['status']:<8} "
                    f"{sp['task']}/{sp['model']}/{sp['emulator']} seed={sp['seed']}{acc_s}",
                    err=True,
                )

        return fn(on_record)


# -- leaderboard ------------------------------------------------------------------------------


@cli.command()
@click.option("--plan", "plans", multiple=True, help="Only these plans [default: all].")
@pass_settings
def leaderboard(s: Settings, plans: tuple[str, ...]) -> None:
    """Print the per-task leaderboard (mean ± std over seeds, n) from the store."""
    from suite.report import leaderboard_text
    from suite.store import Store

    store = Store(s.results)
    df = store.consolidate(plans or None)
    click.echo(leaderboard_text(df))
    _report_problems(store)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Report directory [default: RESULTS/report].",
)
@click.option("--plan", "plans", multiple=True, help="Only these plans [default: all].")
@pass_settings
def report(s: Settings, out: Path | None, plans: tuple[str, ...]) -> None:
    """Write the HTML report, Markdown tables, figures and metrics.json from the store."""
    from suite.claims import load_claims
    from suite.provenance import cpu_model
    from suite.report import build_report
    from suite.store import Store

    reg = s.registry
    store = Store(s.results)
    df = store.consolidate(plans or None)
    from suite.report.figures import figure_functions

    figure_fns = figure_functions(reg)
    index = build_report(
        df, out or s.results / "report", claims=load_claims(reg), figure_fns=figure_fns, machine=cpu_model()
    )
    click.echo(f"report: {index}")
    _report_problems(store)


@cli.command()
@click.option("--task", required=True, help="Task to compare on.")
@click.option("--model", required=True, help="The new model.")
@click.option(
    "--baselines",
    default="all",
    show_default=True,
    help="'all' (every model supporting the task's protocol), 'none', or a comma list.",
)
@click.option("--seeds", default="0,1", show_default=True)
@click.option("--scale", default="smoke", show_default=True)
@click.option("--emulator", default="ideal", show_default=True)
@click.option("--executor", type=click.Choice(["ray", "inline"]), default="ray", show_default=True)
@click.option("--address", default=None, help="Join a Ray cluster: 'auto' or HOST:PORT.")
@pass_settings
def compare(
    s: Settings,
    task: str,
    model: str,
    baselines: str,
    seeds: str,
    scale: str,
    emulator: str,
    executor: str,
    address: str | None,
) -> None:
    """Run (or reuse from the store) MODEL and the baselines on TASK; print and write the comparison."""
    import pandas as pd

    from suite.compare import comparison_plan
    from suite.report.aggregate import task_tables
    from suite.report.leaderboard import leaderboard_markdown, leaderboard_text
    from suite.runner.driver import prepare, run_plan
    from suite.store import Store, atomic_write_text, flatten

    reg = s.registry
    for kind, name in (("tasks", task), ("models", model), ("emulators", emulator)):
        reg.get(kind, name)  # unknown names: one line with a suggestion
    plan = comparison_plan(
        reg, task, model, baselines=baselines, seeds=_parse_seeds(seeds) or [0], scale=scale, emulator=emulator
    )
    store = Store(s.results)
    state = prepare(plan, reg, store, s.data_root)
    if state.todo:
        ex = _executor(executor, address, None)
        context = {"root": str(s.root), "data_root": str(s.data_root), "plugins": None, "scratch": None}
        summary = _with_progress(
            lambda cb: run_plan(state, store, ex, context, on_record=cb), len(state.todo), plan.name
        )
        click.echo(summary.line())
    else:
        click.echo(f"all {len(state.items)} specs found in the store; executed 0 benchmarks")
    df = pd.DataFrame([flatten(r) for r in store.find(it.key for it in state.items)])
    click.echo(leaderboard_text(df))
    out = s.results / "compare" / f"{task}--{model}.md"
    atomic_write_text(out, f"# {model} vs baselines on {task}\n\n" + leaderboard_markdown(task_tables(df)))
    click.echo(f"comparison: {out}")


# -- data -------------------------------------------------------------------------------------


@cli.group()
def data() -> None:
    """Synthesise or verify datasets under the data root."""


@data.command("synth")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every dataset that has an offline generator.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--versions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write {dataset: checksum} as JSON here (the DVC data stage's output).",
)
@click.option("--plan", "plans", multiple=True, help="The datasets these plans' tasks use (repeatable).")
@pass_settings
def data_synth(
    s: Settings, names: tuple[str, ...], all_: bool, seed: int, versions: Path | None, plans: tuple[str, ...]
) -> None:
    """Write offline stand-ins in each dataset's real on-disk format (idempotent).

    NAMES, the datasets of ``--plan`` plans, or with ``--all`` (or nothing given) every dataset.
    """
    import json

    from suite.data import get_dataset
    from suite.spec import load_plan, resolve_plan_path
    from suite.store import atomic_write_text

    reg = s.registry
    wanted = list(names)
    for plan in plans:
        for spec in load_plan(resolve_plan_path(plan, reg), reg).specs:
            dataset = reg.get("tasks", spec.task).meta.get("dataset")
            if dataset and dataset not in wanted:
                wanted.append(dataset)
    targets = reg.names("datasets") if all_ or not (names or plans) else wanted
    found = {}
    for name in targets:
        ds = get_dataset(reg, name)
        written = ds.synthesize(s.data_root, seed=seed)
        found[name] = ds.version(s.data_root)
        click.echo(f"{name}: {'wrote ' + str(len(written)) + ' files' if written else 'up to date'} ({found[name]})")
    if versions is not None:
        atomic_write_text(versions, json.dumps(found, indent=2, sort_keys=True) + "\n")


@data.command("verify")
@click.argument("names", nargs=-1)
@pass_settings
def data_verify(s: Settings, names: tuple[str, ...]) -> None:
    """Check datasets against their checksums and layouts."""
    from suite.data import get_dataset

    reg = s.registry
    for name in names or reg.names("datasets"):
        ds = get_dataset(reg, name)
        ds.verify(s.data_root)
        click.echo(f"{name}: ok ({ds.version(s.data_root)})")


# -- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="neurorepro", standalone_mode=False)
        if isinstance(rv, int):  # click returns a command's Exit code instead of raising it
            return rv
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except NeuroReproError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("interrupted; finished records are kept, re-run the same command to resume", err=True)
        return 130
    except Exception as exc:
        if debug:
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(
            f"error: internal error {type(exc).__name__}: {msg} (re-run with --debug for the traceback)", err=True
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
