"""Options and argument checks the asset commands share (`asset`, `locker`, `asset-type`).

Passwords are read from files and never sent: ``--password-file`` is a
locker's unlock password, ``--key-password-file`` the PEM key's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from govchain.cli.console import fail, read_password
from govchain.client.assets import AssetClient
from govchain.client.sdk import NodeClient
from govchain.crypto.keyfiles import read_signing_key
from govchain.crypto.suite import SigningKey
from govchain.ledger.genesis_file import load_genesis

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "address_of_text",
    "asset_client",
    "content_id_of_text",
    "copies_option",
    "document_of",
    "genesis_option",
    "id_of_text",
    "json_option",
    "key_option",
    "key_password_option",
    "signer_of",
]

MAX_DOCUMENT_BYTES = 48 * 1024 * 1024
"""The largest document one asset carries (its fields and framing fit in the 64 MiB blob)."""


def key_option() -> Any:
    """``--key``: the account's private key."""
    return typer.Option(..., "--key", help="The account's private key (PEM).")


def key_password_option() -> Any:
    """``--key-password-file``: the PEM key's password, if it is encrypted."""
    return typer.Option(None, "--key-password-file", help="Password of an encrypted --key.")


def genesis_option() -> Any:
    """``--genesis``: check every record read against it."""
    return typer.Option(
        None, "--genesis", help="Verify every record read against this genesis.json."
    )


def json_option() -> Any:
    """``--json``."""
    return typer.Option(False, "--json", help="Print one JSON object.")


def copies_option() -> Any:
    """``--copies``: on how many storage nodes each blob is stored."""
    return typer.Option(
        2, "--copies", min=1, max=8, help="Storage nodes each blob is stored on (k of n)."
    )


def signer_of(key: Path, key_password: Path | None) -> SigningKey:
    """The signing key of ``--key``."""
    return read_signing_key(key, read_password(key_password))


def asset_client(
    node: NodeClient, signer: SigningKey, genesis: Path | None = None, copies: int = 2
) -> AssetClient:
    """An assets SDK client of ``signer`` (close it: it keeps storage connections)."""
    trusted = None if genesis is None else load_genesis(genesis)
    return AssetClient(node, signer, genesis=trusted, copies=copies)


def document_of(path: Path | None) -> tuple[str, bytes] | None:
    """``--file``: its name and bytes; exits 1 when it is too large."""
    if path is None:
        return None
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        fail(f"{path}: larger than {MAX_DOCUMENT_BYTES} bytes, the most one asset carries")
    return path.name, path.read_bytes()


def address_of_text(text: str, what: str) -> bytes:
    """An account address given as 40 hex digits; exits 1 naming ``what`` otherwise."""
    return _hex_of(text, 20, f"{what}: expected an account address of 40 hex digits")


def content_id_of_text(text: str) -> bytes:
    """A content id given as 32 hex digits; exits 1 otherwise."""
    return _hex_of(text, 16, "expected a content id of 32 hex digits")


def id_of_text(text: str, what: str) -> bytes:
    """A 16-byte id (grant, code, delegation, request, case) as 32 hex digits; exits 1 otherwise."""
    return _hex_of(text, 16, f"{what}: expected 32 hex digits")


def _hex_of(text: str, size: int, message: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != size:
        fail(message)
    return value
