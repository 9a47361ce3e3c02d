"""State keys of ``grants`` and the reads of their records (docs/spec/grants.md, "State keys")."""

from __future__ import annotations

from typing import TypeVar

from govchain.contracts.grants.records import CodeRecord, Delegation, Grant, GrantRequest, Usage
from govchain.contracts.state_lists import ListKeys
from govchain.execution.registry import ReadState

__all__ = [
    "GRANTS_KEY_PREFIX",
    "asset_grants",
    "asset_usages",
    "code_key",
    "delegation_key",
    "grant_key",
    "grants_to",
    "holder_requests",
    "holder_usages",
    "read_code",
    "read_delegation",
    "read_grant",
    "read_request",
    "read_usage",
    "request_key",
    "usage_key",
]

GRANTS_KEY_PREFIX = b"grants/"
_R = TypeVar("_R")


def grant_key(grant_id: bytes) -> bytes:
    """State key of a grant."""
    return GRANTS_KEY_PREFIX + b"grant/" + grant_id


def code_key(code_id: bytes) -> bytes:
    """State key of an authorization code's record."""
    return GRANTS_KEY_PREFIX + b"code/" + code_id


def delegation_key(delegation_id: bytes) -> bytes:
    """State key of a delegation."""
    return GRANTS_KEY_PREFIX + b"delegation/" + delegation_id


def request_key(request_id: bytes) -> bytes:
    """State key of a request for a grant."""
    return GRANTS_KEY_PREFIX + b"request/" + request_id


def usage_key(tx_hash: bytes) -> bytes:
    """State key of a usage record, by the hash of the tx that made it."""
    return GRANTS_KEY_PREFIX + b"usage/" + tx_hash


def asset_grants(content_id: bytes) -> ListKeys:
    """The ids of an asset's grants and codes, in order."""
    return ListKeys(GRANTS_KEY_PREFIX + b"asset/" + content_id + b"/g/")


def asset_usages(content_id: bytes) -> ListKeys:
    """The tx hashes of an asset's usage records, in order (its usage history)."""
    return ListKeys(GRANTS_KEY_PREFIX + b"asset/" + content_id + b"/u/")


def grants_to(address: bytes) -> ListKeys:
    """The ids of the grants to an account ("shared with me")."""
    return ListKeys(GRANTS_KEY_PREFIX + b"to/" + address + b"/")


def holder_usages(address: bytes) -> ListKeys:
    """The tx hashes of the usage records of a holder's assets, cases and txs, in order (the
    holder's usage history)."""
    return ListKeys(GRANTS_KEY_PREFIX + b"holder/" + address + b"/u/")


def holder_requests(address: bytes) -> ListKeys:
    """The ids of the requests to a holder."""
    return ListKeys(GRANTS_KEY_PREFIX + b"holder/" + address + b"/r/")


def _read(read: ReadState, key: bytes, decode: type[_R]) -> _R | None:
    raw = read(key)
    return None if raw is None else decode.from_stored(raw)  # type: ignore[attr-defined]


def read_grant(read: ReadState, grant_id: bytes) -> Grant | None:
    """A grant, or None."""
    return _read(read, grant_key(grant_id), Grant)


def read_code(read: ReadState, code_id: bytes) -> CodeRecord | None:
    """A code record, or None."""
    return _read(read, code_key(code_id), CodeRecord)


def read_delegation(read: ReadState, delegation_id: bytes) -> Delegation | None:
    """A delegation, or None."""
    return _read(read, delegation_key(delegation_id), Delegation)


def read_request(read: ReadState, request_id: bytes) -> GrantRequest | None:
    """A request, or None."""
    return _read(read, request_key(request_id), GrantRequest)


def read_usage(read: ReadState, tx_hash: bytes) -> Usage | None:
    """A usage record, or None."""
    return _read(read, usage_key(tx_hash), Usage)
