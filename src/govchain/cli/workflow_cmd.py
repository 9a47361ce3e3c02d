"""CLI of service ``workflow``: ``govchain matter`` and ``process`` (spec: workflow.md; cases:
``cli.case_cmd``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.process_files import load_process_file
from govchain.client.workflow import WorkflowClient
from govchain.contracts.workflow import MatterDefineArgs
from govchain.contracts.workflow.records import MATTER_PATTERN

__all__ = ["matter_app", "process_app"]


matter_app = typer.Typer(help="The matter list (事项清单): define a matter, list them, show one.")
process_app = typer.Typer(
    help="Processes: publish a TOML or BPMN 2.0 definition, show its per-step statistics."
)


@matter_app.command("define")
@reports_errors
def matter_define(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    file: Path = typer.Option(..., "--file", help="The matter (JSON: the args of the tx)."),
) -> None:
    """Define a matter from a JSON file of its fields (docs/spec/workflow.md)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        fail(f"{file}: not JSON: {exc}")
    args = MatterDefineArgs.from_args(data)
    with node_client(nodes, ca_bundle) as node:
        WorkflowClient(node, signer_of(key, key_password)).define_matter(args)
    console.print(f"matter [bold]{args.code}[/bold] is defined")


@matter_app.command("list")
@reports_errors
def matter_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """The matter list (事项清单): every matter's latest version, in the order defined."""
    with node_client(nodes, ca_bundle) as node:
        matters = node.get_every_page("/v1/matters", "records")
    if json_out:
        print_json({"matters": matters})
        return
    table = Table(title=f"matters ({len(matters)})")
    for column in ("code", "version", "name", "kind", "department", "days", "outputs"):
        table.add_column(column, overflow="fold")
    for m in matters:
        table.add_row(
            m["code"], str(m["version"]), m["name"], m["kind"], m["department"],
            str(m["time_limit_days"]), ", ".join(m["outputs"]),
        )  # fmt: skip
    console.print(table)


@process_app.command("list")
@reports_errors
def process_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """Every process's latest version, in the order published."""
    with node_client(nodes, ca_bundle) as node:
        processes = node.get_every_page("/v1/processes", "records")
    if json_out:
        print_json({"processes": processes})
        return
    table = Table(title=f"processes ({len(processes)})")
    for column in ("code", "version", "name", "steps", "owner"):
        table.add_column(column, overflow="fold")
    for p in processes:
        table.add_row(p["code"], str(p["version"]), p["name"], " -> ".join(p["order"]), p["owner"])
    console.print(table)


@matter_app.command("show")
@reports_errors
def matter_show(
    code: str = typer.Argument(..., help="The matter code."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
) -> None:
    """The latest version of a matter, with its proof (JSON)."""
    with node_client(nodes, ca_bundle) as node:
        print_json(node.get_json(f"/v1/matters/{code}"))


@process_app.command("publish")
@reports_errors
def process_publish(
    file: Path = typer.Argument(..., help="The process: FILE.toml or FILE.bpmn."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    json_out: bool = json_option(),
) -> None:
    """Publish a process definition; the chain checks its graph before it keeps it."""
    definition = load_process_file(file)
    with node_client(nodes, ca_bundle) as node:
        version = WorkflowClient(node, signer_of(key, key_password)).publish(definition)
    if json_out:
        print_json({"code": definition["code"], "version": version})
        return
    console.print(f"process [bold]{definition['code']}[/bold] version {version} is published")


def _minutes(ms: int) -> str:
    """Milliseconds as minutes with one decimal, in integer arithmetic (rounded down)."""
    return f"{ms // 60_000}.{ms % 60_000 * 10 // 60_000}"


@process_app.command("stats")
@reports_errors
def process_stats(
    code: str = typer.Argument(..., help="The process code."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """Per-step statistics of a process: time taken, overdue rate, interventions (F-D6).

    Counts cover every version of the process; the steps are those of its latest version.
    --json prints the route's answer, each step's statistics with its state fact.
    """
    if not MATTER_PATTERN.match(code):
        fail("CODE: a process code is 1..64 of 0-9 A-Z a-z . _ -")
    with node_client(nodes, ca_bundle) as node:
        answer = node.get_json(f"/v1/processes/{code}/stats")
    if json_out:
        print_json(answer)
        return
    table = Table(title=f"process {answer['process']} v{answer['version']}: per-step statistics")
    for column in ("step", "ready", "done", "average minutes", "max minutes", "overdue",
                   "overdue permille", "interventions"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for entry in answer["steps"]:
        stats = entry["stats"]
        table.add_row(
            stats["step"], str(stats["ready"]), str(stats["done"]),
            _minutes(entry["average_ms"]), _minutes(stats["max_ms"]), str(stats["overdue"]),
            str(entry["overdue_permille"]), str(stats["interventions"]),
        )  # fmt: skip
    console.print(table)
