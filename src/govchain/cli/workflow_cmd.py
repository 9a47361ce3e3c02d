"""CLI of service ``workflow``: ``govchain matter``, ``process``, ``case`` (spec: workflow.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    content_id_of_text,
    id_of_text,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.assets import AssetClient
from govchain.client.case_grants import authorize_case
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.client.process_files import load_process_file
from govchain.client.sdk import NodeClient
from govchain.client.workflow import WorkflowClient
from govchain.contracts.workflow import MatterDefineArgs
from govchain.contracts.workflow.records import MATTER_PATTERN

__all__ = ["case_app", "matter_app", "process_app"]

DAY_MS = 86_400_000

matter_app = typer.Typer(help="The matter list (事项清单): define a matter, list them, show one.")
process_app = typer.Typer(
    help="Processes: publish a TOML or BPMN 2.0 definition, show its per-step statistics."
)
case_app = typer.Typer(help="Cases (办件): accept an application, show it, submit a step's result.")


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


def _every_definition(node: NodeClient, plural: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = node.get_json(f"/v1/{plural}", {} if cursor is None else {"cursor": cursor})
        found += page["records"]
        cursor = page.get("next")
        if cursor is None:
            return found


@matter_app.command("list")
@reports_errors
def matter_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """The matter list (事项清单): every matter's latest version, in the order defined."""
    with node_client(nodes, ca_bundle) as node:
        matters = _every_definition(node, "matters")
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
        processes = _every_definition(node, "processes")
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


@case_app.command("apply")
@reports_errors
def case_apply(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    process: str = typer.Option(..., "--process", help="The process code."),
    applicant: str = typer.Option(..., "--applicant", help="The applicant's address (40 hex)."),
    form: Path = typer.Option(..., "--form", help="The application's public fields (JSON)."),
    material: list[str] = typer.Option([], "--material", help="A material's content id (repeat)."),
    grant: list[str] = typer.Option(
        [], "--grant", help="A material grant of the applicant's (`case authorize`; repeat)."
    ),
    json_out: bool = json_option(),
) -> None:
    """Accept an application at the window (综合受理); prints the case id.

    Where a step's department has an adapter, each material it reads needs a
    grant the applicant made to that adapter (`govchain case authorize`)."""
    try:
        fields: dict[str, Any] = json.loads(form.read_text(encoding="utf-8"))
    except ValueError as exc:
        fail(f"{form}: not JSON: {exc}")
    materials = tuple(content_id_of_text(m) for m in material)
    grants = tuple(id_of_text(g, "--grant") for g in grant)
    with node_client(nodes, ca_bundle) as node:
        case = WorkflowClient(node, signer_of(key, key_password)).apply(
            process, address_of_text(applicant, "--applicant"), fields, materials, grants
        )
    if json_out:
        print_json({"case": case.hex()})
        return
    console.print(f"case [bold]{case.hex()}[/bold]")


@case_app.command("show")
@reports_errors
def case_show(
    case: str = typer.Argument(..., help="The case id (32 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """A case: steps, states, deadlines, flags, outputs, timeline."""
    with node_client(nodes, ca_bundle) as node:
        answer = node.get_json(f"/v1/cases/{id_of_text(case, 'case id').hex()}")
    if json_out:
        print_json(answer)
        return
    shown = answer["case"]
    table = Table(
        title=f"case {shown['id']}: {shown['state']} ({shown['process']} v{shown['version']})"
    )
    for column in (
        "step", "department", "state", "deadline", "overdue", "interventions", "outputs"
    ):  # fmt: skip
        table.add_column(column, overflow="fold")
    for step in answer["steps"]:
        table.add_row(
            step["step"], step["department"], step["state"],
            human_time_ms(step["deadline"]) if step["deadline"] else "-",
            "yes" if step["overdue"] else "", str(step["interventions"] or ""),
            ", ".join(step["outputs"]),
        )  # fmt: skip
    console.print(table)


@case_app.command("step")
@reports_errors
def case_step(
    case: str = typer.Argument(..., help="The case id (32 hex)."),
    step: str = typer.Argument(..., help="The step id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    approve: bool = typer.Option(False, "--approve", help="Approve, with --output."),
    reject: bool = typer.Option(False, "--reject", help="Reject: the case ends."),
    return_: bool = typer.Option(False, "--return", help="Return for correction."),
    output: list[str] = typer.Option([], "--output", help="An output asset's content id (repeat)."),
    grant: list[str] = typer.Option(
        [], "--grant", help="A grant sharing an output with a later step's adapter (repeat)."
    ),
    reason: str = typer.Option("", "--reason", help="Why (recorded on chain)."),
) -> None:
    """Submit a step's result as an account of its department."""
    chosen = [
        name
        for name, on in (("approved", approve), ("rejected", reject), ("returned", return_))
        if on
    ]
    if len(chosen) != 1:
        fail("give exactly one of --approve, --reject and --return")
    if chosen[0] != "approved" and not reason.strip():
        fail("--reason: a rejection or a return says why")
    outputs = tuple(content_id_of_text(o) for o in output)
    grants = tuple(id_of_text(g, "--grant") for g in grant)
    with node_client(nodes, ca_bundle) as node:
        receipt = WorkflowClient(node, signer_of(key, key_password)).result(
            id_of_text(case, "case id"), step, chosen[0], reason, outputs, grants
        )
    console.print(f"step {step}: {chosen[0]} (tx {receipt.tx_hash.hex()})")


@case_app.command("authorize")
@reports_errors
def case_authorize(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path = typer.Option(..., "--password-file", help="The locker's password."),
    process: str = typer.Option(..., "--process", help="The process code."),
    material: list[str] = typer.Option([], "--material", help="A material's content id (repeat)."),
    days: int = typer.Option(30, "--days", min=1, max=3650, help="How long the authority lasts."),
    json_out: bool = json_option(),
) -> None:
    """As the applicant: let the process's departments read what their steps need.

    Grants each material to the adapter of every step that reads it, and
    delegates the sharing of each step's outputs to the producing
    department's adapter (docs/spec/workflow.md "Case grants"). Give the
    printed grant ids to the window (`case apply --grant`)."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, AssetClient(node, signer) as assets:
        head = node.latest_block()["header"]
        authority = authorize_case(
            WorkflowClient(node, signer), GrantClient(assets), process,
            tuple(content_id_of_text(m) for m in material), read_password_file(password_file),
            int(head["time"]) + days * DAY_MS,
        )  # fmt: skip
    shown = {
        "grants": [g.hex() for g in authority.grants],
        "delegations": [d.hex() for d in authority.delegations],
    }
    if json_out:
        print_json(shown)
        return
    console.print(f"grants: {' '.join(shown['grants']) or '-'}")
    console.print(f"delegations: {' '.join(shown['delegations']) or '-'}")


@case_app.command("resubmit")
@reports_errors
def case_resubmit(
    case: str = typer.Argument(..., help="The case id (32 hex)."),
    step: str = typer.Argument(..., help="The returned step's id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    reason: str = typer.Option("", "--reason", help="What was corrected."),
) -> None:
    """As the applicant or the accepting window: answer a returned step (补正); it is ready
    again."""
    with node_client(nodes, ca_bundle) as node:
        WorkflowClient(node, signer_of(key, key_password)).resubmit(
            id_of_text(case, "case id"), step, reason
        )
    console.print(f"step {step} is ready again")
