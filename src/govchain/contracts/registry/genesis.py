"""The registry's part of the state at height 0, from the genesis.

docs/spec/registry.md, "Genesis state".

Pure: the same genesis gives the same writes on every node.
"""

from __future__ import annotations

from govchain.codes.errors import CodeError
from govchain.codes.uscc import check_uscc
from govchain.contracts.registry.records import Account, MemberRecord, NodeRecord
from govchain.contracts.registry.state import (
    ACCOUNTS,
    MEMBERS,
    NODES,
    account_key,
    append_to_list,
    member_key,
    node_key,
)
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.ledger.validator_sets import VALIDATOR_SET_KEY, encode_set
from govchain.types import Genesis
from govchain.types.errors import ValidationError

__all__ = ["registry_genesis_state"]


class _Writes:
    """The writes being built, readable by the list helpers."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        return self.values.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        self.values[key] = value

    def add_account(self, account: Account) -> None:
        account.validate()
        key = account_key(account.address)
        if key in self.values:
            raise ValidationError(f"genesis: account {account.address.hex()} is registered twice")
        self.put(key, account.encode())
        append_to_list(self.get, self.put, ACCOUNTS, account.address)


def registry_genesis_state(genesis: Genesis, suite: CryptoSuite) -> dict[bytes, bytes]:
    """Members, their admins, nodes, validator keys and set, and the genesis accounts, as writes.

    Empty for a genesis without members (a chain without a registry).
    Raises ValidationError when the genesis cannot make a consistent registry.
    """
    network = genesis.network
    writes = _Writes()
    if not network.members:
        return writes.values
    orgs = {member.org for member in network.members}
    for member in network.members:
        _check_code(member.org)
        if not member.admins:
            raise ValidationError(f"genesis: member {member.org} has no admin")
        admins = tuple(records.address_of(suite, key) for key in member.admins)
        record = MemberRecord(
            code=member.org,
            name=member.name,
            status="active",
            permissions=member.permissions,
            weight=member.weight,
            admins=admins,
            ca_certs=(member.transport_ca,),
            height=0,
        )
        record.validate()
        writes.put(member_key(member.org), record.encode())
        append_to_list(writes.get, writes.put, MEMBERS, member.org.encode("ascii"))
        for key, address in zip(member.admins, admins, strict=True):
            writes.add_account(Account(address, key, "admin", member.org, ("admin",), "active", 0))
    for node in network.nodes:
        validator = genesis.validators.get(node.validator) if node.role == "validator" else None
        power = 0 if validator is None else validator.power
        entry = NodeRecord(
            node.name, node.org, node.role, node.transport_key, node.validator, power, "active", 0
        )
        entry.validate()
        writes.put(node_key(node.name), entry.encode())
        append_to_list(writes.get, writes.put, NODES, node.name.encode("ascii"))
        if validator is not None:
            writes.add_account(
                Account(
                    validator.address, validator.public_key, "system", node.org, (), "active", 0
                )
            )
    writes.put(VALIDATOR_SET_KEY, encode_set(genesis.validators))
    for item in genesis.governance.accounts:
        if item.org not in orgs:
            raise ValidationError(
                f"genesis: an account names member {item.org!r}, not in the genesis"
            )
        if item.kind in ("admin", "subject"):
            raise ValidationError(f"genesis: accounts of kind {item.kind!r} are not listed here")
        address = records.address_of(suite, item.public_key)
        writes.add_account(
            Account(address, item.public_key, item.kind, item.org, item.roles, "active", 0)
        )
    return writes.values


def _check_code(code: str) -> None:
    """A member's code must be a valid 统一社会信用代码 (GB 32100)."""
    try:
        check_uscc(code)
    except CodeError as exc:
        raise ValidationError(f"genesis: member code {code!r}: {exc}") from exc
