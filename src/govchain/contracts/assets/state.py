"""State keys of ``assets`` and the reads of their records (docs/spec/assets.md, "State keys").

::

    assets/type/<code>                           latest version, 4 bytes
    assets/type/<code>/<version 4B>              type record
    assets/locker/<address>                      locker record
    assets/consent/<holder>/<type>/<mode>/<party>  consent record
    assets/asset/<content id>                    asset record
    assets/asset/<content id>/h/...              its history (a state list)
    assets/id/<identifier>                       content id of a licence identifier
    assets/serial/<issuer code>                  the issuer's last serial, 4 bytes
    assets/held/<holder>/...                     the holder's content ids (a state list)
"""

from __future__ import annotations

from govchain.contracts.assets.records import Asset, AssetType, Consent, HistoryEntry, Locker
from govchain.contracts.state_lists import ListKeys, list_count
from govchain.execution.registry import ReadState
from govchain.types.errors import ValidationError

__all__ = [
    "ASSETS_KEY_PREFIX",
    "asset_key",
    "consent_key",
    "held_list",
    "history_list",
    "identifier_key",
    "latest_type_version",
    "locker_key",
    "read_asset",
    "read_asset_by_identifier",
    "read_consent",
    "read_history",
    "read_locker",
    "read_serial",
    "read_type",
    "serial_key",
    "type_key",
    "type_version_key",
]

ASSETS_KEY_PREFIX = b"assets/"


def type_key(code: str) -> bytes:
    """State key of a type's latest version number."""
    return ASSETS_KEY_PREFIX + b"type/" + code.encode("ascii")


def type_version_key(code: str, version: int) -> bytes:
    """State key of one version of a type."""
    return type_key(code) + b"/" + version.to_bytes(4, "big")


def locker_key(address: bytes) -> bytes:
    """State key of an account's locker."""
    return ASSETS_KEY_PREFIX + b"locker/" + address


def consent_key(holder: bytes, type_code: str, mode: str, party: str) -> bytes:
    """State key of a holder's consent for (type, mode, party)."""
    tail = "/".join((type_code, mode, party)).encode("ascii")
    return ASSETS_KEY_PREFIX + b"consent/" + holder + b"/" + tail


def asset_key(content_id: bytes) -> bytes:
    """State key of an asset version."""
    return ASSETS_KEY_PREFIX + b"asset/" + content_id


def history_list(content_id: bytes) -> ListKeys:
    """The history of an asset version."""
    return ListKeys(asset_key(content_id) + b"/h/")


def identifier_key(identifier: str) -> bytes:
    """State key of the content id a licence identifier names."""
    return ASSETS_KEY_PREFIX + b"id/" + identifier.encode("ascii")


def serial_key(issuer: str) -> bytes:
    """State key of an issuer's last serial."""
    return ASSETS_KEY_PREFIX + b"serial/" + issuer.encode("ascii")


def held_list(holder: bytes) -> ListKeys:
    """The content ids a holder's locker lists, in issue order."""
    return ListKeys(ASSETS_KEY_PREFIX + b"held/" + holder + b"/")


def _counter(read: ReadState, key: bytes, what: str) -> int:
    raw = read(key)
    if raw is None:
        return 0
    if len(raw) != 4:
        raise ValidationError(f"{what}: expected 4 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def latest_type_version(read: ReadState, code: str) -> int:
    """The latest version of a type (0: never defined)."""
    return _counter(read, type_key(code), "type version")


def read_serial(read: ReadState, issuer: str) -> int:
    """An issuer's last serial (0: none issued yet)."""
    return _counter(read, serial_key(issuer), "issuer serial")


def read_type(read: ReadState, code: str, version: int | None = None) -> AssetType | None:
    """A version of a type (None: the latest); None when it does not exist."""
    number = latest_type_version(read, code) if version is None else version
    if number == 0:
        return None
    raw = read(type_version_key(code, number))
    return None if raw is None else AssetType.from_stored(raw)


def read_locker(read: ReadState, address: bytes) -> Locker | None:
    """An account's locker, or None."""
    raw = read(locker_key(address))
    return None if raw is None else Locker.from_stored(raw)


def read_consent(read: ReadState, key: bytes) -> Consent | None:
    """The consent under ``key``, or None."""
    raw = read(key)
    return None if raw is None else Consent.from_stored(raw)


def read_asset(read: ReadState, content_id: bytes) -> Asset | None:
    """An asset version by content id, or None."""
    raw = read(asset_key(content_id))
    return None if raw is None else Asset.from_stored(raw)


def read_asset_by_identifier(read: ReadState, identifier: str) -> Asset | None:
    """An asset version by licence identifier, or None."""
    content_id = read(identifier_key(identifier))
    return None if content_id is None else read_asset(read, content_id)


def read_history(read: ReadState, content_id: bytes) -> list[HistoryEntry]:
    """Every history entry of an asset, oldest first (bounded by the history limit)."""
    keys = history_list(content_id)
    entries = []
    for index in range(list_count(read, keys)):
        raw = read(keys.item_key(index))
        if raw is None:
            raise ValidationError(f"asset history: entry {index} is missing")
        entries.append(HistoryEntry.from_stored(raw))
    return entries
