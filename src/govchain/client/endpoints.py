"""Where the SDK sends a request: several node URLs, spread and failed over, and whom TLS trusts.

A client may know several nodes of a network (N-1: load balancing across
transaction nodes). :class:`NodeEndpoints` decides the order in which one
request tries them: round robin from a random start, so that requests, and
many short-lived clients, spread over the nodes; a node that just failed
*rests* for ``REST_S`` seconds, tried only after every other. What counts as
a node being down (:func:`fails_over`) is decided here too: no connection,
a reset or timeout, or an answer that says the node cannot serve now (503
``not_ready``, ``busy``, ``storage_*``; 500 ``ledger_corrupt``, the node is
stopping; a proxy's 502, 503 or 504). Anything else is the node's answer and
is not retried elsewhere.

HTTPS nodes are verified against the network's CA bundle
(:func:`client_tls_context`: the members' API CA certificates and nothing
else, host names checked). A certificate that does not verify is not a
node being down: :func:`certificate_failure` finds it so that the client
stops with a clear reason instead of trying the next node.
"""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from govchain.types.errors import ValidationError

__all__ = [
    "CA_BUNDLE_BYTES_MAX",
    "FAILOVER_CODES",
    "MAX_URLS",
    "REST_S",
    "CaBundleError",
    "NodeEndpoints",
    "certificate_failure",
    "client_tls_context",
    "fails_over",
    "node_urls",
]

REST_S = 30.0
"""How long a node that failed is tried only after every other node."""
MAX_URLS = 64
"""The most node URLs one client takes (a network has at most 64 nodes)."""
CA_BUNDLE_BYTES_MAX = 1024 * 1024
FAILOVER_CODES = frozenset(
    {"not_ready", "busy", "storage_error", "storage_full", "storage_closed", "ledger_corrupt"}
)
"""API error codes that say this node cannot serve now, while another may."""
_GATEWAY_STATUSES = frozenset({502, 503, 504})
_CAUSE_DEPTH_MAX = 16


class CaBundleError(ValidationError):
    """The CA bundle file cannot be read or holds no usable CA certificate."""

    code = "invalid_ca_bundle"


def node_urls(values: str | Iterable[str]) -> tuple[str, ...]:
    """Node URLs from a URL, a comma-separated list, or several of either; checked, in order.

    Each must be ``http://`` or ``https://`` with a host (and optionally a
    port), nothing after it; a trailing ``/`` is dropped and a repeat is
    ignored. ValidationError naming the bad one, or when there is none.
    """
    pieces = [values] if isinstance(values, str) else list(values)
    urls: list[str] = []
    for piece in pieces:
        for text in piece.split(","):
            url = text.strip().rstrip("/")
            if url:
                _check_url(url)
                urls.append(url)
    unique = tuple(dict.fromkeys(urls))
    if not unique:
        raise ValidationError("no node URL given (e.g. http://127.0.0.1:26601)")
    if len(unique) > MAX_URLS:
        raise ValidationError(f"{len(unique)} node URLs; at most {MAX_URLS}")
    return unique


def _check_url(url: str) -> None:
    expected = (
        f"{url!r} is not a node URL: expected http(s)://HOST:PORT, e.g. https://10.0.0.5:26601"
    )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as exc:
        raise ValidationError(expected) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(expected)
    if parts.path or parts.query or parts.fragment or parts.username or port == 0:
        raise ValidationError(expected)


class NodeEndpoints:
    """The order in which one request tries the nodes: round robin, resting nodes last."""

    def __init__(
        self,
        urls: tuple[str, ...],
        *,
        start: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert urls, "a client has at least one node URL"
        self.urls = urls
        self._next = secrets.randbelow(len(urls)) if start is None else start % len(urls)
        self._resting_until: dict[str, float] = {}
        self._clock = clock
        self._lock = threading.Lock()  # one client may be shared by threads

    def order(self) -> list[str]:
        """Every URL, in the order to try them for the next request.

        The first is the next in the rotation (it moves on by one per call);
        a URL that failed less than ``REST_S`` ago comes after the others,
        so a dead node costs one failed attempt per ``REST_S``, not one per
        request.
        """
        with self._lock:
            first = self._next
            self._next = (self._next + 1) % len(self.urls)
            now = self._clock()
            rotated = self.urls[first:] + self.urls[:first]
            ready = [u for u in rotated if self._resting_until.get(u, now) <= now]
            return ready + [u for u in rotated if u not in ready]

    def failed(self, url: str) -> None:
        """``url`` did not serve a request: let it rest."""
        with self._lock:
            self._resting_until[url] = self._clock() + REST_S

    def served(self, url: str) -> None:
        """``url`` answered: it is in the rotation again."""
        with self._lock:
            self._resting_until.pop(url, None)


def fails_over(status: int, code: str) -> bool:
    """Whether an error answer means "this node cannot serve now": try the next one.

    ``code`` is the API's error code, or ``http_error`` for an answer that is
    not the API's (a reverse proxy whose node is gone).
    """
    if code == "http_error":
        return status in _GATEWAY_STATUSES
    return code in FAILOVER_CODES and status >= 500


def client_tls_context(ca_bundle: Path) -> ssl.SSLContext:
    """A TLS context that trusts only the CAs in ``ca_bundle`` (PEM) and checks host names.

    TLS 1.2 or newer. CaBundleError (one line, naming the file) if the file
    cannot be read or holds no CA certificate.
    """
    try:
        if ca_bundle.stat().st_size > CA_BUNDLE_BYTES_MAX:
            raise CaBundleError(f"CA bundle {ca_bundle} is over {CA_BUNDLE_BYTES_MAX} bytes")
        text = ca_bundle.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise CaBundleError(f"CA bundle {ca_bundle}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not PEM text"
        raise CaBundleError(f"CA bundle {ca_bundle}: {reason or exc}") from exc
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise CaBundleError(f"CA bundle {ca_bundle} holds no PEM certificate")
    try:
        context = ssl.create_default_context(cadata=text)  # the bundle only: no system store
    except ssl.SSLError as exc:
        raise CaBundleError(
            f"CA bundle {ca_bundle} is not a PEM bundle of CA certificates: {exc.reason or exc}"
        ) from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def certificate_failure(error: BaseException) -> str | None:
    """Why a node's TLS certificate was refused, if that is what ``error`` (or its cause) is."""
    seen: BaseException | None = error
    for _ in range(_CAUSE_DEPTH_MAX):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            reason = getattr(seen, "verify_message", None) or getattr(seen, "reason", None)
            return str(reason or seen)
        seen = seen.__cause__ or seen.__context__
    return None
