"""The SDK's side of signed reads: requests signed by the reader's account (decision 0007).

Reads of protected data (a person's subject record, later the locker) are
answered only to a request signed, following RFC 9421, by the account
that reads (``govchain.crypto.httpsig``). :class:`RequestSigner` makes the
header fields for one request; :class:`SignedReadAuth` is an httpx auth
that adds them to every GET a :class:`~govchain.client.sdk.NodeClient`
sends when it is given a ``signing_key``. Each request gets a fresh nonce
and the current time, so a signature is good for one request, within
minutes, at the node it was sent to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator

import httpx

from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.crypto.httpsig import READ_TAG, RequestView, sign_request
from govchain.crypto.httpsig.profile import NONCE_SIZE
from govchain.ledger.records import address_of

__all__ = ["RequestSigner", "SignedReadAuth"]


class RequestSigner:
    """Signs requests as reads of the account of ``key``."""

    def __init__(
        self,
        key: SigningKey,
        *,
        suite: CryptoSuite | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
        tag: str = READ_TAG,
    ) -> None:
        """Parameters:
        key: the reader's account key.
        suite: the chain's suite (default: the key's suite with its default signer ID).
        clock: wall-clock seconds, for ``created``.
        random_bytes: the source of nonces.
        tag: the signature's purpose (tests sign for another one).
        """
        self.key = key
        self.suite = suite or suite_for(key.suite_name)
        self.address = address_of(self.suite, key.public_key)
        """The account the signatures name (``keyid``)."""
        self._clock = clock
        self._random_bytes = random_bytes
        self._tag = tag

    def headers(self, method: str, url: str, body: bytes = b"") -> dict[str, str]:
        """The header fields that sign ``method url`` with ``body``: Signature-Input,
        Signature and, with a body, Content-Digest."""
        return self.headers_for(httpx.Request(method, url, content=body))

    def headers_for(self, request: httpx.Request) -> dict[str, str]:
        """The header fields that sign an httpx request as it will be sent (its body read)."""
        raw_path = request.url.raw_path.split(b"?", 1)[0]
        view = RequestView(
            method=request.method,
            authority=request.headers.get("host", request.url.netloc.decode("ascii")).lower(),
            path=raw_path.decode("ascii"),
            query=request.url.query.decode("ascii"),
        )
        signed = sign_request(
            self.key,
            self.suite,
            view,
            request.content,
            keyid=self.address.hex(),
            created=int(self._clock()),
            nonce=self._random_bytes(NONCE_SIZE),
            tag=self._tag,
        )
        return signed.as_dict()


class SignedReadAuth(httpx.Auth):
    """httpx auth that signs every GET with a :class:`RequestSigner` (other methods pass as
    they are: submissions carry their own signatures)."""

    requires_request_body = True

    def __init__(self, signer: RequestSigner) -> None:
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign the request if it is a GET, then send it."""
        if request.method == "GET":
            request.headers.update(self.signer.headers_for(request))
        yield request
