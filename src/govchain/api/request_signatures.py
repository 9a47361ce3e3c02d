"""Signed reads (issue 14 item 5, F-F1): the reader of protected data proves its account.

A route that serves protected data (a person's subject record, later the
locker) takes the verified reader from a :class:`SignedReads` dependency::

    signed = SignedReads(suite, public_key_of)
    @router.get(..., responses={**error_responses(..., "busy"), **SIGNED_READ_RESPONSES})
    async def read(reader: Annotated[bytes, Depends(signed)]) -> ...

(in a module without ``from __future__ import annotations`` when ``signed`` is
a closure local, as ``api/routes/events.py`` explains).

The request must carry an RFC 9421 signature of GovChain's profile
(``govchain.crypto.httpsig``, decision 0007), made by the account whose
address is its ``keyid``; ``public_key_of(address)`` gives that account's
key, or None when there is no such account. Every refusal is a 401 with
its own code (:data:`SIGNED_READ_CODES`), except a full nonce cache: 503
``busy`` with ``Retry-After``. The clock is the node's wall clock: this is
the API, not consensus.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from govchain.api.app import MAX_BODY_BYTES
from govchain.api.errors import ApiError
from govchain.api.schemas import ErrorResponse
from govchain.crypto import CryptoSuite
from govchain.crypto.httpsig import (
    WINDOW_S,
    PublicKeyOf,
    RequestSignatureError,
    RequestView,
    verify_request,
)
from govchain.ledger.records import address_of
from govchain.types.errors import ValidationError

__all__ = [
    "NONCE_CAPACITY",
    "SIGNATURE_STATUS_BY_CODE",
    "SIGNED_READ_CODES",
    "SIGNED_READ_RESPONSES",
    "NonceCache",
    "SignatureRefusedError",
    "SignedReadLimits",
    "SignedReads",
    "request_view",
]

SIGNED_READ_CODES = (
    "signature_required",
    "signature_malformed",
    "signature_tag_mismatch",
    "signature_algorithm_mismatch",
    "signature_expired",
    "unknown_signer",
    "signature_invalid",
    "signature_replayed",
)
"""The codes of a refused signed read, each answered with HTTP 401."""
SIGNATURE_STATUS_BY_CODE = dict.fromkeys(SIGNED_READ_CODES, 401)
"""The HTTP status of each code of :data:`SIGNED_READ_CODES`."""
NONCE_CAPACITY = 100_000
"""Nonces remembered at once by default: about 23 MB, and 160 signed reads a second
sustained over the longest time a nonce is kept (twice the 300 s window)."""


SIGNED_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorResponse,
        "description": "the request is not a valid signed read (RFC 9421, decision 0007); "
        "codes: " + ", ".join(SIGNED_READ_CODES),
    }
}
"""OpenAPI entry of the 401 a signed read may answer; a route adds it to its
``error_responses(...)``, which should list ``busy`` too (a full nonce cache)."""


class SignatureRefusedError(ApiError):
    """A signed read refused: a code of :data:`SIGNED_READ_CODES`, answered with 401."""

    def __init__(self, code: str, message: str) -> None:
        # Not ApiError.__init__: these codes have their status here, not in STATUS_BY_CODE.
        assert code in SIGNATURE_STATUS_BY_CODE, f"{code!r} is not a signed-read code"
        Exception.__init__(self, message)
        self.code = code
        self.message = message

    @property
    def status_code(self) -> int:
        """401 for every refusal."""
        return SIGNATURE_STATUS_BY_CODE[self.code]


@dataclass(frozen=True, slots=True)
class SignedReadLimits:
    """How a node checks signed reads."""

    window_s: int = WINDOW_S
    """How far ``created`` may be from the node's clock, either way."""
    nonce_capacity: int = NONCE_CAPACITY
    """Nonces remembered at once; past it, 503 ``busy`` until some expire."""
    max_body_bytes: int = MAX_BODY_BYTES
    """The largest body a signed request may carry (it is read to check its digest)."""

    def validate(self) -> None:
        """ValidationError naming the first limit out of range."""
        if not 1 <= self.window_s <= 3600:
            raise ValidationError("window_s must be 1 to 3600 seconds")
        if not 1 <= self.nonce_capacity <= 10_000_000:
            raise ValidationError("nonce_capacity must be 1 to 10,000,000")
        if self.max_body_bytes < 0:
            raise ValidationError("max_body_bytes must not be negative")


