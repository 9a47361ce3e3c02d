"""The stored records of ``contracts``: a contract, its versions, review votes, test records and
history entries (docs/spec/contracts.md, "The lifecycle").

Each is a frozen dataclass with ``validate()``, stored as canonical CBOR of
its fields (``FieldRecord``) and read back checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from govchain.contracts.registry.records import FieldRecord
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    check_bytes,
    check_hash,
    check_list,
    check_map,
    check_text,
    check_uint,
)
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "CONTRACT_ID_SIZE",
    "CONTRACT_STATUSES",
    "HISTORY_STEPS",
    "MAX_ABI_METHODS",
    "MAX_VERSIONS",
    "METHOD_PATTERN",
    "NAME_PATTERN",
    "VERSION_STATUSES",
    "ContractRecord",
    "HistoryEntry",
    "ReviewVote",
    "TestRecord",
    "VersionRecord",
    "check_abi",
]

CONTRACT_ID_SIZE = 16
MAX_VERSIONS = 1_000
MAX_ABI_METHODS = 64
MAX_ELECTORATE = 256
CONTRACT_STATUSES = ("in_review", "approved", "rejected", "active", "frozen", "abolished")
VERSION_STATUSES = ("in_review", "approved", "rejected", "active", "retired")
"""A version is retired when a later one is deployed."""
HISTORY_STEPS = (
    "submitted",
    "reviewed",
    "approved",
    "rejected",
    "test_recorded",
    "deployed",
    "upgraded",
    "frozen",
    "unfrozen",
    "abolished",
)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
METHOD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
"""A method name: what both contract languages export (not starting with ``govchain_``)."""
_CODE = re.compile(r"^[0-9A-Z]{18}$")


def check_abi(what: str, abi: object) -> dict[str, str]:
    """An ABI: method name -> description (at most 256 characters), at most 64 methods."""
    methods = check_map(what, abi, max_items=MAX_ABI_METHODS)
    for name, description in methods.items():
        check_text(f"{what} method", name, max_size=64, pattern=METHOD_PATTERN)
        if name.startswith("govchain_"):
            raise ValidationError(f"{what}: {name!r} is not a method (govchain_ is reserved)")
        check_text(f"{what} {name}", description, max_size=256)
    return {name: str(methods[name]) for name in sorted(methods)}


@dataclass(frozen=True, slots=True)
class ContractRecord(FieldRecord):
    """A contract: its name, member, status and versions (``contracts/c/<id>``)."""

    WHAT: ClassVar[str] = "contract"
    id: bytes
    name: str
    member: str
    submitter: bytes
    status: str
    versions: int
    """How many versions were submitted (numbered 1 to ``versions``)."""
    active_version: int
    """The deployed version; 0 before the first deployment."""
    height: int
    """The height of the last change."""
    reason: str = ""
    """Why it was frozen or abolished."""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("contract.id", self.id, size=CONTRACT_ID_SIZE)
        check_text("contract.name", self.name, max_size=64, pattern=NAME_PATTERN)
        check_text("contract.member", self.member, max_size=18, pattern=_CODE)
        check_bytes("contract.submitter", self.submitter, size=ADDRESS_SIZE)
        if self.status not in CONTRACT_STATUSES:
            raise ValidationError(f"contract.status: expected one of {CONTRACT_STATUSES}")
        if not 1 <= check_uint("contract.versions", self.versions) <= MAX_VERSIONS:
            raise ValidationError(f"contract.versions: expected 1..{MAX_VERSIONS}")
        if check_uint("contract.active_version", self.active_version) > self.versions:
            raise ValidationError("contract.active_version: names a version not submitted")
        check_uint("contract.height", self.height)
        check_text("contract.reason", self.reason, max_size=256)


@dataclass(frozen=True, slots=True)
class VersionRecord(FieldRecord):
    """One version of a contract (``contracts/v/<id>/<n>``): its code, ABI and review."""

    WHAT: ClassVar[str] = "contract version"
    contract: bytes
    number: int
    code_hash: bytes
    source_hash: bytes
    abi: dict[str, str]
    description: str
    status: str
    rule: str
    """The review rule in force when it was submitted."""
    electorate: tuple[str, ...]
    """The members that may review it (active when it was submitted), sorted."""
    yes: int
    no: int
    height: int
    """The height it was submitted at."""
    decided_height: int = 0

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("version.contract", self.contract, size=CONTRACT_ID_SIZE)
        if not 1 <= check_uint("version.number", self.number) <= MAX_VERSIONS:
            raise ValidationError(f"version.number: expected 1..{MAX_VERSIONS}")
        check_hash("version.code_hash", self.code_hash)
        check_hash("version.source_hash", self.source_hash, allow_empty=True)
        check_abi("version.abi", self.abi)
        check_text("version.description", self.description, max_size=1024)
        if self.status not in VERSION_STATUSES:
            raise ValidationError(f"version.status: expected one of {VERSION_STATUSES}")
        check_text("version.rule", self.rule, max_size=16)
        codes = check_list("version.electorate", list(self.electorate), max_items=MAX_ELECTORATE)
        if not codes or codes != sorted(set(self.electorate)):
            raise ValidationError("version.electorate: not empty, sorted and distinct")
        for code in self.electorate:
            check_text("version.electorate", code, max_size=18, pattern=_CODE)
        check_uint("version.yes", self.yes)
        check_uint("version.no", self.no)
        if self.yes + self.no > len(self.electorate):
            raise ValidationError("version: more votes than members in its electorate")
        check_uint("version.height", self.height)
        check_uint("version.decided_height", self.decided_height)


@dataclass(frozen=True, slots=True)
class ReviewVote(FieldRecord):
    """One member's review of a version (``contracts/vote/<id>/<n>/<code>``)."""

    WHAT: ClassVar[str] = "review vote"
    member: str
    reviewer: bytes
    approve: bool
    comment: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("review.member", self.member, max_size=18, pattern=_CODE)
        check_bytes("review.reviewer", self.reviewer, size=ADDRESS_SIZE)
        if not isinstance(self.approve, bool):
            raise ValidationError("review.approve: expected true or false")
        check_text("review.comment", self.comment, max_size=1024)
        check_uint("review.height", self.height)


