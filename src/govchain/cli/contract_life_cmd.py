"""CLI of the contracts lifecycle: ``govchain contract submit|review|test-record|deploy|upgrade|
call|freeze|unfreeze|abolish|show|list`` (docs/spec/contracts.md; issue 20 item 7).

Each function is one command of the ``contract`` group (:data:`LIFECYCLE_COMMANDS`, which the
group registers next to ``build``). A tx command waits for its commit and exits 1 with the
chain's reason when refused. ``freeze``, ``unfreeze`` and ``abolish`` are governance actions:
the command proposes the action as the key's member admin and votes yes; other members vote
with ``govchain gov vote``. Tables by default, one JSON object with ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.contracts import (
    ContractsClient,
    call_result,
    compact_file,
    verify_contract,
)
from govchain.client.gov import GovClient
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.codec import encode
from govchain.contracts.gov.txs import ProposeArgs
from govchain.contracts.lifecycle.txs import (
    MAX_CODE_IN_TX,
    CallArgs,
    DeployArgs,
    ReviewArgs,
    SubmitArgs,
    TestRecordArgs,
    UpgradeArgs,
)
from govchain.contracts.registry.records import json_form
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.genesis_file import load_genesis
from govchain.types import Receipt

__all__ = ["LIFECYCLE_COMMANDS"]

_PROPOSAL_HEIGHTS = 1000


def _key_option() -> Any:
    return typer.Option(..., "--key", help="The signer's private key (PEM).")


def _password_option() -> Any:
    return typer.Option(None, "--password-file", help="Key password.")


def _json_option() -> Any:
    return typer.Option(False, "--json", help="Print one JSON object.")


def _timeout_option() -> Any:
    return typer.Option(60.0, "--timeout", min=1, help="Seconds to wait for the commit.")


def _contract_id(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 16:
        fail(f"contract id {text[:40]!r}: expected 32 hex digits")
    return value


def _signer(key: Path, password_file: Path | None) -> SigningKey:
    return read_signing_key(key, read_password(password_file))


def _module(path: Path) -> bytes:
    code = path.read_bytes()
    if not code.startswith(b"\0asm"):
        fail(f"{path}: not a WebAssembly module (build one with govchain contract build)")
    if len(code) > MAX_CODE_IN_TX:
        fail(f"{path}: {len(code)} bytes; a tx carries a module of at most {MAX_CODE_IN_TX}")
    return code


def _abi(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    abi = _json_file(path)
    if not isinstance(abi, dict):
        fail(f"{path}: expected a JSON object of method -> description")
    return abi


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not JSON: {exc}")


def _source_hash(suite_name: str, path: Path | None) -> bytes:
    return b"" if path is None else suite_for(suite_name).hash(path.read_bytes())


def _committed(client: NodeClient, tx_hash: bytes, timeout_s: float) -> Receipt:
    receipt = committed_receipt(client, tx_hash, timeout_s)
    if receipt.status != 0:
        fail(f"the chain refused it: {receipt.error}")
    return receipt


def _event(receipt: Receipt, event_type: str) -> dict[str, Any]:
    found = [e.attributes for e in receipt.events if e.type == event_type]
    return found[0] if found else {}


def _send(
    nodes: list[str],
    ca_bundle: Path | None,
    signer: SigningKey,
    args: Any,
    timeout_s: float,
) -> tuple[bytes, Receipt]:
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = ContractsClient(client).send(signer, args)
        return tx_hash, _committed(client, tx_hash, timeout_s)


@reports_errors
def submit(
    module: Path = typer.Argument(..., help="The WebAssembly module (FILE.wasm)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = _password_option(),
    name: str = typer.Option(..., "--name", help="The contract's unique name."),
    version: int = typer.Option(1, "--version", min=1, help="The version: 1 for a new contract."),
    abi: Path | None = typer.Option(None, "--abi", help="JSON: method -> description."),
    description: str = typer.Option("", "--description", help="What the contract does."),
    source: Path | None = typer.Option(None, "--source", help="Source archive to hash."),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Submit a new contract for review; print its id."""
    signer = _signer(key, password_file)
    args = SubmitArgs(
        name, version, _module(module), _source_hash(signer.suite_name, source), _abi(abi),
        description,
    )  # fmt: skip
    tx_hash, receipt = _send(nodes, ca_bundle, signer, args, timeout_s)
    contract = _event(receipt, "contracts.submitted")["contract"]
    if json_out:
        print_json({"contract": contract.hex(), "tx": tx_hash.hex()})
        return
    console.print(f"contract {contract.hex()} ({name}) submitted for review", highlight=False)


