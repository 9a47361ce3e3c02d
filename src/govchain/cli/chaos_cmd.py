"""``govchain chaos``: real node processes under seeded faults; exit 0 only if nothing was lost."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from govchain.chaos.run import ChaosConfig, ChaosReport, run_chaos
from govchain.cli.console import console, fail, print_json, reports_errors

MAX_VALIDATORS = 16


@reports_errors
def chaos(
    validators: int = typer.Option(
        4, "--validators", min=4, max=MAX_VALIDATORS, help="Validator processes (at least 4)."
    ),
    duration: int = typer.Option(
        60,
        "--duration",
        min=10,
        max=24 * 3600,
        help="Seconds of faults (the first three always run).",
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the fault plan and the load."),
    clients: int = typer.Option(
        3, "--clients", min=1, max=64, help="Client threads submitting txs."
    ),
    halt: bool = typer.Option(
        False, "--halt", help="Add the marked phase that takes down f+1 validators on purpose."
    ),
    directory: Path | None = typer.Option(
        None, "--dir", help="Lay the network out here (new or empty); default a temp directory."
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the network directory afterwards."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object last."),
) -> None:
    """Run a local network through kills, hangs, partitions, delay, loss, torn WALs and a
    validator-set change (the members vote a validator's new power).

    Clients submit txs throughout. Afterwards every node's ledger is read from
    disk: every tx a client saw committed must be in all of them, all nodes
    must agree on every block hash and state root, and `ledger verify` must
    pass. Exits 0 only when nothing was lost or diverged, every check passed,
    and progress resumed after every fault. A failed run keeps its directory.
    """
    config = ChaosConfig(
        validators=validators,
        duration_s=duration,
        seed=seed,
        clients=clients,
        halt=halt,
        directory=directory,
        keep=keep,
    )
    say = None if json_out else (lambda line: console.print(line, highlight=False))
    report = run_chaos(config, say)
    if json_out:
        print_json(report.to_json())
    else:
        _show(report)
    if not report.ok:
        fail(f"chaos run failed (seed {seed}); the network is kept in {report.directory}")


def _show(report: ChaosReport) -> None:
    table = Table(title=f"chaos, seed {report.seed}: {'passed' if report.ok else 'FAILED'}")
    table.add_column("fault")
    table.add_column("at s", justify="right")
    table.add_column("recovered in s", justify="right")
    for fault in report.faults:
        recovery = "never" if fault.recovery_s is None else f"{fault.recovery_s:.1f}"
        if fault.halted is not None:
            recovery += " (halted)" if fault.halted else " (DID NOT HALT)"
        table.add_row(fault.description, f"{fault.start_s:.1f}", recovery)
    console.print(table)
    figures = report.to_json()
    for key in (
        "committed",
        "lost",
        "diverged",
        "kills",
        "stops",
        "partitions",
        "wal_truncations",
        "set_changes",
        "set_change_errors",
        "max_recovery_s",
        "unconfirmed",
        "ledger_verify",
    ):
        console.print(f"{key}: {figures[key]}", highlight=False)