class NonceCache:
    """The nonces of verified signed reads, each kept while its signature could still pass.

    Bounded: when full, nonces whose time is up are forgotten first (the
    soonest first); if every one is still live, the new read is refused as
    503 ``busy`` rather than forgetting a live nonce, which would let its
    signature be replayed. Thread-safe.
    """

    def __init__(self, capacity: int = NONCE_CAPACITY) -> None:
        assert capacity >= 1, "capacity"
        self.capacity = capacity
        self._until: dict[bytes, int] = {}
        self._expiry: list[tuple[int, bytes]] = []  # a heap: the soonest to forget first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._until)

    def admit(self, key: bytes, remember_until: int, now: int) -> None:
        """Remember ``key`` until ``remember_until`` (seconds); refuse one seen before.

        SignatureRefusedError ``signature_replayed`` if ``key`` is still
        remembered; ApiError ``busy`` if the cache is full of live nonces.
        """
        with self._lock:
            self._forget_until(now)
            if key in self._until:
                raise SignatureRefusedError(
                    "signature_replayed", "this signature was used already: sign each read anew"
                )
            if len(self._until) >= self.capacity:
                raise ApiError(
                    "busy", "too many signed reads in the last minutes; try again shortly"
                )
            self._until[key] = remember_until
            heapq.heappush(self._expiry, (remember_until, key))

    def _forget_until(self, now: int) -> None:
        while self._expiry and self._expiry[0][0] < now:
            _, key = heapq.heappop(self._expiry)
            del self._until[key]


class SignedReads:
    """Checks signed reads; as a FastAPI dependency it gives the reader's address (20 bytes)."""

    def __init__(
        self,
        suite: CryptoSuite,
        public_key_of: PublicKeyOf,
        *,
        limits: SignedReadLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Parameters:
        suite: the chain's suite (its algorithm is the only one accepted).
        public_key_of: an account's public key by address; None for an unknown account.
        limits: the time window, nonce cache size and body limit.
        clock: the wall clock, in seconds.
        """
        self.limits = limits or SignedReadLimits()
        self.limits.validate()
        self.suite = suite
        self._public_key_of = public_key_of
        self._clock = clock
        self.nonces = NonceCache(self.limits.nonce_capacity)

    async def __call__(self, request: Request) -> bytes:
        """The address of the account that signed ``request``; SignatureRefusedError if none did."""
        fields = (_field(request, "signature-input"), _field(request, "signature"))
        body = await self._body(request) if fields != (None, None) else b""
        signer = self.verify(request_view(request), body, fields)
        request.state.signer = signer  # the access log names who read (api.access_log)
        return signer

    def verify(
        self, request: RequestView, body: bytes, fields: tuple[str | None, str | None]
    ) -> bytes:
        """Check one signed read (``fields``: Signature-Input, Signature); the reader's address."""
        now = int(self._clock())
        try:
            verified = verify_request(
                self.suite,
                request,
                body,
                fields,
                self._known_key,
                now=now,
                window_s=self.limits.window_s,
            )
        except RequestSignatureError as exc:
            raise SignatureRefusedError(exc.code, str(exc)) from exc
        self.nonces.admit(verified.address + verified.nonce, verified.remember_until, now)
        return verified.address

    def _known_key(self, address: bytes) -> bytes | None:
        public_key = self._public_key_of(address)
        assert public_key is None or address_of(self.suite, public_key) == address, (
            "public_key_of gave a key that is not the address's"
        )
        return public_key

    async def _body(self, request: Request) -> bytes:
        """The body, whose length must be declared and within the limit (it is read whole)."""
        declared = request.headers.get("content-length")
        if declared is None:
            if "transfer-encoding" in request.headers:
                raise ApiError(
                    "body_too_large", "a signed request's body must declare its Content-Length"
                )
            return b""
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError("invalid_request", "Content-Length is not a number")
        if int(declared) > self.limits.max_body_bytes:
            raise ApiError("body_too_large", f"the body is over {self.limits.max_body_bytes} bytes")
        return await request.body()


def _field(request: Request, name: str) -> str | None:
    """A field's value, its field lines joined as RFC 9110 section 5.3 says; None if absent."""
    lines = request.headers.getlist(name)
    return ", ".join(lines) if lines else None


def request_view(request: Request) -> RequestView:
    """What a signature covers of a Starlette request: method, Host, raw path and query, fields.

    The path is the one the client sent (``raw_path``, percent-encoded) when
    the server gives it; ``@authority`` is the Host header, so a reverse
    proxy in front of the node must pass Host through (decision 0007).
    """
    raw_path = request.scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path:
        path = raw_path.split(b"?", 1)[0].decode("latin-1")
    else:
        path = request.scope["path"]
    query = request.scope.get("query_string", b"")
    return RequestView(
        method=request.method,
        authority=request.headers.get("host", "").lower(),
        path=path,
        query=query.decode("latin-1") if isinstance(query, bytes) else "",
        fields=tuple((name.lower(), value) for name, value in request.headers.items()),
    )
