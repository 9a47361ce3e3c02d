"""CLI of service ``supervision``: ``govchain regulator list|show|read-case|read-tx`` and
``govchain usage`` (docs/spec/supervision.md).

Scopes are set by governance: ``govchain gov propose regulator.set --set
address=HEX --set types=A,B --set departments= --set matters= --set
reason=...``; a regulator reads content with ``govchain asset fetch REF
--as-regulator``, a case or a tx with ``regulator read-case`` / ``read-tx``
(each read a usage record in the holder's history, ``govchain usage``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    asset_client,
    genesis_option,
    id_of_text,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client import verify_tx_receipt
from govchain.client.registry import verify_record
from govchain.client.supervision import RegulatorClient, ScopedReadResult
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.state import scope_key
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import ProofError

__all__ = ["regulator_app", "usage_history"]

regulator_app = typer.Typer(
    help="Regulators and their supervision scopes (set by vote: gov propose regulator.set)."
)


@regulator_app.command("list")
@reports_errors
def regulator_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """Every regulator's scope, in the order first set."""
    with node_client(nodes, ca_bundle) as node:
        scopes = node.get_every_page("/v1/regulators", "records")
    if json_out:
        print_json({"regulators": scopes})
        return
    table = Table(title=f"regulators ({len(scopes)})")
    for column in ("regulator", "status", "types", "departments", "matters", "height"):
        table.add_column(column, overflow="fold")
    for s in scopes:
        table.add_row(
            s["regulator"], s["status"], ", ".join(s["types"]) or "-",
            ", ".join(s["departments"]) or "-", ", ".join(s["matters"]) or "-", str(s["height"]),
        )  # fmt: skip
    console.print(table)


@regulator_app.command("show")
@reports_errors
def regulator_show(
    address: str = typer.Argument(..., help="The regulator's address (40 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = genesis_option(),
) -> None:
    """A regulator's scope with its proof (JSON), verified when --genesis is given."""
    value = address_of_text(address, "ADDRESS")
    with node_client(nodes, ca_bundle) as node:
        answer = node.get_json(f"/v1/regulators/{value.hex()}")
    if genesis is not None:
        try:
            verify_record(
                load_genesis(genesis), scope_key(value), answer["fact"], answer["scope"],
                RegulatorScope.from_stored, RegulatorScope.to_json,
            )  # fmt: skip
        except ProofError as exc:
            fail(f"the scope does not verify: {exc}")
    print_json(answer)


def _purpose_option() -> Any:
    return typer.Option(..., "--purpose", help="事由 of the read (recorded on chain, 1..256).")


def _read_in_scope(
    nodes: list[str], ca_bundle: Path | None, key: Path, key_password: Path | None,
    genesis: Path | None, purpose: str, read: str, target: bytes,
) -> ScopedReadResult:  # fmt: skip
    if not purpose.strip():
        fail("--purpose: a regulator's read records why (事由)")
    signer = signer_of(key, key_password)
    trusted = None if genesis is None else load_genesis(genesis)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as assets:
        regulator = RegulatorClient(assets, trusted)
        return (
            regulator.read_case(target, purpose)
            if read == "case"
            else regulator.read_tx(target, purpose)
        )


def _fields_table(title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("field", overflow="fold")
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _value_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@regulator_app.command("read-case")
@reports_errors
def read_case(
    case_id: str = typer.Argument(..., help="The case id (32 hex)."),
    purpose: str = _purpose_option(),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """As a regulator: record a read of a case in your scope, then show its form and materials."""
    value = id_of_text(case_id, "CASE_ID")
    found = _read_in_scope(nodes, ca_bundle, key, key_password, genesis, purpose, "case", value)
    if json_out:
        print_json({"use_tx": found.use_tx.hex(), **found.answer, "verified": found.verified})
        return
    case = found.answer["case"]
    rows = [("case", case["id"]), ("process", f"{case['process']} v{case['version']}"),
            ("applicant", case["applicant"]), ("state", case["state"]),
            ("materials", ", ".join(case["materials"]) or "-")]  # fmt: skip
    rows += [(f"form.{name}", _value_text(v)) for name, v in sorted(case["form"].items())]
    rows.append(("usage record", found.use_tx.hex()))
    _fields_table("case" + (" (verified)" if found.verified else ""), rows)


@regulator_app.command("read-tx")
@reports_errors
def read_tx(
    tx_hash: str = typer.Argument(..., help="The tx hash (64 hex)."),
    purpose: str = _purpose_option(),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """As a regulator: record a read of a tx in your scope, then show its arguments."""
    value = _hash_of_text(tx_hash)
    found = _read_in_scope(nodes, ca_bundle, key, key_password, genesis, purpose, "tx", value)
    if json_out:
        print_json({"use_tx": found.use_tx.hex(), **found.answer, "verified": found.verified})
        return
    tx = found.answer["tx"]
    rows = [("tx", tx["hash"]), ("type", tx["type"]), ("sender", tx["sender"])]
    rows += [(f"args.{name}", _value_text(v)) for name, v in sorted(tx["args"].items())]
    rows.append(("usage record", found.use_tx.hex()))
    _fields_table("tx" + (" (verified)" if found.verified else ""), rows)


def _hash_of_text(text: str) -> bytes:
    cleaned = text.strip().lower()
    if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
        fail("TX_HASH: expected a tx hash of 64 hex digits")
    return bytes.fromhex(cleaned)


def _what_was_read(entry: dict[str, Any]) -> str:
    target = entry.get("target", "")
    return f"{target} {entry.get('target_id', '')}" if target else f"asset {entry['asset']}"


@reports_errors
def usage_history(
    address: str = typer.Argument(..., help="The holder's address (40 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """A holder's usage history: every read of its assets, cases and txs, in order, each with its
    proof (verified with --genesis)."""
    holder = address_of_text(address, "ADDRESS")
    with node_client(nodes, ca_bundle) as node:
        records = node.get_every_page(f"/v1/accounts/{holder.hex()}/usage", "usage")
    if genesis is not None:
        trusted = load_genesis(genesis)
        for entry in records:
            verified = verify_tx_receipt(trusted, TxReceiptBundle.from_json(entry["receipt"]))
            if verified.tx_hash.hex() != entry["tx_hash"] or verified.block_time != entry["time"]:
                fail(f"usage record {entry['tx_hash']} does not match its receipt")
    if json_out:
        print_json({"usage": records, "verified": genesis is not None})
        return
    title = f"usage history of {holder.hex()}" + (" (verified)" if genesis is not None else "")
    table = Table(title=title)
    for column in ("time", "height", "reader", "read", "action", "purpose", "via", "tx"):
        table.add_column(column, overflow="fold")
    for entry in records:
        table.add_row(
            human_time_ms(entry["time"]), str(entry["height"]), entry["reader"],
            _what_was_read(entry), entry["action"], entry["purpose"], entry["via"],
            entry["tx_hash"],
        )  # fmt: skip
    console.print(table)
