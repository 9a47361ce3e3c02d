"""SDK of service ``registry`` (docs/spec/registry.md): members, nodes, accounts, proven.

:class:`RegistryClient` reads the registry routes and checks each record's
state fact against the genesis the caller trusts (``verify_*``): the commit
signs the header, the proof leads to its state root, and the proven bytes
decode to the record the node showed. It also builds and submits the txs a
member's admin sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args
from govchain.client.verify import verify_state_fact
from govchain.contracts.registry.access import (
    AccessApplyArgs,
    AccessDecideArgs,
    access_apply_tx,
    access_decide_tx,
)
from govchain.contracts.registry.records import Account, MemberRecord
from govchain.contracts.registry.state import account_key, member_key
from govchain.contracts.registry.txs import (
    AccountAddArgs,
    RoleSetArgs,
    SetRolesArgs,
    account_add_tx,
    role_set_tx,
    set_roles_tx,
)
from govchain.crypto import SigningKey
from govchain.ledger.proofs import StateFact
from govchain.types import Genesis, Tx
from govchain.types.errors import ProofError, ValidationError

__all__ = ["Proven", "RegistryClient", "verify_account", "verify_member", "verify_record"]

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class Proven:
    """A record checked against the genesis, and the height whose state it is."""

    record: Any
    height: int


def verify_record(
    genesis: Genesis,
    key: bytes,
    fact_json: object,
    shown: dict[str, Any],
    decode: Callable[[bytes], _R],
    to_json: Callable[[_R], dict[str, Any]],
) -> Proven:
    """Check that ``fact_json`` proves ``key`` holds the record ``shown`` (its JSON form).

    Raises ProofError naming the failed check.
    """
    try:
        fact = StateFact.from_json(fact_json)
    except (ProofError, ValidationError, ValueError) as exc:
        raise ProofError(f"state fact: {exc}", "format") from exc
    value = verify_state_fact(genesis, fact, key)
    if value is None:
        raise ProofError("the state fact proves the record is absent", "state")
    try:
        record = decode(value)
    except ValidationError as exc:
        raise ProofError(f"the proven record does not decode: {exc}", "state") from exc
    if to_json(record) != shown:
        raise ProofError("the record shown differs from the proven one", "state")
    return Proven(record, fact.height)


class RegistryClient:
    """The registry routes of a node, and the txs of a member's admin."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def member(self, code: str) -> dict[str, Any]:
        """``GET /v1/registry/members/{code}``: ``{member, fact}``."""
        return self.node.get_json(f"/v1/registry/members/{code}")

    def account(self, address: bytes) -> dict[str, Any]:
        """``GET /v1/accounts/{address}``: ``{account, fact}``."""
        return self.node.get_json(f"/v1/accounts/{address.hex()}")

    def members(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """One page of ``GET /v1/registry/members``."""
        return self.node.get_json("/v1/registry/members", _page(cursor, limit))

    def nodes(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """One page of ``GET /v1/registry/nodes``."""
        return self.node.get_json("/v1/registry/nodes", _page(cursor, limit))

    def add_account(self, signer: SigningKey, args: AccountAddArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.account_add`` signed by a member's admin."""
        return submit_args(self.node, signer, account_add_tx, args)

    def set_roles(self, signer: SigningKey, args: SetRolesArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.account_set_roles`` signed by a member's admin."""
        return submit_args(self.node, signer, set_roles_tx, args)

    def apply_access(self, system: SigningKey, args: AccessApplyArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.access_apply`` signed by the department system's own key."""
        return submit_args(self.node, system, access_apply_tx, args)

    def decide_access(self, admin: SigningKey, args: AccessDecideArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.access_decide`` signed by an admin of the member applied to."""
        return submit_args(self.node, admin, access_decide_tx, args)

    def set_role(self, signer: SigningKey, args: RoleSetArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.role_set`` signed by a member's admin."""
        return submit_args(self.node, signer, role_set_tx, args)


def _page(cursor: str | None, limit: int | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    return params


def verify_member(genesis: Genesis, answer: dict[str, Any]) -> Proven:
    """Check a ``{member, fact}`` answer against the genesis; ProofError if it does not hold."""
    shown = answer.get("member")
    if not isinstance(shown, dict) or not isinstance(shown.get("code"), str):
        raise ProofError("the answer has no member record", "format")
    return verify_record(
        genesis,
        member_key(shown["code"]),
        answer.get("fact"),
        shown,
        MemberRecord.from_stored,
        MemberRecord.to_json,
    )


def verify_account(genesis: Genesis, answer: dict[str, Any]) -> Proven:
    """Check an ``{account, fact}`` answer against the genesis; ProofError if it does not hold."""
    shown = answer.get("account")
    try:
        address = bytes.fromhex(shown["address"]) if isinstance(shown, dict) else b""
    except (TypeError, ValueError):
        address = b""
    if len(address) != 20:
        raise ProofError("the answer has no account record", "format")
    assert isinstance(shown, dict)
    return verify_record(
        genesis,
        account_key(address),
        answer.get("fact"),
        shown,
        Account.from_stored,
        Account.to_json,
    )
