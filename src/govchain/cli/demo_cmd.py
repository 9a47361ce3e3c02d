"""``govchain demo``: the systems and runs that show enterprise setup on one machine (issue 18).

``demo department`` serves one made-up department system over HTTP (JSON),
as an adapter sees a real one from outside (docs/spec/workflow.md,
"Department systems (demo)"). ``demo enterprise-setup`` runs the whole
enterprise-setup flow on one machine (``govchain.enterprise_demo``); ``demo
seed`` puts a small demo on a running network once (what ``make run`` shows).
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.client.sdk import NodeClient
from govchain.demo import KINDS, DepartmentConfig, DepartmentSystem, start_department_server
from govchain.demo.department import MAX_DELAY_MS, rate_to_basis_points
from govchain.enterprise_demo import (
    DemoOptions,
    DemoRun,
    demo_json,
    run_enterprise_setup,
    run_succeeded,
    table_rows,
)
from govchain.enterprise_demo import Progress as RunProgress
from govchain.enterprise_demo.plan import MATTERS, MAX_CASES
from govchain.enterprise_demo.report import TABLE_COLUMNS
from govchain.enterprise_demo.seed import SEED_DIR, SEED_FILE, seed_demo
from govchain.node.netinit import read_layout

app = typer.Typer(
    help="Demo systems and runs: enterprise setup on one machine.", no_args_is_help=True
)


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@app.command("department")
@reports_errors
def department(
    kind: str = typer.Option(..., "--kind", help=f"The department: {'|'.join(KINDS)}."),
    port: int = typer.Option(..., "--port", min=0, max=65535, help="Port; 0 picks a free one."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    delay_ms: int = typer.Option(
        0, "--delay-ms", min=0, max=MAX_DELAY_MS, help="Wait this long before each answer."
    ),
    reject_rate: float = typer.Option(
        0.0, "--reject-rate", min=0.0, max=1.0, help="Share of steps rejected (0 to 1)."
    ),
    return_rate: float = typer.Option(
        0.0,
        "--return-rate",
        min=0.0,
        max=1.0,
        help="Share of first attempts returned for correction (0 to 1).",
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Seed of which steps are rejected and of the numbers issued."
    ),
) -> None:
    """Serve a demo department system (POST /v1/cases, GET /v1/health) until SIGTERM or Ctrl-C.

    Each case step gets an answer: approved with the fields of the
    department's output asset (examples/asset-types), rejected, or returned
    for correction (a form that lacks what the output needs is returned,
    naming the field). With "callback" in the request the answer is 202 and
    the same JSON is POSTed to that URL later. Which steps are rejected or
    returned follows a hash of --seed, case and step; a repeated request
    gets the first answer again. The first line printed is the system's
    URL; then one line per request (no personal data). Demo data only.
    """
    if kind not in KINDS:
        fail(f"--kind {kind}: expected one of {'|'.join(KINDS)}")
    config = DepartmentConfig(
        kind=kind,
        seed=seed,
        reject_bp=rate_to_basis_points(reject_rate),
        return_bp=rate_to_basis_points(return_rate),
        delay_ms=delay_ms,
    )
    system = DepartmentSystem(config)
    try:
        server = start_department_server(system, host, port, _print_line)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        _print_line(f"demo department {kind} ({config.department}): {server.url}")
        while not stop.wait(1.0):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _print_line(f"demo department {kind} stopped")


@app.command("seed")
@reports_errors
def seed(
    directory: Path = typer.Option(
        ..., "--dir", help="A running network laid out with govchain net init --demo."
    ),
) -> None:
    """Seed a running demo network once: the departments' asset types and matters, the
    enterprise-setup process, a demo enterprise with a locker, and one case of it in progress.

    No department system runs, so the case waits at its first step. Each
    stage is recorded in DIR/demo/seed.json when done: run again, it seeds
    nothing. SIGTERM or Ctrl-C stops it at the end of the stage in progress
    (a later run goes on from there). govchain net up --with-console runs
    it. Demo data only.
    """
    layout = read_layout(directory)
    urls = [node.api_url for node in layout.nodes]
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # taken between stages: a stage is never cut short

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    with NodeClient(urls, ca_bundle=layout.ca_bundle) as node:
        seeded = seed_demo(node, layout, _print_line, stop.is_set)
    what = "already seeded" if seeded.already else "seeded"
    _print_line(
        f"{what}: case {seeded.case} of {seeded.enterprise_name} "
        f"(see {directory / SEED_DIR / SEED_FILE})"
    )


@app.command("enterprise-setup")
@reports_errors
def enterprise_setup(
    directory: Path | None = typer.Option(
        None, "--dir", help="A new or empty directory for the run (default: a temporary one)."
    ),
    cases: int = typer.Option(3, "--cases", min=1, max=MAX_CASES, help="Applications to run."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    delay_ms: int = typer.Option(
        0, "--delay-ms", min=0, max=MAX_DELAY_MS, help="Each department system's answer delay."
    ),
    reject_rate: float = typer.Option(
        0.0, "--reject-rate", min=0.0, max=1.0, help="Share of steps the systems reject (0 to 1)."
    ),
    return_rate: float = typer.Option(
        0.0, "--return-rate", min=0.0, max=1.0, help="Share of first attempts returned (0 to 1)."
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary directory afterwards."),
) -> None:
    """Run enterprise setup (企业开办) end to end on this machine, then stop everything.

    Lays out a network whose members are the seven departments, the window
    (综合窗口) and a regulator (4 validators, 2 storage nodes); defines the
    seven asset types and matters, publishes
    examples/processes/enterprise-setup.toml; starts the seven demo department
    systems and their adapters; applies --cases applications at the window for
    demo enterprises; follows them (a progress bar); prints a table per case
    (state, steps, time per step, outputs in the locker, overdue,
    interventions); verifies every output's receipt offline against the
    genesis. Every process it started is stopped, also on Ctrl-C or an error.
    Exit 0 only when every case completed and every receipt verified. With
    --json: {"cases": [{"case", "state", "steps", "outputs", "overdue",
    "interventions", ...}], "completed", "outputs", "verified", "network", "ok"}.
    Demo data only.
    """
    options = DemoOptions(cases, delay_ms, reject_rate, return_rate)
    with _run_directory(directory, keep, json_out) as where, _sigterm_interrupts():
        run = _run_with_progress(where, options, json_out)
    if json_out:
        print_json(demo_json(run.outcomes, run.network))
    else:
        _print_table(run)
    if not run_succeeded(run.outcomes):
        raise typer.Exit(1)


def _run_with_progress(where: Path, options: DemoOptions, json_out: bool) -> DemoRun:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    total = options.cases * len(MATTERS)
    with Progress(*columns, console=console, transient=True, disable=json_out) as bar:
        task = bar.add_task("starting", total=total)

        def stage(text: str) -> None:
            bar.update(task, description=text)
            if not json_out:
                console.print(f"[dim]{text}[/dim]", highlight=False)

        def steps(done: int, _all: int) -> None:
            bar.update(task, completed=done, description="running the cases (steps done)")

        try:
            return run_enterprise_setup(where, options, RunProgress(stage, steps))
        except KeyboardInterrupt:
            fail("interrupted; every process the demo started is stopped")
        except (RuntimeError, TimeoutError) as exc:
            fail(f"the demo stopped: {exc}")


def _print_table(run: DemoRun) -> None:
    table = Table(title="enterprise setup (企业开办), demo")
    for column in TABLE_COLUMNS:
        table.add_column(column, overflow="fold")
    for row in table_rows(run.outcomes):
        table.add_row(*row)
    console.print(table)
    verdict = (
        "every case completed, every receipt verified"
        if run_succeeded(run.outcomes)
        else ("not every case completed with verified outputs")
    )
    console.print(f"{verdict}; run directory: {run.directory}")


@contextmanager
def _run_directory(directory: Path | None, keep: bool, quiet: bool) -> Iterator[Path]:
    """The given directory (new or empty, kept) or a temporary one (removed unless ``keep``)."""
    if directory is not None:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            fail(f"--dir {directory}: expected a new or empty directory")
        directory.mkdir(parents=True, exist_ok=True)
        yield directory
        return
    made = Path(tempfile.mkdtemp(prefix="govchain-demo-"))
    try:
        yield made
    finally:
        if keep:
            if not quiet:
                console.print(f"kept {made}")
        else:
            shutil.rmtree(made, ignore_errors=True)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so the run stops what it started, as on Ctrl-C."""

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
