"""Signatures made in the user's browser for the console to send on: signed reads and txs.

The console never holds a user's key. When a locker page needs a read only
the locker's owner may make (``GET /v1/lockers/{address}``, RFC 9421,
decision 0007) or a tx the user sends (``grants.use``), the console hands
the browser the exact bytes to sign: a read's signature base, with the
``created`` time and a fresh nonce the console chose, or a tx's signing
bytes. The browser signs them with the account key and posts the
signatures back; the console rebuilds the same request and adds the
header fields (:class:`BrowserSignedReads`) or attaches the signature to the
tx, and the node checks both as from any other client.

:class:`ReadSigner` is what a read needs, whoever signs: the SDK's
:class:`govchain.client.request_signing.RequestSigner` is one (tests and
command-line tools), :class:`BrowserSignedReads` the console's.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx
from http_sf import ser

from govchain.crypto import CryptoSuite
from govchain.crypto.httpsig import (
    READ_TAG,
    REQUEST_COMPONENTS,
    RequestView,
    signature_base,
    signature_input_member,
    signature_to_wire,
)
from govchain.crypto.httpsig.profile import SIGNATURE_LABEL, algorithm_of
from govchain.types.errors import ValidationError

__all__ = [
    "SIGNED_METHODS",
    "BrowserSignedReads",
    "MissingSignatureError",
    "ReadSigner",
    "ReadToSign",
    "read_to_sign",
]

_NONCE = re.compile(r"[A-Za-z0-9_-]{22,86}")
"""A nonce as the ``nonce`` parameter carries it: 16..64 bytes, base64url unpadded."""
SIGNED_METHODS = ("GET", "POST")
"""What a browser signs for the console to send: reads, and bodiless POSTs (read receipts)."""
SIGNATURE_HEX_MAX = 256
"""The longest signature accepted from a browser, in hex digits (a DER SM2 one is ~144)."""


class ReadSigner(Protocol):
    """Makes the header fields that sign one read as the account that reads."""

    def headers(self, method: str, url: str, body: bytes = b"") -> dict[str, str]:
        """Signature-Input and Signature (and Content-Digest with a body) for the request."""
        ...


class MissingSignatureError(ValidationError):
    """The browser did not sign a read the console has to make (or signed it malformed)."""

    code = "signature_missing"


@dataclass(frozen=True, slots=True)
class ReadToSign:
    """One read for the browser to sign: its URL, the parameters the console chose and the
    signature base (RFC 9421) the account key signs."""

    url: str
    created: int
    nonce: str
    base: bytes

    def to_json(self) -> dict[str, object]:
        """The form the page's script receives (the base as text: it is ASCII)."""
        return {
            "url": self.url,
            "created": self.created,
            "nonce": self.nonce,
            "base": self.base.decode("ascii"),
        }


def _view(method: str, url: str) -> RequestView:
    parsed = httpx.URL(url)
    return RequestView(
        method=method,
        authority=parsed.netloc.decode("ascii").lower(),
        path=parsed.raw_path.split(b"?", 1)[0].decode("ascii"),
        query=parsed.query.decode("ascii"),
    )


def _params_value(suite: CryptoSuite, address: bytes, created: int, nonce: str) -> str:
    params: dict[str, int | str | bytes | bool] = {
        "created": created,
        "nonce": nonce,
        "keyid": address.hex(),
        "alg": algorithm_of(suite),
        "tag": READ_TAG,
    }
    return signature_input_member(REQUEST_COMPONENTS, params)


def read_to_sign(
    suite: CryptoSuite, address: bytes, url: str, created: int, nonce: bytes, method: str = "GET"
) -> ReadToSign:
    """The ``method`` (GET, or a POST without a body such as a message's read receipt) of
    ``url`` as ``address`` would sign it at ``created`` with ``nonce``."""
    if method not in SIGNED_METHODS:
        raise ValidationError(f"the browser signs {' or '.join(SIGNED_METHODS)} without a body")
    text = base64.urlsafe_b64encode(nonce).rstrip(b"=").decode("ascii")
    view = _view(method, url)
    view.validate()
    value = _params_value(suite, address, created, text)
    return ReadToSign(url, created, text, signature_base(view, REQUEST_COMPONENTS, value))


@dataclass(frozen=True, slots=True)
class BrowserSignature:
    """What the browser sent back for one read: the parameters it was given, its signature
    (hex, the suite's own form: DER for SM2, raw for Ed25519)."""

    created: int
    nonce: str
    signature: str

    def validate(self) -> None:
        """MissingSignatureError naming what is malformed."""
        if isinstance(self.created, bool) or not isinstance(self.created, int):
            raise MissingSignatureError("a read's created is an integer")
        if not 0 < self.created < 2**40:
            raise MissingSignatureError("a read's created is out of range")
        if not isinstance(self.nonce, str) or not _NONCE.fullmatch(self.nonce):
            raise MissingSignatureError("a read's nonce is 16..64 bytes in base64url")
        if not isinstance(self.signature, str) or not 0 < len(self.signature) <= SIGNATURE_HEX_MAX:
            raise MissingSignatureError(f"a signature is 1..{SIGNATURE_HEX_MAX} hex digits")


class BrowserSignedReads:
    """A :class:`ReadSigner` from signatures a browser made, one per URL, for ``address``.

    It does not verify them (the node does, as for any client); it only puts
    them in the header fields of the request they were made for.
    """

    def __init__(
        self, suite: CryptoSuite, address: bytes, signed: Mapping[str, BrowserSignature]
    ) -> None:
        for item in signed.values():
            item.validate()
        self.suite = suite
        self.address = address
        self._signed = dict(signed)

    def headers(self, method: str, url: str, body: bytes = b"") -> dict[str, str]:
        """The header fields of the browser's signature of ``method url`` (GET, or a POST
        without a body)."""
        if method not in SIGNED_METHODS or body:
            raise MissingSignatureError("the browser signs requests without a body only")
        found = self._signed.get(url)
        if found is None:
            raise MissingSignatureError(f"the browser did not sign the read of {_path_of(url)}")
        try:
            raw = binascii.unhexlify(found.signature)
        except (binascii.Error, ValueError) as exc:
            raise MissingSignatureError("a signature is hex digits") from exc
        value = _params_value(self.suite, self.address, found.created, found.nonce)
        wire = signature_to_wire(self.suite, raw) if self.suite.name == "gm" else raw
        return {
            "Signature-Input": f"{SIGNATURE_LABEL}={value}",
            "Signature": ser({SIGNATURE_LABEL: (wire, {})}),
        }


def _path_of(url: str) -> str:
    return httpx.URL(url).path
