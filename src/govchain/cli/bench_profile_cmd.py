"""``govchain bench profile``: one validator's CPU per committed tx, by stage (py-spy samples).

Kept apart from ``bench_cmd`` (which registers it) so that module stays small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.bench.mix import MIX_NAMES
from govchain.bench.profile import NOISY_SHARE, ProfileSettings, run_profile_bench
from govchain.cli.bench_print import stage_spinner
from govchain.cli.console import console, fail, print_json, reports_errors

__all__ = ["profile"]


@reports_errors
def profile(
    rate: float = typer.Option(
        150.0, "--rate", min=1, max=20_000, help="Offered tx/s (keep it below the sustained rate)."
    ),
    seconds: float = typer.Option(20.0, "--seconds", min=3, max=600, help="Seconds sampled."),
    validators: int = typer.Option(4, "--validators", min=1, max=16, help="Validator processes."),
    suite: str = typer.Option("gm", "--suite", help="gm or intl."),
    clients: int = typer.Option(2, "--clients", min=1, max=16, help="Load client processes."),
    node: int = typer.Option(0, "--node", min=0, help="The validator sampled (0 = node0)."),
    hz: int = typer.Option(
        100,
        "--hz",
        min=10,
        max=200,
        help="Samples per second per thread (each pauses the validator for a moment).",
    ),
    mix: str = typer.Option(
        "notary", "--mix", help=f"The txs offered, as bench cluster's: {', '.join(MIX_NAMES)}."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    directory: Path | None = typer.Option(
        None, "--dir", help="Lay the network out here (kept); default: a temporary directory."
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary network directory."),
    samples: Path | None = typer.Option(
        None, "--samples-out", help="Keep py-spy's raw samples here (collapsed stacks)."
    ),
) -> None:
    """Microseconds of one validator's CPU per committed tx, by stage of a tx's life (intake,
    gossip, proposal, validation, execution per service, state tree, receipts, storage, WAL,
    consensus), from py-spy samples of a fresh local network under a steady load. Stages a
    block costs once are also given per block."""
    if suite not in ("gm", "intl"):
        fail(f"unknown suite {suite!r}: gm or intl")
    if mix not in MIX_NAMES:
        fail(f"unknown mix {mix!r}: {', '.join(MIX_NAMES)}")
    if node >= validators:
        fail(f"--node {node}: the network has validators 0 to {validators - 1}")
    settings = ProfileSettings(
        rate, seconds, validators, suite, clients, node, hz, mix, directory, keep, samples
    )
    with stage_spinner(json_out) as report:
        try:
            result = run_profile_bench(settings, report)
        except KeyboardInterrupt:
            fail("interrupted; every process the bench started is stopped")
    if json_out:
        print_json(result)
        return
    print_profile(result)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,}"


def print_profile(result: dict[str, Any]) -> None:
    """The stage table and the figures around it, for a person."""
    table = Table(
        title=f"bench profile: {result['node']} of {result['validators']} validators, "
        f"{result['suite']}, mix {result['mix']}, {result['committed_tps']:,} tx/s committed"
    )
    for column in ("stage", "share %", "µs per tx", "µs per block"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in result["stages"]:
        table.add_row(
            row["stage"], f"{row['share_percent']}", _number(row["us_per_tx"]),
            _number(row["us_per_block"]),
        )  # fmt: skip
    console.print(table)
    for row in result["disk_waits"]:
        console.print(
            f"waiting on the disk in {row['stage']}: {_number(row['ms_per_block'])} ms per block"
            " (wall time, not CPU)",
            highlight=False,
        )
    console.print(
        f"{result['node']}: {result['node_cpu_percent']}% of a core, "
        f"{_number(result['node_cpu_us_per_tx'])} µs per committed tx = "
        f"{_number(result['cpu_per_tx_in_signatures'])} signature checks "
        f"({_number(result['signature_us'])} µs each); {result['committed']:,} txs in "
        f"{result['blocks']:,} blocks ({_number(result['txs_per_block'])} per block) in "
        f"{result['window_s']} s; {result['samples']:,} samples",
        highlight=False,
    )
    decisions = result.get("decisions_received") or {}
    if decisions:
        console.print(
            "decided blocks received whole during the run (a validator that lags gets them; "
            "the sampled one lags most): "
            + ", ".join(f"{node} {count:,}" for node, count in sorted(decisions.items())),
            highlight=False,
        )
    if result["noisy"]:
        console.print(
            f"noisy: other processes took {100 * result['others_cpu_share']:.0f}% of the machine "
            f"(more than {100 * NOISY_SHARE:.0f}%); do not use this run for the table",
            style="yellow",
            highlight=False,
        )
