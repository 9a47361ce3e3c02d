"""Trusted subjects (F-B3, F-C7): persons and enterprises, their locker-opening applications.

docs/spec/registry.md, "Subjects". An applicant's own key sends
``registry.subject_apply``; an account of the reviewing member (one holding the
``subject`` permission) approves or refuses it with ``registry.subject_decide``.
An approved subject gets an account of kind ``subject`` whose roles are its
permissions. A person's ID number, name and address never reach the chain in
clear: the application carries a blind index (a keyed hash under a key the
reviewing member holds off chain) and the record sealed under that member's
record key (``govchain.client.subjects``).
::
    registry/subject/<address 20B>          subject record
    registry/subject-index/<blind index>    address of the person with that index
    registry/subject-code/<credit code>     address of the enterprise with that code
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from govchain.contracts.registry.records import Account, StoredRecord
from govchain.contracts.registry.state import (
    REGISTRY_KEY_PREFIX,
    read_account,
    read_member,
    register_account,
)
from govchain.contracts.registry.subject_txs import (
    MAX_SEALED,
    SUBJECT_PERMISSIONS,
    SubjectApplyArgs,
    SubjectDecideArgs,
)
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, ReadState, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_text, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "SUBJECT_STATUSES",
    "Subject",
    "read_subject",
    "subject_apply_handler",
    "subject_decide_handler",
    "subject_key",
]

SUBJECT_STATUSES = ("applied", "refused", "active", "frozen", "closed")
_FIELDS = (
    "address",
    "public_key",
    "kind",
    "status",
    "member",
    "code",
    "name",
    "blind_index",
    "sealed",
    "permissions",
    "applied_height",
    "decided_height",
    "decided_by",
    "reason",
)


def subject_key(address: bytes) -> bytes:
    """State key of a subject record."""
    return REGISTRY_KEY_PREFIX + b"subject/" + address


def index_key(blind_index: bytes) -> bytes:
    """State key of the person found by a blind index."""
    return REGISTRY_KEY_PREFIX + b"subject-index/" + blind_index


def code_key(code: str) -> bytes:
    """State key of the enterprise with a credit code."""
    return REGISTRY_KEY_PREFIX + b"subject-code/" + code.encode("ascii")


@dataclass(frozen=True, slots=True)
class Subject(StoredRecord):
    """A person or an enterprise and its application's outcome."""

    address: bytes
    public_key: bytes
    kind: str
    status: str
    member: str
    code: str
    name: str
    blind_index: bytes
    sealed: bytes
    permissions: tuple[str, ...]
    applied_height: int
    decided_height: int = 0
    decided_by: bytes = b""
    reason: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("subject.address", self.address, size=ADDRESS_SIZE)
        if not check_bytes("subject.public_key", self.public_key, max_size=128):
            raise ValidationError("subject.public_key: empty")
        if self.kind not in ("person", "enterprise"):
            raise ValidationError("subject.kind: expected person or enterprise")
        if self.status not in SUBJECT_STATUSES:
            raise ValidationError(f"subject.status: expected one of {SUBJECT_STATUSES}")
        check_text("subject.member", self.member, max_size=18)
        if self.kind == "person":
            check_bytes("subject.blind_index", self.blind_index, size=32)
            check_bytes("subject.sealed", self.sealed, max_size=MAX_SEALED)
            if self.code or self.name:
                raise ValidationError("subject: a person's code and name are never stored in clear")
        else:
            check_text("subject.code", self.code, max_size=18)
            check_text("subject.name", self.name, max_size=128)
            if self.blind_index or self.sealed:
                raise ValidationError("subject: an enterprise has no blind index or sealed record")
        names = check_list("subject.permissions", list(self.permissions), max_items=3)
        if any(p not in SUBJECT_PERMISSIONS for p in names) or names != sorted(set(names)):  # type: ignore[type-var]
            raise ValidationError(
                f"subject.permissions: sorted, distinct, of {SUBJECT_PERMISSIONS}"
            )
        check_uint("subject.applied_height", self.applied_height)
        check_uint("subject.decided_height", self.decided_height)
        if self.decided_by:
            check_bytes("subject.decided_by", self.decided_by, size=ADDRESS_SIZE)
        check_text("subject.reason", self.reason, max_size=256)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        stored = {name: getattr(self, name) for name in _FIELDS}
        stored["permissions"] = list(self.permissions)
        return stored

    @classmethod
    def from_stored(cls, raw: bytes) -> Subject:
        """Decode and check a stored subject; ValidationError if malformed."""

        def build(obj: object) -> Subject:
            data = fields_of("subject record", obj, _FIELDS)
            data["permissions"] = tuple(
                check_list("subject.permissions", data["permissions"], max_items=3)
            )
            subject = cls(**data)
            subject.validate()
            return subject

        return records.decode_record(raw, build, records.RECORD_LIMITS, "subject record")


