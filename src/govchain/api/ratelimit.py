"""Per-client rate limits of the API: token buckets by client address and by account (N-5).

Issue 13 item 3. Every request spends a token of its client address's
bucket: reads from the read bucket, tx submissions (``POST /v1/txs``, one
token; ``POST /v1/txs/batch``, one per tx) from the submission bucket. A
submission also spends one token per tx from the bucket of the tx's
account: the sender key it names (the key its address derives from). The
account is read from the signed tx before its signature is checked, so a
forger can spend a victim's account tokens, but only at the rate of its
own address bucket.

A read costs one token, plus one per millisecond of worker CPU time the
node spent on it (proofs, block decoding: :func:`charge_work`, charged
after the answer), so a client's share of the node's read workers is
bounded by its rate, whatever it asks for: a status read costs 1, a page
of receipts may cost a hundred.

A bucket holds up to ``rate × burst_s`` tokens and refills at ``rate`` per
second. A request costing more than a full bucket (a large batch) is let
through when the bucket is full, leaving it in debt: the average rate holds.
A refused request gets ``429`` with code ``rate_limited``, a ``Retry-After``
header in whole seconds and the usual JSON error body.

:class:`RateLimiter` is pure (it takes ``now``); :class:`RateLimitMiddleware`
is the ASGI shell around three of them. Each table of clients is bounded:
past ``max_clients`` the least recently seen client is forgotten. Behind a
proxy every client has the proxy's address: raise the limits, or limit at
the proxy.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govchain.api.errors import error_response
from govchain.api.settings import RateLimits
from govchain.codec import CodecError, Limits, decode
from govchain.ledger import records
from govchain.types.errors import ValidationError

__all__ = [
    "MAX_BATCH_ITEMS",
    "SUBMISSION_PATHS",
    "RateLimitMiddleware",
    "RateLimiter",
    "RateLimits",
    "accounts_of",
    "charge_work",
]

SUBMISSION_PATHS = {"/v1/txs": False, "/v1/txs/batch": True}
"""The routes that submit txs (``POST``); True: the body is a CBOR array of txs."""
MAX_BATCH_ITEMS = 1000
"""The most txs a batch body is read for (the batch route refuses more)."""
WORK_NS_PER_TOKEN = 1_000_000
"""A read costs one more token per millisecond of worker CPU time spent on it."""

_work_ns: ContextVar[list[int] | None] = ContextVar("govchain_request_work_ns", default=None)
"""Worker CPU time spent for the request being served (set by the middleware)."""


def work_metered() -> bool:
    """Whether a request being served counts its worker CPU (a rate limit on reads is on)."""
    return _work_ns.get() is not None


def charge_work(cpu_ns: int) -> None:
    """Count ``cpu_ns`` of worker CPU time against the request being served, if any.

    The node's worker pools call it after each job; the rate limiter turns the
    sum into tokens of the client's read bucket once the answer is sent.
    """
    meter = _work_ns.get()
    if meter is not None:
        meter[0] += cpu_ns


class RateLimiter:
    """Token buckets by key: ``rate_per_s`` refill, ``capacity`` tokens, ``max_keys`` kept.

    Exact integer arithmetic: time in whole milliseconds, tokens counted in
    thousandths, so a bucket refills ``rate_per_s`` thousandths per millisecond
    and a boundary is never off by a rounding error.
    """

    def __init__(self, rate_per_s: int, capacity: int, max_keys: int) -> None:
        assert rate_per_s >= 1, "rate_per_s"
        assert capacity >= 1, "capacity"
        assert max_keys >= 1, "max_keys"
        self.rate_per_s = rate_per_s
        self.capacity = capacity
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[int, int]] = OrderedDict()
        """key -> (thousandths of a token, the ms they were counted at), least recent first."""

    def __len__(self) -> int:
        return len(self._buckets)

    def _milli_tokens(self, key: str, now_ms: int) -> int:
        entry = self._buckets.get(key)
        if entry is None:
            return self.capacity * 1000
        milli, then_ms = entry
        return min(self.capacity * 1000, milli + max(0, now_ms - then_ms) * self.rate_per_s)

    def tokens(self, key: str, now_ms: int) -> float:
        """The tokens ``key`` has at ``now_ms`` (a full bucket for a key not seen)."""
        return self._milli_tokens(key, now_ms) / 1000

    def wait_ms(self, key: str, cost: int, now_ms: int) -> int:
        """0 if ``key`` may spend ``cost`` tokens now; else the milliseconds until it may."""
        needed = min(cost, self.capacity) * 1000  # more than a full bucket: wait for a full one
        missing = needed - self._milli_tokens(key, now_ms)
        return 0 if missing <= 0 else -(-missing // self.rate_per_s)

    def take(self, key: str, cost: int, now_ms: int) -> int:
        """Spend ``cost`` tokens of ``key`` and return 0 if it may; else return the wait (ms).

        Either way ``key`` becomes the most recently seen: a client that keeps
        being refused is not forgotten (and handed a full bucket) first.
        """
        wait = self.wait_ms(key, cost, now_ms)
        milli = self._milli_tokens(key, now_ms)
        self._store(key, milli - cost * 1000 if wait == 0 else milli, now_ms)
        return wait

    def spend(self, key: str, cost: int, now_ms: int) -> None:
        """Spend ``cost`` tokens of ``key`` whatever it holds (it may go into debt)."""
        self._store(key, self._milli_tokens(key, now_ms) - cost * 1000, now_ms)

    def give_back(self, key: str, cost: int, now_ms: int) -> None:
        """Return ``cost`` tokens taken for a request that was refused after all."""
        milli = self._milli_tokens(key, now_ms) + cost * 1000
        self._store(key, min(self.capacity * 1000, milli), now_ms)

    def _store(self, key: str, milli: int, now_ms: int) -> None:
        self._buckets[key] = (milli, now_ms)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


def accounts_of(raw_txs: list[bytes]) -> Counter[str]:
    """How many of ``raw_txs`` each account sends; txs that do not decode are left out."""
    counts: Counter[str] = Counter()
    for raw in raw_txs:
        try:
            tx = records.decode_tx(raw)
        except ValidationError:
            continue  # the route refuses it; no account to charge
        counts[f"{tx.sender_kind}:{tx.sender.hex()}"] += 1
    return counts


def _raw_txs(body: bytes, batch: bool) -> list[bytes] | None:
    """The raw txs of a submission body; None if it is not a well-formed one."""
    if not batch:
        return [body] if body else None
    limits = Limits(
        max_bytes=len(body), max_depth=1, max_items=MAX_BATCH_ITEMS, max_string_bytes=len(body)
    )
    try:
        items = decode(body, limits)
    except CodecError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, bytes) for i in items):
        return None
    return items or None


def _limiter(rate_per_s: int, limits: RateLimits) -> RateLimiter | None:
    if rate_per_s == 0:
        return None
    return RateLimiter(rate_per_s, rate_per_s * limits.burst_s, limits.max_clients)


class RateLimitMiddleware:
    """ASGI middleware: refuse a client over its limits with 429 before any route runs."""

    def __init__(
        self,
        app: ASGIApp,
        limits: RateLimits,
        max_body_bytes: int,
        clock: Callable[[], int] = lambda: time.monotonic_ns() // 1_000_000,
    ) -> None:
        """``clock`` gives the time in whole milliseconds (monotonic)."""
        assert not limits.problems(), limits.problems()
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._clock = clock
        self.reads = _limiter(limits.reads_per_s, limits)
        self.submissions = _limiter(limits.submissions_per_s, limits)
        self.accounts = _limiter(limits.submissions_per_s, limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        batch = SUBMISSION_PATHS.get(scope["path"]) if scope["method"] == "POST" else None
        if (self.reads if batch is None else self.submissions or self.accounts) is None:
            # that limit is off: nothing to count, no body to buffer and decode (issue 21)
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        if batch is None:
            refusal = self._read(address)
            if refusal is None:
                await self._metered(address, scope, receive, send)
                return
        else:
            refusal = self._by_address(address, 1, spend=False)  # no token at all: body unread
            if refusal is not None:
                await self._refuse(refusal, scope, receive, send)
                return
            received, body = await _buffer_body(receive, self.max_body_bytes)
            receive = _replay(received, receive)
            raws = (None if body is None else _raw_txs(body, batch)) or []
            cost = max(1, len(raws))
            refusal = self._by_address(address, cost)
            if refusal is None and self.accounts is not None and raws:
                # decoded only once the address may submit: a refused batch costs no decoding
                refusal = self._by_account(address, cost, await _accounts(raws))
            if refusal is None:
                await self.app(scope, receive, send)
                return
        await self._refuse(refusal, scope, receive, send)

    @staticmethod
    async def _refuse(refusal: tuple[str, int], scope: Scope, receive: Receive, send: Send) -> None:
        message, wait_ms = refusal
        response = error_response(429, "rate_limited", message)
        response.headers["Retry-After"] = str(max(1, -(-wait_ms // 1000)))  # whole seconds
        await response(scope, receive, send)

    async def _metered(self, address: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a read, then charge the worker time it took to the client's read bucket."""
        meter = [0]
        token = _work_ns.set(meter)
        try:
            await self.app(scope, receive, send)
        finally:
            _work_ns.reset(token)
            extra = meter[0] // WORK_NS_PER_TOKEN
            if extra and self.reads is not None:
                self.reads.spend(address, extra, self._clock())

    def _read(self, address: str) -> tuple[str, int] | None:
        if self.reads is None:
            return None
        wait_ms = self.reads.take(address, 1, self._clock())
        if wait_ms == 0:
            return None
        return f"too many requests from {address}: at most {_rate(self.reads)} reads", wait_ms

    def _by_address(self, address: str, cost: int, spend: bool = True) -> tuple[str, int] | None:
        """Spend the address's tokens for a submission of ``cost`` txs (at least one).

        With ``spend`` False only check that it could (a refusal before the body is read).
        """
        if self.submissions is None:
            return None
        now_ms = self._clock()
        wait_ms = (self.submissions.take if spend else self.submissions.wait_ms)(
            address, cost, now_ms
        )
        if wait_ms > 0:
            return f"too many txs from {address}: at most {_rate(self.submissions)}", wait_ms
        return None

    def _by_account(
        self, address: str, cost: int, accounts: Counter[str]
    ) -> tuple[str, int] | None:
        """Spend each account's tokens; if one has too few, give the address's back."""
        assert self.accounts is not None
        now_ms = self._clock()
        waits = {a: self.accounts.wait_ms(a, n, now_ms) for a, n in sorted(accounts.items())}
        slowest = max(waits, key=lambda a: waits[a], default=None)
        if slowest is None or waits[slowest] == 0:
            for account, count in accounts.items():
                self.accounts.take(account, count, now_ms)
            return None
        if self.submissions is not None:
            self.submissions.give_back(address, cost, now_ms)  # refused: nothing was submitted
        sender = slowest.split(":", 1)[1][:16]
        message = (
            f"too many txs from the account of sender {sender}…: at most {_rate(self.accounts)}"
        )
        return message, waits[slowest]


async def _accounts(raws: list[bytes]) -> Counter[str]:
    """The accounts of ``raws``; a batch is decoded off the event loop."""
    if len(raws) <= 1:
        return accounts_of(raws)
    return await asyncio.to_thread(accounts_of, raws)


def _rate(limiter: RateLimiter) -> str:
    return f"{limiter.rate_per_s}/s (bursts of {limiter.capacity})"


async def _buffer_body(receive: Receive, max_body_bytes: int) -> tuple[list[Message], bytes | None]:
    """Read the request body's messages, up to ``max_body_bytes``; body None if over or cut."""
    received: list[Message] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, None  # the client went away
        size += len(message.get("body", b""))
        if size > max_body_bytes:
            return received, None  # the route answers 413; not worth reading on
        if not message.get("more_body", False):
            return received, b"".join(m.get("body", b"") for m in received)


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered messages first, then reads on."""
    pending = list(received)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
