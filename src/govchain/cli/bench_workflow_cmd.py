"""``govchain bench workflow``: enterprise-setup cases per minute and the per-step overhead.

Kept apart from ``bench_cmd`` (which registers it) so that module stays small.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.bench.workflow import MAX_BENCH_CASES, WorkflowSettings, run_workflow_bench
from govchain.cli.console import console, fail, print_json, reports_errors

__all__ = ["workflow"]


@reports_errors
def workflow(
    cases: int = typer.Option(
        10, "--cases", min=1, max=MAX_BENCH_CASES, help="Applications, submitted together."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Enterprise-setup cases per minute end to end, and the per-step overhead the platform
    adds (ready to result committed, minus the department system's answer time); the txs per
    second that makes against the signature bound. Runs the demo of `govchain demo
    enterprise-setup` (4 validators, department systems answering at once) in a temporary
    directory."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("starting", total=None)
        try:
            result = run_workflow_bench(
                WorkflowSettings(cases), lambda stage: progress.update(task, description=stage)
            )
        except KeyboardInterrupt:
            fail("interrupted; every process the bench started is stopped")
        except (RuntimeError, TimeoutError) as exc:
            fail(f"the bench stopped: {exc}")
    if json_out:
        print_json(result)
        return
    _print_workflow(result)


def _print_workflow(result: dict[str, Any]) -> None:
    table = Table(
        title=f"bench workflow: {result['validators']} validators, {result['cases']} cases, "
        f"{result['cores']} cores"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    overhead = _pair(result["overhead_ms_p50"], result["overhead_ms_p90"])
    rows = (
        ("cases completed", f"{result['completed']} of {result['cases']}"),
        ("cases per minute", _value(result["cases_per_min"])),
        ("case p50 (opened to closed)", _value(result["case_ms_p50"], " ms")),
        ("step p50 / p90 (ready to result)", _pair(result["step_ms_p50"], result["step_ms_p90"])),
        ("department answer p50", _value(result["department_answer_ms_p50"], " ms")),
        ("platform overhead p50 / p90", overhead),
        ("txs per case", str(result["txs_per_case"])),
        ("tx/s / signature bound", f"{_value(result['tx_per_s'])} / {result['verify_bound_tps']}"),
        ("ratio to the bound", _value(result["bound_ratio"])),
    )
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _value(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:,}{unit}"


def _pair(first: float | None, second: float | None) -> str:
    return f"{_value(first)} / {_value(second)} ms"
