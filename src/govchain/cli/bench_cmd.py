"""``govchain bench``: reproducible performance figures."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.bench.crypto import run_crypto_bench
from govchain.bench.ledger import run_ledger_bench
from govchain.cli.console import console, fail, print_json, reports_errors

app = typer.Typer(help="Measure performance; figures, never pass/fail.")


@app.command("crypto")
@reports_errors
def crypto(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    seconds: float = typer.Option(1.0, "--seconds", min=0.1, max=60, help="Time per figure."),
) -> None:
    """Sign/verify rates (one thread and batched), hash and cipher MB/s, SM2 vs openssl speed."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("measuring", total=None)
        result = run_crypto_bench(seconds, lambda step: progress.update(task, description=step))
    if json_out:
        print_json(result)
        return
    table = Table(title=f"crypto on {result['machine']['cores']} cores")
    table.add_column("figure")
    for name in ("gm", "intl"):
        table.add_column(f"{name} ({result[name]['signature']})", justify="right")
    keys = [k for k in result["gm"] if k != "signature"]
    intl_keys = [k for k in result["intl"] if k != "signature"]
    for gm_key, intl_key in zip(keys, intl_keys, strict=True):
        label = gm_key if gm_key == intl_key else f"{gm_key} / {intl_key}"
        table.add_row(label, f"{result['gm'][gm_key]:,}", f"{result['intl'][intl_key]:,}")
    console.print(table)
    console.print(
        f"SM2 verify: ours {result['gm']['verify_per_s']:,}/s, openssl speed "
        f"{result['openssl_sm2_verify_per_s']}/s, ratio {result['sm2_verify_ratio_to_openssl']}"
        f" (target >= {result['targets']['sm2_verify_ratio_to_openssl']})"
    )


@app.command("ledger")
@reports_errors
def ledger(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    suite: str = typer.Option("gm", "--suite", help="gm or intl."),
    sizes: str = typer.Option("10000,100000,1000000", "--sizes", help="State tree sizes (keys)."),
    blocks: int = typer.Option(5, "--blocks", min=1, help="1,000-tx blocks to time (median)."),
) -> None:
    """State tree writes/s and proofs/s by size; 1,000-tx block commit vs signature checks."""
    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        fail(f"--sizes: expected comma-separated key counts, got {sizes!r}")
    if not counts or min(counts) < 1:
        fail("--sizes: give at least one positive key count")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("measuring", total=None)
        result = run_ledger_bench(
            counts, suite, lambda step: progress.update(task, description=step), blocks
        )
    if json_out:
        print_json(result)
        return
    table = Table(title=f"state tree ({suite})")
    for column in ("keys", "writes/s", "proofs/s"):
        table.add_column(column, justify="right")
    for size, figures in result["state_tree"].items():
        table.add_row(
            f"{int(size):,}", f"{figures['writes_per_s']:,}", f"{figures['proofs_per_s']:,}"
        )
    console.print(table)
    console.print(
        f"1,000-tx block, median of {result['blocks']}: apply and commit "
        f"{result['block_commit_ms']} ms (proposer adds {result['block_propose_ms']} ms); "
        f"1,000 signature checks {result['verify_1000_ms']} ms; "
        f"ratio {result['commit_to_verify_ratio']} (target <= 0.5)"
    )
