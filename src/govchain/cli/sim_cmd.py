"""``govchain sim``: real consensus cores under seeded faults and Byzantine validators."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.consensus.events import MUTANTS
from govchain.sim.runner import SeedResult, SimConfig, Summary, run_seeds, shrink
from govchain.sim.set_schedule import MAX_SPARES

WRONG_HEIGHT_SET = "wrong-height-set"

MAX_VALIDATORS = 31


@reports_errors
def sim(
    seeds: int = typer.Option(100, "--seeds", min=1, help="How many seeds to run."),
    validators: int = typer.Option(
        4, "--validators", min=1, max=MAX_VALIDATORS, help="Validators, equal power."
    ),
    byzantine: int | None = typer.Option(
        None, "--byzantine", min=0, help="Byzantine validators (default: f, the most tolerated)."
    ),
    mutant: str | None = typer.Option(
        None,
        "--mutant",
        help=f"Break one rule of the core to test the checker: {', '.join(MUTANTS)}.",
    ),
    set_changes: bool = typer.Option(
        False,
        "--set-changes",
        help="Change the validator set during the fault phase: add spares, remove members "
        "(the Byzantine one keeps signing), change power.",
    ),
    spares: int = typer.Option(
        2,
        "--spares",
        min=0,
        max=MAX_SPARES,
        help="With --set-changes: validator instances outside the genesis set, to add.",
    ),
    first_seed: int = typer.Option(0, "--first-seed", min=0, help="Run seeds from this one."),
    jobs: int = typer.Option(1, "--jobs", min=1, max=64, help="Processes to run seeds on."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run seeds of the deterministic simulator and check every safety and liveness claim.

    Each seed's plan holds random partitions, crashes and storms and, in 60% of
    the seeds, a targeted split-lock window in which the Byzantine validators
    split the honest ones around a lock (docs/spec/consensus.md).

    Exits 0 only when no violation was found; with --mutant, only when the
    mutant was caught (a safety violation). With --mutant every seed runs, and
    the report gives how many seeds caught it, the seeds run per catch and the
    first catching seed. A failure (with --mutant: the first catch) prints its
    seed and the smallest plan and trace that still fail.
    """
    f = (validators - 1) // 3
    if byzantine is not None and byzantine > f:
        fail(f"--byzantine {byzantine}: {validators} validators tolerate at most f = {f}")
    if mutant is not None and mutant not in MUTANTS:
        fail(f"--mutant {mutant!r}: expected one of {', '.join(MUTANTS)}")
    if mutant == WRONG_HEIGHT_SET and not set_changes:
        fail(f"--mutant {mutant}: only a run whose set changes can catch it; add --set-changes")
    config = SimConfig(
        validators=validators,
        byzantine=byzantine,
        mutant=mutant,
        set_changes=set_changes,
        spares=spares,
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task(f"sim {validators} validators", total=seeds)

        def advance(result: SeedResult) -> None:
            progress.advance(task)
            if result.failed:
                progress.update(task, description=f"seed {result.seed}: {result.failure_kind()}")

        seed_range = range(first_seed, first_seed + seeds)
        summary = run_seeds(seed_range, config, jobs=jobs, on_result=advance)
    failure = summary.first_catch if mutant is not None else None
    if failure is None and summary.failures:
        failure = summary.failures[0]
    shrunk = shrink(failure, config) if failure is not None else None
    if json_out:
        report = summary.to_json()
        report["failed_seeds"] = [r.seed for r in summary.failures]
        if shrunk is not None:
            report["smallest_failure"] = _failure_json(shrunk)
        print_json(report)
    else:
        _print_summary(summary, shrunk)
    if not summary.passed:
        raise typer.Exit(1)


def _failure_json(result: SeedResult) -> dict[str, object]:
    return {
        "seed": result.seed,
        "kind": result.failure_kind(),
        "violations": [v.describe() for v in result.violations],
        "liveness_failure": result.liveness_failure,
        "byzantine": {str(i): list(b) for i, b in sorted(result.roles.byzantine.items())},
        "faults": result.fault_lines(),
        "set_changes": result.set_change_lines,
        "trace": result.trace,
    }


def _print_summary(summary: Summary, shrunk: SeedResult | None) -> None:
    report = summary.to_json()
    table = Table(title="simulation")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("seeds_run", "validators", "byzantine", "heights_committed"):
        table.add_row(key, f"{report[key]:,}")
    table.add_row("set_changes", "yes" if summary.config.set_changes else "no")
    table.add_row("safety_violations", str(report["safety_violations"]))
    table.add_row("liveness_failures", str(report["liveness_failures"]))
    if summary.config.mutant is not None:
        table.add_row("mutant", summary.config.mutant)
        table.add_row("mutant_caught", "yes" if summary.mutant_caught else "NO")
        table.add_row("mutant_catches", f"{summary.catches:,}")
        per_catch = summary.seeds_per_catch
        table.add_row("seeds_per_catch", "-" if per_catch is None else f"{per_catch:.2f}")
        first = report["first_catch_seed"]
        table.add_row("first_catch_seed", "-" if first is None else str(first))
    console.print(table)
    faults = Table(title="faults injected")
    faults.add_column("fault")
    faults.add_column("count", justify="right")
    for name, count in sorted(summary.faults.items()):
        faults.add_row(name, f"{count:,}")
    console.print(faults)
    if shrunk is None:
        return
    console.print(f"[bold]seed {shrunk.seed}[/]: {shrunk.failure_kind()} (smallest plan and roles)")
    for violation in shrunk.violations[:3]:
        console.print(f"  {violation.describe()}", highlight=False)
    if shrunk.liveness_failure:
        console.print(f"  {shrunk.liveness_failure}", highlight=False)
    for node, behaviours in sorted(shrunk.roles.byzantine.items()):
        console.print(f"  Byzantine v{node}: {', '.join(behaviours) or 'none'}", highlight=False)
    for line in shrunk.fault_lines():
        console.print(f"  fault: {line}", highlight=False)
    for line in shrunk.set_change_lines:
        console.print(f"  {line}", highlight=False)
    console.print("trace (last lines about the failing height):")
    for line in shrunk.trace:
        console.print(f"  {line}", highlight=False, soft_wrap=True)
