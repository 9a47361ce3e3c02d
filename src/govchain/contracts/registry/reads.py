"""Reads of ``registry`` over a proving reader: records with their state facts, and pages.

docs/spec/registry.md, "Reads". Pure: the node runs them on one snapshot,
off its consensus loop; tests run them over any chain store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from govchain.contracts.facts import NoBlocksError, ProvenValue, list_page, prove_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.registry.certs import (
    CERTIFICATE_FAILURES,
    CERTS,
    load_certificate,
    millis_of,
    read_cert,
)
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
from govchain.crypto.certs import certificate_info
from govchain.types.errors import ValidationError

__all__ = [
    "EXPIRING_CURSOR_PATTERN",
    "MAX_WITHIN_DAYS",
    "REGISTRY_PAGE_DEFAULT",
    "REGISTRY_PAGE_MAX",
    "ExpiringCertificate",
    "ProvenAccount",
    "ProvenMember",
    "ProvenSubject",
    "account_with_fact",
    "expiring_certificates",
    "may_read_subject",
    "member_with_fact",
    "members_page",
    "nodes_page",
    "parse_expiring_cursor",
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


MAX_WITHIN_DAYS = 3650
DAY_MS = 86_400_000
EXPIRING_CURSOR_PATTERN = r"^[mc][0-9]{1,10}$"


@dataclass(frozen=True, slots=True)
class ExpiringCertificate:
    """A registered certificate whose ``not_after`` falls within the window asked for."""

    kind: str
    """``member_ca`` (a CA certificate of a member) or ``account`` (an account certificate)."""
    id: bytes
    org: str
    address: bytes | None
    common_name: str
    not_after: int
    status: str
    """The account certificate's status, or the member's for a CA certificate."""

    def to_json(self) -> dict[str, Any]:
        """The API's JSON form (bytes as hex)."""
        return {
            "kind": self.kind,
            "id": self.id.hex(),
            "org": self.org,
            "address": None if self.address is None else self.address.hex(),
            "common_name": self.common_name,
            "not_after": self.not_after,
            "status": self.status,
        }


def parse_expiring_cursor(text: str) -> tuple[str, int]:
    """A cursor of :func:`expiring_certificates`: ``m<i>`` or ``c<i>``; ValidationError if not."""
    if not re.match(EXPIRING_CURSOR_PATTERN, text):
        raise ValidationError(f"cursor {text[:16]!r}: expected m or c and 1 to 10 decimal digits")
    return text[0], int(text[1:])


def _member_cas(reader: ProvingReader, code: str, deadline: int) -> list[ExpiringCertificate]:
    member = read_member(reader.get, code)
    assert member is not None, "a listed member has no record"
    found = []
    for der in member.ca_certs:
        try:
            info = certificate_info(load_certificate(der))
        except CERTIFICATE_FAILURES:
            continue  # it could not have issued a certificate either
        not_after = millis_of(info.not_after)
        if not_after <= deadline:
            item_id = reader.suite.hash(der)
            found.append(
                ExpiringCertificate(
                    "member_ca", item_id, code, None, info.common_name, not_after, member.status
                )
            )
    return found


def expiring_certificates(
    reader: ProvingReader, within_days: int, cursor: tuple[str, int], limit: int
) -> tuple[int, list[ExpiringCertificate], str | None]:
    """Certificates whose ``not_after`` is at most ``within_days`` days after the latest block.

    A bounded scan: it looks at ``limit`` list entries from ``cursor`` (members,
    each with all its CA certificates, then account certificates) and returns
    the latest block's time, the matches among them, and the next cursor
    (None at the end). NoBlocksError before block 1 (there is no block time).
    """
    if reader.height == 0:
        raise NoBlocksError("no block is committed yet, so there is no block time; retry soon")
    assert 1 <= within_days <= MAX_WITHIN_DAYS
    time = reader.header(reader.height).time
    deadline = time + within_days * DAY_MS
    phase, start = cursor
    found: list[ExpiringCertificate] = []
    budget = limit
    if phase == "m":
        codes, following = list_page(reader, MEMBERS, start, budget)
        for raw in codes:
            found.extend(_member_cas(reader, raw.decode("ascii"), deadline))
        if following is not None:
            return time, found, f"m{following}"
        budget -= len(codes)
        start = 0
        if budget == 0:
            return time, found, "c0"
    ids, following = list_page(reader, CERTS, start, budget)
    for raw in ids:
        cert = read_cert(reader.get, raw)
        assert cert is not None, "a listed certificate has no record"
        if cert.status == "active" and cert.not_after <= deadline:
            found.append(
                ExpiringCertificate(
                    "account",
                    cert.id,
                    cert.org,
                    cert.address,
                    cert.common_name,
                    cert.not_after,
                    cert.status,
                )
            )
    return time, found, None if following is None else f"c{following}"
