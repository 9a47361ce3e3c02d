"""The txs of ``grants``: argument records with strict parsing, and one builder.

docs/spec/grants.md, "Tx types". Each record names its tx type and, per
field, the check its value must pass; ``from_args`` takes the required
fields and, of the optional ones (those with a default), those present;
``to_args`` leaves optional fields at their default out. A bad argument is
a ContractError starting with ``invalid_args:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from govchain.contracts.args_records import Check, ParsedArgs
from govchain.contracts.assets.content import MAX_ENVELOPE
from govchain.contracts.assets.records import CONTENT_ID_SIZE, check_type_code
from govchain.contracts.grants.records import (
    ACTIONS,
    DELEGATION_SCOPES,
    ID_SIZE,
    MAX_CODE_KEY,
    MAX_DELEGATED,
    MAX_PURPOSE,
    MAX_SEALED_CODE,
    MAX_USES,
)
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    HASH_SIZE,
    check_bytes,
    check_list,
    check_map,
    check_text,
    check_uint,
)
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "AnswerArgs",
    "CodeArgs",
    "DelegateArgs",
    "GrantArgs",
    "RecordReadArgs",
    "RemindArgs",
    "RequestArgs",
    "RevokeArgs",
    "UndelegateArgs",
    "UseArgs",
    "grants_tx",
]


def _content_id(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=CONTENT_ID_SIZE)


def _record_id(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=ID_SIZE)


def _address(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=ADDRESS_SIZE)


def _purpose(what: str, value: object) -> str:
    text = check_text(what, value, max_size=MAX_PURPOSE)
    if not text.strip():
        raise ValidationError(f"{what}: a purpose (事由) is required")
    return text


def _reason(what: str, value: object) -> str:
    return check_text(what, value, max_size=MAX_PURPOSE)


def _action(what: str, value: object) -> str:
    if value not in ACTIONS:
        raise ValidationError(f"{what}: expected one of {ACTIONS}")
    return str(value)


def _uses(what: str, value: object) -> int:
    uses = check_uint(what, value, maximum=MAX_USES)
    if uses < 1:
        raise ValidationError(f"{what}: expected 1..{MAX_USES}")
    return uses


def _time(what: str, value: object) -> int:
    return check_uint(what, value)


def _matter(what: str, value: object) -> str:
    return check_text(what, value, max_size=64)


def _envelope(what: str, value: object) -> bytes:
    sealed = check_bytes(what, value, max_size=MAX_ENVELOPE)
    if not sealed:
        raise ValidationError(f"{what}: empty")
    return sealed


def _bool(what: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{what}: expected true or false")
    return value


def _scope_list(what: str, value: object) -> tuple[str, ...]:
    items = [str(item) for item in check_list(what, value, max_items=3)]
    if not items or sorted(set(items)) != items or not set(items) <= set(DELEGATION_SCOPES):
        raise ValidationError(f"{what}: sorted, distinct values of {DELEGATION_SCOPES}")
    return tuple(str(item) for item in items)


def _types(what: str, value: object) -> tuple[str, ...]:
    return tuple(check_type_code(what, c) for c in check_list(what, value, max_items=MAX_DELEGATED))


def _assets(what: str, value: object) -> tuple[bytes, ...]:
    items = check_list(what, value, max_items=MAX_DELEGATED)
    return tuple(_content_id(what, item) for item in items)


def _via(what: str, value: object) -> dict[str, bytes]:
    found = check_map(what, value, max_items=2)
    if set(found) == {"grant"}:
        return {"grant": _record_id(f"{what}.grant", found["grant"])}
    if set(found) == {"scope"}:
        return {"scope": _record_id(f"{what}.scope", found["scope"])}
    if set(found) == {"code", "proof"}:
        return {
            "code": _record_id(f"{what}.code", found["code"]),
            "proof": check_bytes(f"{what}.proof", found["proof"], max_size=128),
        }
    raise ValidationError(
        f'{what}: expected {{"grant": id}}, {{"code": id, "proof": signature}} or {{"scope": id}}'
    )


@dataclass(frozen=True, slots=True)
class GrantArgs(ParsedArgs):
    """``grants.grant``."""

    TX_TYPE: ClassVar[str] = "grants.grant"
    CHECKS: ClassVar[dict[str, Check]] = {
        "asset": _content_id, "grantee": _address, "scope": _action, "purpose": _purpose,
        "expires": _time, "uses": _uses, "envelope": _envelope, "matter": _matter,
        "on_behalf": _address,
    }  # fmt: skip
    asset: bytes
    grantee: bytes
    scope: str
    purpose: str
    expires: int
    uses: int
    envelope: bytes
    matter: str = ""
    on_behalf: bytes = b""


@dataclass(frozen=True, slots=True)
class RevokeArgs(ParsedArgs):
    """``grants.revoke``: a grant or a code."""

    TX_TYPE: ClassVar[str] = "grants.revoke"
    CHECKS: ClassVar[dict[str, Check]] = {
        "grant": _record_id, "reason": _purpose, "on_behalf": _address,
    }  # fmt: skip
    grant: bytes
    reason: str
    on_behalf: bytes = b""


@dataclass(frozen=True, slots=True)
class CodeArgs(ParsedArgs):
    """``grants.code``: an authorization code's public key and sealed data key."""

    TX_TYPE: ClassVar[str] = "grants.code"
    CHECKS: ClassVar[dict[str, Check]] = {
        "asset": _content_id,
        "code_key": lambda w, v: check_bytes(w, v, max_size=MAX_CODE_KEY),
        "sealed": lambda w, v: check_bytes(w, v, max_size=MAX_SEALED_CODE),
        "purpose": _purpose, "expires": _time, "uses": _uses, "on_behalf": _address,
    }  # fmt: skip
    asset: bytes
    code_key: bytes
    sealed: bytes
    purpose: str
    expires: int
    uses: int
    on_behalf: bytes = b""


