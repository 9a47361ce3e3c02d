"""SDK of subjects (F-B3, F-C7): locker-opening applications, with personal data kept off chain.

A person's application carries no personal data in clear. The reviewing
member holds an identity key off chain (``D/members/<code>/identity.key``
from ``net init``); from it come two keys:

- the **index key**: the blind index is HMAC(index key, the ID number), so the
  member can find a person's locker by ID number, and nobody without the key
  can tell whose it is;
- the **record key**: the record ``{id_number, name, address}`` is sealed under
  it (SM4-GCM under ``gm``), bound to the applicant's address, so only the
  member can read it back (:func:`open_person_record`).

An enterprise's credit code and name are public and go in clear.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args
from govchain.codec import decode, encode
from govchain.codes.citizen_id import check_citizen_id
from govchain.contracts.registry.subject_txs import (
    SubjectApplyArgs,
    SubjectDecideArgs,
    subject_apply_tx,
    subject_decide_tx,
)
from govchain.contracts.registry.subjects import Subject
from govchain.crypto import CryptoSuite, SigningKey
from govchain.crypto.keyfiles import write_file_atomic
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = [
    "IDENTITY_KEY_SIZE",
    "PersonRecord",
    "SubjectClient",
    "blind_index",
    "new_identity_key",
    "open_person_record",
    "person_application",
    "read_identity_key",
]

IDENTITY_KEY_SIZE = 32
_INDEX_LABEL = b"govchain/subject-index/v1"
_RECORD_LABEL = b"govchain/subject-record/v1"


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person's identity as the reviewing member reads it; never printed by its repr."""

    id_number: str = field(repr=False)
    name: str = field(repr=False)
    address: str = field(repr=False, default="")


def new_identity_key(path: Path) -> None:
    """Write a fresh identity key (hex, mode 0600) for a member; refuse to overwrite one."""
    if path.exists():
        raise ValidationError(f"{path} exists; an identity key is never replaced in place")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file_atomic(path, os.urandom(IDENTITY_KEY_SIZE).hex().encode() + b"\n")


def read_identity_key(path: Path) -> bytes:
    """A member's identity key; ValidationError if the file is not one."""
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != IDENTITY_KEY_SIZE:
        raise ValidationError(f"{path}: not an identity key ({2 * IDENTITY_KEY_SIZE} hex digits)")
    return key


def blind_index(suite: CryptoSuite, identity_key: bytes, id_number: str) -> bytes:
    """The blind index of a citizen ID number under a member's identity key."""
    index_key = suite.keyed_hash(identity_key, _INDEX_LABEL)
    return suite.keyed_hash(index_key, b"citizen:" + id_number.upper().encode("ascii"))


def _record_key(suite: CryptoSuite, identity_key: bytes) -> bytes:
    return suite.keyed_hash(identity_key, _RECORD_LABEL)[: suite.aead_key_size]


def _aad(applicant: bytes) -> bytes:
    return b"govchain/subject/v1" + applicant


def person_application(
    suite: CryptoSuite, identity_key: bytes, applicant: bytes, person: PersonRecord
) -> tuple[bytes, bytes]:
    """The blind index and the sealed record of ``person`` applying from address ``applicant``.

    The ID number is checked first (GB 11643); a CodeError names the failed
    check and never the number.
    """
    check_citizen_id(person.id_number)
    plain = encode({"id_number": person.id_number, "name": person.name, "address": person.address})
    sealed = suite.seal(_record_key(suite, identity_key), plain, _aad(applicant))
    return blind_index(suite, identity_key, person.id_number), sealed


def open_person_record(suite: CryptoSuite, identity_key: bytes, subject: Subject) -> PersonRecord:
    """Read a person's sealed record back with the member's identity key.

    Raises DecryptionError with another key, or when the record was sealed
    for another applicant; ValidationError when it decodes to something else.
    """
    plain = suite.open(_record_key(suite, identity_key), subject.sealed, _aad(subject.address))
    data = decode(plain)
    if not isinstance(data, dict) or set(data) != {"id_number", "name", "address"}:
        raise ValidationError("the sealed record is not a person record")
    if not all(isinstance(value, str) for value in data.values()):
        raise ValidationError("the sealed record is not a person record")
    return PersonRecord(data["id_number"], data["name"], data["address"])


class SubjectClient:
    """Applications and decisions through a node, and the signed read of a subject."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def apply(self, applicant: SigningKey, args: SubjectApplyArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.subject_apply`` signed by the applicant's own key."""
        return submit_args(self.node, applicant, subject_apply_tx, args)

    def decide(self, officer: SigningKey, args: SubjectDecideArgs) -> tuple[Tx, bytes]:
        """Submit ``registry.subject_decide`` signed by an account of the reviewing member."""
        return submit_args(self.node, officer, subject_decide_tx, args)

    def subject(self, address: bytes) -> dict[str, Any]:
        """``GET /v1/registry/subjects/{address}`` (a signed read: the client needs a key)."""
        return self.node.get_json(f"/v1/registry/subjects/{address.hex()}")