@dataclass(frozen=True, slots=True)
class TestRecord(FieldRecord):
    """A test network's verified receipt of a passing call of a version (``contracts/test/``)."""

    __test__: ClassVar[bool] = False  # not a pytest test class
    WHAT: ClassVar[str] = "test record"
    genesis_hash: bytes
    chain_id: str
    test_height: int
    test_tx: bytes
    method: str
    height: int
    """The height of this chain that recorded it."""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash("test.genesis_hash", self.genesis_hash)
        check_text("test.chain_id", self.chain_id, max_size=64)
        check_uint("test.test_height", self.test_height)
        check_hash("test.test_tx", self.test_tx)
        check_text("test.method", self.method, max_size=64, pattern=METHOD_PATTERN)
        check_uint("test.height", self.height)


@dataclass(frozen=True, slots=True)
class HistoryEntry(FieldRecord):
    """One step of a contract's life (``contracts/h/<id>/<i>``), proven by its tx's receipt."""

    WHAT: ClassVar[str] = "history entry"
    step: str
    version: int
    actor: bytes
    """The address that sent the tx; empty for a governance step (decided by a vote)."""
    height: int
    tx_hash: bytes
    detail: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        if self.step not in HISTORY_STEPS:
            raise ValidationError(f"history.step: expected one of {HISTORY_STEPS}")
        check_uint("history.version", self.version, maximum=MAX_VERSIONS)
        if self.actor:
            check_bytes("history.actor", self.actor, size=ADDRESS_SIZE)
        if check_uint("history.height", self.height) == 0:
            raise ValidationError("history.height: heights start at 1")
        check_hash("history.tx_hash", self.tx_hash)
        check_text("history.detail", self.detail, max_size=256)
