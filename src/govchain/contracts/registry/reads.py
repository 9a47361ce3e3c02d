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
    read_account,
    read_member,
    read_node,
)
from govchain.contracts.registry.subjects import Subject, subject_key

__all__ = [
    "REGISTRY_PAGE_DEFAULT",
    "REGISTRY_PAGE_MAX",
    "ProvenAccount",
    "ProvenMember",
    "ProvenSubject",
    "account_with_fact",
    "may_read_subject",
    "member_with_fact",
    "members_page",
    "nodes_page",
    "subject_with_fact",
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


@dataclass(frozen=True, slots=True)
class ProvenSubject:
    """A subject record (None: no application) with its proof, and who may see it."""

    subject: Subject | None
    proven: ProvenValue
    reader_org: str
    """The member of the reading account ("" for a subject or an unregistered reader)."""


def subject_with_fact(reader: ProvingReader, address: bytes, reading: bytes) -> ProvenSubject:
    """Subject ``address`` with its proof, and the member of account ``reading`` (one snapshot)."""
    proven = prove_key(reader, subject_key(address))
    subject = None if proven.value is None else Subject.from_stored(proven.value)
    account = read_account(reader.get, reading)
    org = "" if account is None or account.status != "active" else account.org
    return ProvenSubject(subject, proven, org)


def may_read_subject(subject: Subject, reading: bytes, reader_org: str) -> bool:
    """Whether ``reading`` may see this subject: itself, or an account of its reviewing member."""
    return reading == subject.address or (reader_org != "" and reader_org == subject.member)