@reports_errors
def upgrade(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    module: Path = typer.Argument(..., help="The new version's module (FILE.wasm)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = _password_option(),
    version: int = typer.Option(..., "--version", min=2, help="The next version's number."),
    abi: Path | None = typer.Option(None, "--abi", help="JSON: method -> description."),
    description: str = typer.Option("", "--description", help="What changed."),
    source: Path | None = typer.Option(None, "--source", help="Source archive to hash."),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Submit the next version of a contract for review (its state is kept when deployed)."""
    signer = _signer(key, password_file)
    args = UpgradeArgs(
        _contract_id(contract), version, _module(module),
        _source_hash(signer.suite_name, source), _abi(abi), description,
    )  # fmt: skip
    tx_hash, _ = _send(nodes, ca_bundle, signer, args, timeout_s)
    if json_out:
        print_json({"contract": contract, "version": version, "tx": tx_hash.hex()})
        return
    console.print(f"version {version} of {contract} submitted for review", highlight=False)


@reports_errors
def review(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="A member admin's private key (PEM)."),
    password_file: Path | None = _password_option(),
    approve: bool = typer.Option(None, "--approve/--reject", help="Approve or reject."),
    comment: str = typer.Option(..., "--comment", help="The review's comment (recorded)."),
    version: int = typer.Option(0, "--version", min=0, help="The version (default: latest)."),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Review a version as a member admin; the deciding review approves or rejects it."""
    if approve is None:
        fail("say --approve or --reject")
    contract_id = _contract_id(contract)
    signer = _signer(key, password_file)
    with node_client(nodes, ca_bundle) as client:
        contracts = ContractsClient(client)
        number = version or int(contracts.contract(contract_id)["contract"]["versions"])
        _, tx_hash = contracts.send(signer, ReviewArgs(contract_id, number, approve, comment))
        receipt = _committed(client, tx_hash, timeout_s)
    decided = next(
        (e.type.split(".")[1] for e in receipt.events if e.type in _DECISIONS), "in_review"
    )
    if json_out:
        print_json({"contract": contract, "version": number, "status": decided})
        return
    console.print(f"reviewed version {number}; it is now {decided}", highlight=False)


_DECISIONS = ("contracts.approved", "contracts.rejected")


@reports_errors
def record_test(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = _password_option(),
    genesis: Path = typer.Option(..., "--genesis", help="The test network's genesis.json."),
    receipt: Path = typer.Option(..., "--receipt", help="Receipt file of the test call."),
    version: int = typer.Option(0, "--version", min=0, help="The version (default: latest)."),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Record a test network's receipt of a passing call of this version (checked on chain)."""
    contract_id = _contract_id(contract)
    signer = _signer(key, password_file)
    genesis_file = compact_file(genesis, "genesis")
    receipt_file = compact_file(receipt, "receipt")
    with node_client(nodes, ca_bundle) as client:
        contracts = ContractsClient(client)
        number = version or int(contracts.contract(contract_id)["contract"]["versions"])
        args = TestRecordArgs(contract_id, number, genesis_file, receipt_file)
        _, tx_hash = contracts.send(signer, args)
        committed = _committed(client, tx_hash, timeout_s)
    chain_id = _event(committed, "contracts.test_recorded").get("chain_id")
    if json_out:
        print_json({"contract": contract, "version": number, "test_chain": chain_id})
        return
    console.print(f"version {number}: test on {chain_id} recorded", highlight=False)


@reports_errors
def deploy(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = _password_option(),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Deploy the latest approved version (a recorded test first, when the chain says so)."""
    signer = _signer(key, password_file)
    _, receipt = _send(nodes, ca_bundle, signer, DeployArgs(_contract_id(contract)), timeout_s)
    number = _event(receipt, "contracts.deployed")["version"]
    if json_out:
        print_json({"contract": contract, "version": number})
        return
    console.print(f"version {number} of {contract} is deployed", highlight=False)


def _call_args(path: Path | None) -> bytes:
    if path is None:
        return encode({})
    return encode(_json_file(path))


@reports_errors
def call(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    method: str = typer.Argument(..., help="The method to call."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = _password_option(),
    args_file: Path | None = typer.Option(None, "--args", help="Arguments, a JSON file."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the call's receipt file here (a test network's, for test-record).",
    ),
    timeout_s: float = _timeout_option(),
    json_out: bool = _json_option(),
) -> None:
    """Call a method of the deployed version; print its result, fuel and events."""
    signer = _signer(key, password_file)
    args = CallArgs(_contract_id(contract), method, _call_args(args_file))
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = ContractsClient(client).send(signer, args)
        receipt = _committed(client, tx_hash, timeout_s)
        if out is not None:
            bundle = client.tx(tx_hash).receipt
            out.write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    outcome = call_result(receipt)
    answer = {
        "tx": tx_hash.hex(), "version": outcome.version, "fuel": outcome.fuel,
        "result": json_form(outcome.result),
        "events": [{"name": n, "data": json_form(d)} for n, d in outcome.events],
    }  # fmt: skip
    if json_out:
        print_json(answer)
        return
    console.print(
        f"{method} -> {json.dumps(answer['result'])} (version {outcome.version}, "
        f"{outcome.fuel} fuel, {len(outcome.events)} events)",
        highlight=False,
    )


def _governed(action: str, verb: str) -> Callable[..., None]:
    @reports_errors
    def command(
        contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
        nodes: list[str] = nodes_option(),
        ca_bundle: Path | None = ca_bundle_option(),
        key: Path = typer.Option(..., "--key", help="A member admin's private key (PEM)."),
        password_file: Path | None = _password_option(),
        reason: str = typer.Option(f"{verb} by vote", "--reason", help="Why (recorded)."),
        timeout_s: float = _timeout_option(),
        json_out: bool = _json_option(),
    ) -> None:
        signer = _signer(key, password_file)
        args = {"contract": _contract_id(contract), "reason": reason}
        with node_client(nodes, ca_bundle) as client:
            gov = GovClient(client)
            height = int(client.status().get("height", 0))
            proposal = ProposeArgs(action, args, reason, height + 1 + _PROPOSAL_HEIGHTS)
            _, tx_hash = gov.propose(signer, proposal)
            proposed = _committed(client, tx_hash, timeout_s)
            proposal_id = int(_event(proposed, "gov.proposed")["id"])
            _, vote_hash = gov.vote(signer, proposal_id, True)
            voted = _committed(client, vote_hash, timeout_s)
        state = _event(voted, "gov.decided").get("state", "open")
        if json_out:
            print_json({"proposal": proposal_id, "action": action, "state": state})
            return
        console.print(
            f"proposal {proposal_id}: {action}, voted yes; it is {state}"
            + ("" if state != "open" else " (other members vote: govchain gov vote)"),
            highlight=False,
        )

    command.__doc__ = f"Propose {action} as a member admin and vote yes (decided by vote)."
    return command


@reports_errors
def show(
    contract: str = typer.Argument(..., help="The contract's id (32 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = typer.Option(
        None, "--genesis", help="Check every record's proof against this genesis.json."
    ),
    json_out: bool = _json_option(),
) -> None:
    """A contract, its versions, reviews and test records (proven with --genesis)."""
    with node_client(nodes, ca_bundle) as client:
        answer = ContractsClient(client).contract(_contract_id(contract))
    if genesis is not None:
        verify_contract(load_genesis(genesis), answer)
    if json_out:
        print_json({**answer, "verified": genesis is not None})
        return
    record = answer["contract"]
    console.print(
        f"{record['name']} ({record['id']}) of {record['member']}: {record['status']}, "
        f"active version {record['active_version'] or '-'}"
        + (" [proofs checked]" if genesis is not None else ""),
        highlight=False,
    )
    table = Table(title="versions")
    for column in ("version", "status", "code hash", "yes", "no", "reviews", "test"):
        table.add_column(column, overflow="fold")
    for item in answer["versions"]:
        v = item["version"]
        test = item["test"]["record"]["chain_id"] if item["test"] else "-"
        table.add_row(
            str(v["number"]), v["status"], v["code_hash"][:16] + "…", str(v["yes"]),
            str(v["no"]), str(len(item["reviews"])), test,
        )  # fmt: skip
    console.print(table)


def list_contracts(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = _json_option(),
) -> None:
    """Every contract of the chain, in submission order."""
    with node_client(nodes, ca_bundle) as client:
        found = client.get_every_page("/v1/contracts", "contracts")
    records = [item["record"] for item in found]
    if json_out:
        print_json({"contracts": records})
        return
    table = Table(title="contracts")
    for column in ("id", "name", "member", "status", "active", "versions"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            r["id"], r["name"], r["member"], r["status"], str(r["active_version"] or "-"),
            str(r["versions"]),
        )  # fmt: skip
    console.print(table)


LIFECYCLE_COMMANDS: dict[str, Callable[..., None]] = {
    "submit": submit,
    "review": review,
    "test-record": record_test,
    "deploy": deploy,
    "upgrade": upgrade,
    "call": call,
    "freeze": _governed("contracts.freeze", "frozen"),
    "unfreeze": _governed("contracts.unfreeze", "unfrozen"),
    "abolish": _governed("contracts.abolish", "abolished"),
    "show": show,
    "list": reports_errors(list_contracts),
}
"""The lifecycle's commands of ``govchain contract``, by name (the group adds ``build``)."""
