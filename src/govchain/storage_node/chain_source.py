"""The records a storage node decides by, read from chain nodes and proven against the genesis.

A storage node trusts no chain node: every record (the signer's account,
its member, the asset or locker that names a blob) comes with its state
fact, which :func:`govchain.client.verify.verify_state_fact` checks against
the genesis before the record is used (the commit signs the header with
2/3+ of the set reached from the genesis set, and the proof leads from the
header's state root to the record's key). Chain nodes are tried in turn
(``govchain.client.endpoints.NodeEndpoints``): one that does not answer, or
answers with a fact that does not verify, is skipped and rests for a while.

Answers are cached for ``cache_s`` seconds (absent records too), so a burst
of requests by one account costs one round trip; a change on chain (an
account frozen) reaches the storage node within that time. Usage records
(``usage``) are never cached: each read asks a chain node, so the node
serves only against a record a chain node proves now, at a height it
proves now (docs/spec/grants.md "Storage nodes and annotated copies").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from govchain.client.endpoints import NodeEndpoints, client_tls_context, node_urls
from govchain.client.verify import check_genesis, verify_state_fact
from govchain.contracts.grants import Usage, usage_key
from govchain.contracts.registry.records import Account, MemberRecord
from govchain.contracts.registry.state import account_key, member_key
from govchain.ledger.proofs import StateFact
from govchain.storage_node.access import BlobGrant
from govchain.types import Genesis
from govchain.types.errors import GovChainError, ProofError, ValidationError

__all__ = [
    "CACHE_ENTRIES_MAX",
    "ChainSource",
    "ChainUnavailableError",
    "GrantRead",
    "HttpChainSource",
    "ProvenUsage",
    "TimedCache",
]

log = logging.getLogger("govchain.storage_node")

CACHE_ENTRIES_MAX = 10_000
"""Records remembered at once; past it, the oldest are forgotten first."""
ANSWER_BYTES_MAX = 4 * 1024 * 1024
"""The largest answer read from a chain node (a record with its state fact)."""

_T = TypeVar("_T")
_MISSING = object()


class ChainUnavailableError(GovChainError):
    """No chain node gave an answer that verifies: the storage node cannot decide now."""

    code = "chain_unavailable"


@dataclass(frozen=True, slots=True)
class GrantRead:
    """How to read one kind of record that names a blob (an asset, a locker's key)."""

    path: Callable[[bytes], str]
    """The chain API path of the record, e.g. ``/v1/assets/<content id hex>``."""
    state_key: Callable[[bytes], bytes]
    """The state key its fact proves."""
    grant: Callable[[bytes], BlobGrant]
    """The grant of the proven stored bytes; ValidationError if they do not decode."""


@dataclass(frozen=True, slots=True)
class ProvenUsage:
    """A usage record as a chain node proved it, and the height the storage node reads at.

    ``height`` is the highest height of a verified fact the storage node has
    seen, at least that of the fact that proved this record: a chain node
    that lags cannot make an old record look recent.
    """

    usage: Usage
    height: int


class ChainSource(Protocol):
    """Proven chain records, as the storage node needs them (each None when absent)."""

    def account(self, address: bytes) -> Account | None:
        """The registered account of ``address``."""
        ...

    def member(self, code: str) -> MemberRecord | None:
        """The member with credit code ``code``."""
        ...

    def grant(self, kind: str, key: bytes) -> BlobGrant | None:
        """What record ``kind`` (``asset``: a content id, ``locker``: an address) grants."""
        ...

    def usage(self, tx_hash: bytes) -> ProvenUsage | None:
        """The usage record tx ``tx_hash`` made, read now (never from a cache)."""
        ...


class TimedCache:
    """Values kept for ``ttl_s`` seconds, at most ``capacity`` of them; thread-safe."""

    def __init__(
        self,
        ttl_s: float,
        capacity: int = CACHE_ENTRIES_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert ttl_s >= 0, "ttl"
        assert capacity >= 1, "capacity"
        self.ttl_s = ttl_s
        self.capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[object, tuple[float, object]] = OrderedDict()
        """Oldest first: every entry lives ``ttl_s``, so the first to expire is the first."""
        self._lock = threading.Lock()

    def get(self, key: object) -> object:
        """The value of ``key`` while it is fresh; ``TimedCache.MISSING`` otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self._clock():
                return _MISSING
            return entry[1]

    def put(self, key: object, value: object) -> None:
        """Remember ``value`` for ``ttl_s`` seconds (nothing when ``ttl_s`` is 0)."""
        if self.ttl_s == 0:
            return
        with self._lock:
            now = self._clock()
            self._entries.pop(key, None)
            while len(self._entries) >= self.capacity:
                self._entries.popitem(last=False)  # the oldest, expired or not, in constant time
            self._entries[key] = (now + self.ttl_s, value)

    MISSING = _MISSING


class HttpChainSource:
    """:class:`ChainSource` over the APIs of chain nodes, every record proven."""

    def __init__(
        self,
        urls: tuple[str, ...],
        genesis: Genesis,
        grants: Mapping[str, GrantRead],
        *,
        ca_bundle: Path | None = None,
        timeout_s: float = 5.0,
        cache_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Parameters:
        urls: chain node API URLs.
        genesis: the trusted genesis (checked here).
        grants: how each kind of blob-naming record is read (``storage_node.grants``).
        ca_bundle: the CAs of ``https://`` chain nodes.
        timeout_s: per request.
        cache_s: how long an answer is reused.
        transport: an httpx transport (tests).
        """
        check_genesis(genesis)
        self.genesis = genesis
        self._grants = dict(grants)
        self._endpoints = NodeEndpoints(node_urls(list(urls)))
        verify: Any = True if ca_bundle is None else client_tls_context(ca_bundle)
        self._client = httpx.Client(timeout=timeout_s, verify=verify, transport=transport)
        self._cache = TimedCache(cache_s)
        self._height_lock = threading.Lock()
        self._highest = 0

    def close(self) -> None:
        """Close the connections to the chain nodes."""
        self._client.close()

    def account(self, address: bytes) -> Account | None:
        """The proven account of ``address``, or None when it is not registered."""
        return self._proven(
            f"/v1/accounts/{address.hex()}", account_key(address), Account.from_stored
        )

    def member(self, code: str) -> MemberRecord | None:
        """The proven member ``code``, or None when there is none."""
        return self._proven(
            f"/v1/registry/members/{code}", member_key(code), MemberRecord.from_stored
        )

    def grant(self, kind: str, key: bytes) -> BlobGrant | None:
        """The proven grant of record ``kind`` named by ``key``, or None when absent."""
        read = self._grants[kind]
        return self._proven(read.path(key), read.state_key(key), read.grant)

    def usage(self, tx_hash: bytes) -> ProvenUsage | None:
        """The proven usage record of tx ``tx_hash`` (None: absent), asked for now, uncached."""
        found = self._fetch(f"/v1/usage/{tx_hash.hex()}", usage_key(tx_hash), Usage.from_stored)
        if found is None:
            return None
        with self._height_lock:
            return ProvenUsage(found, self._highest)

    def record(self, path: str, key: bytes, decode: Callable[[bytes], _T]) -> _T | None:
        """Any record: ``GET path`` answers it with the state fact of ``key``; proven, decoded
        (None when absent). ChainUnavailableError when no chain node gives a proven answer."""
        return self._proven(path, key, decode)

    def _proven(self, path: str, key: bytes, decode: Callable[[bytes], _T]) -> _T | None:
        cached = self._cache.get(path)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        value = self._fetch(path, key, decode)
        self._cache.put(path, value)
        return value

    def _fetch(self, path: str, key: bytes, decode: Callable[[bytes], _T]) -> _T | None:
        """The first proven answer of a chain node; None if every answering node says absent.

        Every verified fact raises the highest height seen (``_highest``).
        """
        absent = False
        for url in self._endpoints.order():
            try:
                answer = self._client.get(url + path)
            except httpx.HTTPError as exc:
                log.warning("chain node %s did not answer %s: %s", url, path, type(exc).__name__)
                self._endpoints.failed(url)
                continue
            if answer.status_code == 404:
                absent = True
                self._endpoints.served(url)
                continue
            found = self._checked(url, path, answer, key)
            if found is _MISSING:
                self._endpoints.failed(url)
                continue
            self._endpoints.served(url)
            if found is None:
                return None
            assert isinstance(found, bytes)
            try:
                return decode(found)
            except ValidationError as exc:
                log.warning("the record at %s proven by %s does not decode: %s", path, url, exc)
                continue
        if absent:
            return None
        raise ChainUnavailableError("no chain node gave a proven answer; try again shortly")

    def _checked(self, url: str, path: str, answer: httpx.Response, key: bytes) -> object:
        """The proven value of ``key`` in a 200 answer (None: absent); _MISSING if unusable."""
        if answer.status_code != 200 or len(answer.content) > ANSWER_BYTES_MAX:
            log.warning("chain node %s answered %s with status %d", url, path, answer.status_code)
            return _MISSING
        try:
            body = answer.json()
            fact = StateFact.from_json(body.get("fact") if isinstance(body, dict) else None)
            value = verify_state_fact(self.genesis, fact, key)
        except (ValueError, ProofError, ValidationError) as exc:
            log.warning(
                "chain node %s answered %s with a fact that does not verify: %s", url, path, exc
            )
            return _MISSING
        with self._height_lock:
            self._highest = max(self._highest, fact.height)
        return value
