"""The stored records of ``grants``: grants, codes, delegations, requests and usage records.

docs/spec/grants.md, "State keys". Frozen dataclasses with ``validate()``,
stored as canonical CBOR of ``to_cbor()``, read back with ``from_stored``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from govchain.contracts.assets.content import MAX_ENVELOPE
from govchain.contracts.assets.records import CONTENT_ID_SIZE, check_type_code
from govchain.contracts.registry.records import FieldRecord
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash, check_list, check_text, check_uint
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "ACTIONS",
    "DELEGATION_SCOPES",
    "ID_SIZE",
    "MAX_PURPOSE",
    "MAX_USES",
    "READ_TARGETS",
    "REQUEST_STATUSES",
    "CodeRecord",
    "Delegation",
    "Grant",
    "GrantRequest",
    "Usage",
]

ID_SIZE = 16
ACTIONS = ("view", "use")
DELEGATION_SCOPES = ("grant", "use", "view")
REQUEST_STATUSES = ("open", "approved", "declined", "lapsed")
MAX_PURPOSE = 256
MAX_USES = 1_000_000
MAX_SEALED_CODE = 128
MAX_CODE_KEY = 65
MAX_DELEGATED = 32
READ_TARGETS = {"case": ID_SIZE, "tx": 32}
"""What a regulator reads besides an asset (docs/spec/supervision.md), and the size of its id."""


def _address(what: str, value: object, *, allow_empty: bool = False) -> bytes:
    if allow_empty and value == b"":
        return b""
    return check_bytes(what, value, size=ADDRESS_SIZE)


def _id(what: str, value: object, *, allow_empty: bool = False) -> bytes:
    if allow_empty and value == b"":
        return b""
    return check_bytes(what, value, size=ID_SIZE)


def _purpose(what: str, value: object) -> str:
    text = check_text(what, value, max_size=MAX_PURPOSE)
    if not text.strip():
        raise ValidationError(f"{what}: a purpose (事由) is required")
    return text


def _uses(what: str, uses: object, used: object) -> None:
    if not check_uint(what, uses, maximum=MAX_USES) >= 1:
        raise ValidationError(f"{what}: expected 1..{MAX_USES}")
    if check_uint(f"{what} used", used, maximum=MAX_USES) > uses:  # type: ignore[operator]
        raise ValidationError(f"{what}: more used than allowed")


@dataclass(frozen=True, slots=True)
class Grant(FieldRecord):
    """A holder's grant of view or use of one asset to one account."""

    WHAT: ClassVar[str] = "grant"
    id: bytes
    asset: bytes
    holder: bytes
    grantee: bytes
    scope: str
    purpose: str
    expires: int
    uses: int
    used: int
    matter: str
    envelope: bytes
    by: bytes
    status: str
    height: int
    reason: str

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        _id("grant.id", self.id)
        check_bytes("grant.asset", self.asset, size=CONTENT_ID_SIZE)
        _address("grant.holder", self.holder)
        _address("grant.grantee", self.grantee)
        if self.scope not in ACTIONS:
            raise ValidationError(f"grant.scope: expected one of {ACTIONS}")
        _purpose("grant.purpose", self.purpose)
        check_uint("grant.expires", self.expires)
        _uses("grant.uses", self.uses, self.used)
        check_text("grant.matter", self.matter, max_size=64)
        if not check_bytes("grant.envelope", self.envelope, max_size=MAX_ENVELOPE):
            raise ValidationError("grant.envelope: empty")
        _address("grant.by", self.by)
        if self.status not in ("active", "revoked"):
            raise ValidationError("grant.status: expected active or revoked")
        check_uint("grant.height", self.height)
        check_text("grant.reason", self.reason, max_size=MAX_PURPOSE)


@dataclass(frozen=True, slots=True)
class CodeRecord(FieldRecord):
    """An authorization code: its public key (never the code), the sealed data key, its limits."""

    WHAT: ClassVar[str] = "code"
    id: bytes
    asset: bytes
    holder: bytes
    code_key: bytes
    sealed: bytes
    purpose: str
    expires: int
    uses: int
    used: int
    by: bytes
    status: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        _id("code.id", self.id)
        check_bytes("code.asset", self.asset, size=CONTENT_ID_SIZE)
        _address("code.holder", self.holder)
        if not check_bytes("code.code_key", self.code_key, max_size=MAX_CODE_KEY):
            raise ValidationError("code.code_key: empty")
        if not check_bytes("code.sealed", self.sealed, max_size=MAX_SEALED_CODE):
            raise ValidationError("code.sealed: empty")
        _purpose("code.purpose", self.purpose)
        check_uint("code.expires", self.expires)
        _uses("code.uses", self.uses, self.used)
        _address("code.by", self.by)
        if self.status not in ("active", "revoked"):
            raise ValidationError("code.status: expected active or revoked")
        check_uint("code.height", self.height)


