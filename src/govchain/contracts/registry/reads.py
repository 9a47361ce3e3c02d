"""Reads of ``registry`` over a proving reader: records with their state facts, and pages.

docs/spec/registry.md, "Reads". Pure: the node runs them on one snapshot,
off its consensus loop; tests run them over any chain store.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.registry.records import Account, MemberRecord, NodeRecord
from govchain.contracts.registry.state import (
    MEMBERS,
    NODES,
    account_key,
    member_key,
    read_member,
    read_node,
)

__all__ = [
    "REGISTRY_PAGE_DEFAULT",
    "REGISTRY_PAGE_MAX",
    "ProvenAccount",
    "ProvenMember",
    "account_with_fact",
    "member_with_fact",
    "members_page",
    "nodes_page",
]

REGISTRY_PAGE_DEFAULT = 50
REGISTRY_PAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class ProvenMember:
    """A member record (None: not registered) with the proof of its key."""

    member: MemberRecord | None
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ProvenAccount:
    """An account record (None: not registered) with the proof of its key."""

    account: Account | None
    proven: ProvenValue


def member_with_fact(reader: ProvingReader, code: str) -> ProvenMember:
    """Member ``code`` at the reader's height, proven."""
    proven = prove_key(reader, member_key(code))
    member = None if proven.value is None else MemberRecord.from_stored(proven.value)
    return ProvenMember(member, proven)


def account_with_fact(reader: ProvingReader, address: bytes) -> ProvenAccount:
    """Account ``address`` at the reader's height, proven (absence too)."""
    proven = prove_key(reader, account_key(address))
    account = None if proven.value is None else Account.from_stored(proven.value)
    return ProvenAccount(account, proven)


def members_page(
    reader: ProvingReader, start: int, limit: int
) -> tuple[list[MemberRecord], int | None]:
    """Members in admission order from index ``start``, and the next index (None at the end)."""
    codes, following = list_page(reader, MEMBERS, start, limit)
    found = [read_member(reader.get, raw.decode("ascii")) for raw in codes]
    assert all(member is not None for member in found), "a listed member has no record"
    return [member for member in found if member is not None], following


def nodes_page(
    reader: ProvingReader, start: int, limit: int
) -> tuple[list[NodeRecord], int | None]:
    """Nodes in order of addition from index ``start``, and the next index."""
    names, following = list_page(reader, NODES, start, limit)
    found = [read_node(reader.get, raw.decode("ascii")) for raw in names]
    assert all(node is not None for node in found), "a listed node has no record"
    return [node for node in found if node is not None], following
