"""``govchain bench contracts``: contract calls per second and fuel per call, against the
notarizations the same network commits in the same run.

Kept apart from ``bench_cmd`` (which registers it) so that module stays small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.bench.contracts import MAX_TXS, ContractsSettings, run_contracts_bench
from govchain.cli.bench_print import stage_spinner
from govchain.cli.console import console, fail, print_json, reports_errors

__all__ = ["contracts"]


@reports_errors
def contracts(
    validators: int = typer.Option(4, "--validators", min=1, max=16, help="Validator processes."),
    suite: str = typer.Option("gm", "--suite", help="gm or intl."),
    calls: int = typer.Option(
        1000, "--calls", min=1, max=MAX_TXS, help="Contract calls to offer (signed ahead)."
    ),
    notarizations: int = typer.Option(
        1000, "--notarizations", min=1, max=MAX_TXS, help="Notarizations to offer (reference)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    directory: Path | None = typer.Option(
        None, "--dir", help="Lay the network out here (kept); default: a temporary directory."
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary network directory."),
) -> None:
    """Calls per second of a small WebAssembly contract (read, write, event) and the fuel per
    call, against notarizations per second on the same fresh network in the same run.
    The contract is submitted, approved by a majority of the member admins and deployed first."""
    settings = ContractsSettings(validators, suite, calls, notarizations, directory, keep)
    with stage_spinner(json_out) as report:
        try:
            result = run_contracts_bench(settings, report)
        except KeyboardInterrupt:
            fail("interrupted; every process the bench started is stopped")
    if json_out:
        print_json(result)
        return
    _print_contracts(result)


def _print_contracts(result: dict[str, Any]) -> None:
    table = Table(
        title=f"bench contracts: {result['validators']} validators, {result['suite']}, "
        f"{result['cores']} cores"
    )
    for column in ("phase", "committed", "failed", "blocks", "seconds", "per s"):
        table.add_column(column, justify="right")
    for phase in ("calls", "notarizations"):
        figures = result[phase]
        table.add_row(
            phase, f"{figures['committed']:,} of {figures['offered']:,}", str(figures["failed"]),
            str(figures["blocks"]), f"{figures['seconds']:,}", f"{figures['per_s']:,}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{result['contract']}.{result['method']} ({result['module_bytes']} bytes): "
        f"{result['fuel_per_call']:,} fuel per call; the block budget of "
        f"{result['block_fuel']:,} fuel holds {result['calls_per_block_fuel']:,} such calls; "
        f"calls / notarizations = {result['calls_to_notarizations']}",
        highlight=False,
    )
    for phase in ("calls", "notarizations"):
        if result[phase]["first_error"]:
            console.print(f"first {phase} error: {result[phase]['first_error']}", highlight=False)
