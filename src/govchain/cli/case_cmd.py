"""CLI of the cases of service ``workflow``: ``govchain case`` (spec: workflow.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    content_id_of_text,
    genesis_option,
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
from govchain.client.registry import verify_record
from govchain.client.workflow import WorkflowClient
from govchain.contracts.workflow.records import TimelineEntry
from govchain.contracts.workflow.state import timeline
from govchain.ledger.genesis_file import load_genesis
from govchain.types import Genesis
from govchain.types.errors import ProofError

__all__ = ["case_app"]

DAY_MS = 86_400_000

case_app = typer.Typer(
    help="Cases (办件): authorize, accept, show, follow the timeline, submit or correct a step."
)


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


@case_app.command("timeline")
@reports_errors
def case_timeline(
    case: str = typer.Argument(..., help="The case id (32 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """A case's timeline, every entry with its proof: who did what to which step, manually or
    not, when. With --genesis each entry is verified (the command fails on any that is not)."""
    case_id = id_of_text(case, "case id")
    trusted = None if genesis is None else load_genesis(genesis)
    with node_client(nodes, ca_bundle) as node:
        entries = node.get_every_page(f"/v1/cases/{case_id.hex()}/timeline", "entries")
    if trusted is not None:
        _verify_timeline(trusted, case_id, entries)
    if json_out:
        print_json({"case": case_id.hex(), "entries": entries, "verified": trusted is not None})
        return
    title = f"case {case_id.hex()}: {len(entries)} entries" + (
        ", each verified against the genesis" if trusted is not None else ""
    )
    table = Table(title=title)
    for column in ("time", "height", "step", "action", "by", "manual", "reason"):
        table.add_column(column, overflow="fold")
    for shown in entries:
        e = shown["entry"]
        table.add_row(
            human_time_ms(e["time"]), str(e["height"]), e["step"] or "-", e["action"],
            e["by"][:12], "yes" if e["manual"] else "", escape(e["reason"]),
        )  # fmt: skip
    console.print(table)


def _verify_timeline(trusted: Genesis, case_id: bytes, entries: list[dict[str, Any]]) -> None:
    for shown in entries:
        key = timeline(case_id).item_key(int(shown["index"]))
        try:
            verify_record(trusted, key, shown["fact"], shown["entry"], TimelineEntry.from_stored,
                          TimelineEntry.to_json)  # fmt: skip
        except ProofError as exc:
            fail(f"timeline entry {shown['index']} does not verify: {exc}")


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