@dataclass(frozen=True, slots=True)
class UseArgs(ParsedArgs):
    """``grants.use``: a usage record, through a grant or a code."""

    TX_TYPE: ClassVar[str] = "grants.use"
    CHECKS: ClassVar[dict[str, Check]] = {
        "asset": _content_id, "action": _action, "purpose": _purpose, "via": _via,
        "on_behalf": _address,
    }  # fmt: skip
    asset: bytes
    action: str
    purpose: str
    via: dict[str, bytes]
    on_behalf: bytes = b""


@dataclass(frozen=True, slots=True)
class RecordReadArgs(ParsedArgs):
    """``grants.use`` naming a case or a tx instead of an asset: a regulator's read in its scope
    (docs/spec/supervision.md); a tx read names the tx's sender as ``holder``."""

    TX_TYPE: ClassVar[str] = "grants.use"
    CHECKS: ClassVar[dict[str, Check]] = {
        "action": _action, "purpose": _purpose, "via": _via, "case": _record_id,
        "tx": lambda w, v: check_bytes(w, v, size=HASH_SIZE), "holder": _address,
    }  # fmt: skip
    action: str
    purpose: str
    via: dict[str, bytes]
    case: bytes = b""
    tx: bytes = b""
    holder: bytes = b""

    def target(self) -> tuple[str, bytes]:
        """``("case", id)`` or ``("tx", hash)``; ContractError ``invalid_args`` unless exactly
        one is named, with ``holder`` given for a tx only."""
        if bool(self.case) == bool(self.tx):
            raise ContractError("invalid_args: grants.use names exactly one of asset, case, tx")
        if bool(self.holder) != bool(self.tx):
            raise ContractError("invalid_args: grants.use: holder (the tx's sender) goes with tx")
        return ("case", self.case) if self.case else ("tx", self.tx)


@dataclass(frozen=True, slots=True)
class DelegateArgs(ParsedArgs):
    """``grants.delegate``: the holder delegates acts to an agent."""

    TX_TYPE: ClassVar[str] = "grants.delegate"
    CHECKS: ClassVar[dict[str, Check]] = {
        "agent": _address, "scope": _scope_list, "types": _types, "assets": _assets,
        "expires": _time, "purpose": _purpose,
    }  # fmt: skip
    agent: bytes
    scope: tuple[str, ...]
    expires: int
    purpose: str
    types: tuple[str, ...] = ()
    assets: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class UndelegateArgs(ParsedArgs):
    """``grants.undelegate``."""

    TX_TYPE: ClassVar[str] = "grants.undelegate"
    CHECKS: ClassVar[dict[str, Check]] = {"delegation": _record_id, "reason": _purpose}
    delegation: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class RequestArgs(ParsedArgs):
    """``grants.request``: ask a holder for a grant."""

    TX_TYPE: ClassVar[str] = "grants.request"
    CHECKS: ClassVar[dict[str, Check]] = {
        "asset": _content_id, "scope": _action, "purpose": _purpose, "expires": _time,
        "remind_every": lambda w, v: check_uint(w, v, maximum=100_000),
        "reminders": lambda w, v: check_uint(w, v, maximum=10), "matter": _matter,
    }  # fmt: skip
    asset: bytes
    scope: str
    purpose: str
    expires: int
    remind_every: int
    reminders: int
    matter: str = ""


@dataclass(frozen=True, slots=True)
class AnswerArgs(ParsedArgs):
    """``grants.answer``: approve (with the grant's envelope) or decline (with a reason)."""

    TX_TYPE: ClassVar[str] = "grants.answer"
    CHECKS: ClassVar[dict[str, Check]] = {
        "request": _record_id, "approve": _bool, "reason": _reason, "envelope": _envelope,
        "uses": _uses, "on_behalf": _address,
    }  # fmt: skip
    request: bytes
    approve: bool
    reason: str = ""
    envelope: bytes = b""
    uses: int = 1
    on_behalf: bytes = b""


@dataclass(frozen=True, slots=True)
class RemindArgs(ParsedArgs):
    """``grants.remind``: count a due reminder of an open request."""

    TX_TYPE: ClassVar[str] = "grants.remind"
    CHECKS: ClassVar[dict[str, Check]] = {"request": _record_id}
    request: bytes


def grants_tx(key: SigningKey, chain_id: str, args: Any, nonce: bytes, expiry: int) -> Tx:
    """A signed tx of ``args``'s type."""
    return signed_tx(key, chain_id, args.TX_TYPE, args.to_args(), nonce, expiry)