def read_subject(read: ReadState, address: bytes) -> Subject | None:
    """The subject record of ``address``, or None."""
    raw = read(subject_key(address))
    return None if raw is None else Subject.from_stored(raw)


def subject_apply_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.subject_apply`` (policy SELF: the applicant's own key)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = SubjectApplyArgs.from_args(tx.args)
        address = records.address_of(suite, tx.sender)
        member = read_member(ctx.get, args.member)
        if member is None or member.status != "active" or "subject" not in member.permissions:
            raise ContractError(f"member {args.member} does not review subjects")
        earlier = read_subject(ctx.get, address)
        if earlier is not None and earlier.status != "refused":
            raise ContractError(
                f"account {address.hex()} already has a subject that is {earlier.status}"
            )
        if read_account(ctx.get, address) is not None:
            raise ContractError(f"account {address.hex()} is already registered")
        lookup = index_key(args.blind_index) if args.kind == "person" else code_key(args.code)
        holder = ctx.get(lookup)
        if holder is not None and holder != address:
            raise ContractError(f"this {args.kind} already has a locker (account {holder.hex()})")
        subject = Subject(
            address,
            tx.sender,
            args.kind,
            "applied",
            args.member,
            args.code,
            args.name,
            args.blind_index,
            args.sealed,
            (),
            ctx.height,
        )
        subject.validate()
        ctx.put(subject_key(address), subject.encode())
        ctx.put(lookup, address)
        ctx.emit("registry.subject_applied", address=address, kind=args.kind, member=args.member)

    return handle


def subject_decide_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.subject_decide``.

    An account of the reviewing member decides: its admins, or staff holding
    a role with this tx type (the permission check has already said so).
    """

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = SubjectDecideArgs.from_args(tx.args)
        subject = read_subject(ctx.get, args.address)
        if subject is None:
            raise ContractError(f"account {args.address.hex()} has no application")
        if subject.status != "applied":
            raise ContractError(f"the application of {args.address.hex()} is {subject.status}")
        decider = records.address_of(suite, tx.sender)
        account = read_account(ctx.get, decider)
        member = read_member(ctx.get, subject.member)
        if account is None or account.org != subject.member or member is None:
            raise ContractError(
                f"only an account of member {subject.member} decides this application"
            )
        if "subject" not in member.permissions:
            raise ContractError(f"member {subject.member} no longer holds the subject permission")
        decided = replace(
            subject,
            status="active" if args.approve else "refused",
            permissions=args.permissions if args.approve else (),
            decided_height=ctx.height,
            decided_by=decider,
            reason=args.reason,
        )
        decided.validate()
        ctx.put(subject_key(args.address), decided.encode())
        if args.approve:
            _open_account(ctx, args.address, subject.public_key, decided.permissions)
        else:
            lookup = (
                index_key(subject.blind_index)
                if subject.kind == "person"
                else code_key(subject.code)
            )
            ctx.delete(lookup)
        state = "active" if args.approve else "refused"
        ctx.emit("registry.subject_decided", address=args.address, status=state)

    return handle


def _open_account(
    ctx: TxContext, address: bytes, public_key: bytes, roles: tuple[str, ...]
) -> None:
    account = Account(address, public_key, "subject", "", roles, "active", ctx.height)
    register_account(ctx.get, ctx.put, account)