@dataclass(frozen=True, slots=True)
class Delegation(FieldRecord):
    """A holder's delegation (委托) of acts on its assets to an agent, until ``expires``."""

    WHAT: ClassVar[str] = "delegation"
    id: bytes
    holder: bytes
    agent: bytes
    scope: tuple[str, ...]
    types: tuple[str, ...]
    assets: tuple[bytes, ...]
    expires: int
    purpose: str
    status: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        _id("delegation.id", self.id)
        _address("delegation.holder", self.holder)
        _address("delegation.agent", self.agent)
        scope = [
            str(item) for item in check_list("delegation.scope", list(self.scope), max_items=3)
        ]
        if not scope or sorted(set(scope)) != scope or not set(scope) <= set(DELEGATION_SCOPES):
            raise ValidationError(
                f"delegation.scope: sorted, distinct values of {DELEGATION_SCOPES}"
            )
        for code in check_list("delegation.types", list(self.types), max_items=MAX_DELEGATED):
            check_type_code("delegation.types", code)
        for asset in check_list("delegation.assets", list(self.assets), max_items=MAX_DELEGATED):
            check_bytes("delegation.assets", asset, size=CONTENT_ID_SIZE)
        check_uint("delegation.expires", self.expires)
        _purpose("delegation.purpose", self.purpose)
        if self.status not in ("active", "revoked"):
            raise ValidationError("delegation.status: expected active or revoked")
        check_uint("delegation.height", self.height)

    def covers(self, act: str, asset: bytes, type_code: str, time: int) -> bool:
        """Whether it lets the agent do ``act`` on ``asset`` (of ``type_code``) at ``time``."""
        if self.status != "active" or time > self.expires or act not in self.scope:
            return False
        if not self.types and not self.assets:
            return True
        return asset in self.assets or type_code in self.types


@dataclass(frozen=True, slots=True)
class GrantRequest(FieldRecord):
    """A request for a grant, its reminders and its answer."""

    WHAT: ClassVar[str] = "request"
    id: bytes
    asset: bytes
    holder: bytes
    requester: bytes
    scope: str
    purpose: str
    matter: str
    expires: int
    remind_every: int
    reminders: int
    reminded: int
    next_reminder: int
    status: str
    grant: bytes
    reason: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        _id("request.id", self.id)
        check_bytes("request.asset", self.asset, size=CONTENT_ID_SIZE)
        _address("request.holder", self.holder)
        _address("request.requester", self.requester)
        if self.scope not in ACTIONS:
            raise ValidationError(f"request.scope: expected one of {ACTIONS}")
        _purpose("request.purpose", self.purpose)
        check_text("request.matter", self.matter, max_size=64)
        check_uint("request.expires", self.expires)
        if not check_uint("request.remind_every", self.remind_every, maximum=100_000) >= 1:
            raise ValidationError("request.remind_every: expected 1..100000 blocks")
        check_uint("request.reminders", self.reminders, maximum=10)
        check_uint("request.reminded", self.reminded, maximum=self.reminders)
        check_uint("request.next_reminder", self.next_reminder)
        if self.status not in REQUEST_STATUSES:
            raise ValidationError(f"request.status: expected one of {REQUEST_STATUSES}")
        _id("request.grant", self.grant, allow_empty=True)
        check_text("request.reason", self.reason, max_size=MAX_PURPOSE)
        check_uint("request.height", self.height)


@dataclass(frozen=True, slots=True)
class Usage(FieldRecord):
    """A usage record (查看/使用): who read which version of what, why, through what, when."""

    WHAT: ClassVar[str] = "usage"
    tx_hash: bytes
    asset: bytes
    version: int
    content_hash: bytes
    reader: bytes
    by: bytes
    holder: bytes
    action: str
    purpose: str
    via: str
    via_id: bytes
    height: int
    time: int
    reader_org: str = ""
    """The reader's member (a department), empty for a subject: with ``issuer``, the two
    departments a cross-department read involves (F-C4)."""
    issuer: str = ""
    target: str = ""
    """What was read: "" an asset; ``case`` or ``tx`` a regulator's read in its scope of the
    case or tx ``target_id`` (then ``asset``, ``content_hash`` are empty, ``version`` 0)."""
    target_id: bytes = b""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash("usage.tx_hash", self.tx_hash)
        self._check_target()
        _address("usage.reader", self.reader)
        _address("usage.by", self.by)
        _address("usage.holder", self.holder)
        if self.action not in ACTIONS:
            raise ValidationError(f"usage.action: expected one of {ACTIONS}")
        _purpose("usage.purpose", self.purpose)
        if self.via not in ("grant", "code", "scope"):
            raise ValidationError("usage.via: expected grant, code or scope")
        _id("usage.via_id", self.via_id)
        check_uint("usage.height", self.height)
        check_uint("usage.time", self.time)
        check_text("usage.reader_org", self.reader_org, max_size=18)
        check_text("usage.issuer", self.issuer, max_size=18)

    def _check_target(self) -> None:
        if check_text("usage.target", self.target, max_size=4) == "":
            check_bytes("usage.asset", self.asset, size=CONTENT_ID_SIZE)
            check_uint("usage.version", self.version, maximum=999)
            check_hash("usage.content_hash", self.content_hash)
            check_bytes("usage.target_id", self.target_id, size=0)
            return
        if self.target not in READ_TARGETS:
            raise ValidationError(f"usage.target: expected '' or one of {tuple(READ_TARGETS)}")
        check_bytes("usage.target_id", self.target_id, size=READ_TARGETS[self.target])
        check_bytes("usage.asset", self.asset, max_size=0)
        check_bytes("usage.content_hash", self.content_hash, max_size=0)
        if check_uint("usage.version", self.version, maximum=0) or self.via != "scope":
            raise ValidationError(
                f"usage: a {self.target} read names no asset and is made through a scope"
            )
