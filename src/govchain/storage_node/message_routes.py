"""The message routes of a storage node: post, inbox, read receipts, live stream (F-C6).

docs/spec/messages.md, "Storage node routes". Every route needs a request
signed by an active account (the blob routes' ``SignedReads``); an inbox,
its stream and its read receipts are the signer's own only. A message is
sealed to its recipient on the sender's client: this node checks its shape
and size, that the recipient is a registered account (proven against the
genesis), and the sender's rate, then stores it once per id
(``storage_node.inbox``) and wakes the recipient's open streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from govchain.api.errors import error_body
from govchain.api.request_signatures import SIGNED_READ_RESPONSES
from govchain.api.schemas import ApiModel, ErrorResponse
from govchain.client.message_crypto import (
    MESSAGE_KEY_PATTERN,
    MESSAGE_MAX,
    keyed_message_id,
    message_id,
    parse_sealed,
)
from govchain.contracts.registry.records import Account
from govchain.crypto import CryptoSuite
from govchain.storage_node.chain_source import ChainSource, ChainUnavailableError
from govchain.storage_node.errors import BLOB_STATUS_BY_CODE, BlobApiError
from govchain.storage_node.inbox import (
    MESSAGE_ID_SIZE,
    PAGE_MAX,
    InboxFullError,
    InboxStore,
    StoredMessage,
)
from govchain.types.errors import ValidationError
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "MESSAGE_KEY_HEADER",
    "RECIPIENT_HEADER",
    "STREAMS_MAX",
    "InboxSignals",
    "MessageService",
    "message_routes",
]

log = logging.getLogger("govchain.storage_node")

RECIPIENT_HEADER = "Govchain-Recipient"
MESSAGE_KEY_HEADER = "Govchain-Message-Key"
STREAMS_MAX = 256
PER_MINUTE_DEFAULT = 30
KEEPALIVE_S = 15.0
_WINDOW_MS = 60_000
_SEQ_MAX = 2**63 - 1

Signer = Callable[[Request, bytes], Awaitable[bytes]]
"""The verified signer of a request with this body (the blob routes' check)."""
ReadBody = Callable[[Request, int], Awaitable[bytes]]


class InboxSignals:
    """Wakes the open streams of a recipient when a message for it is stored; on the loop."""

    def __init__(self) -> None:
        self._waiters: dict[bytes, set[asyncio.Event]] = {}
        self.streams = 0
        self.closing = asyncio.Event()

    def arrived(self, recipient: bytes) -> None:
        """A message for ``recipient`` was stored."""
        for event in self._waiters.get(recipient, set()):
            event.set()

    def close(self) -> None:
        """End every stream (the node stops)."""
        self.closing.set()
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    @contextlib.contextmanager
    def listen(self, recipient: bytes) -> Iterator[asyncio.Event]:
        """An event set whenever a message for ``recipient`` arrives, while the block runs."""
        event = asyncio.Event()
        self._waiters.setdefault(recipient, set()).add(event)
        self.streams += 1
        try:
            yield event
        finally:
            self.streams -= 1
            waiters = self._waiters.get(recipient, set())
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(recipient, None)


@dataclass(frozen=True)
class MessageService:
    """What the message routes serve from."""

    suite: CryptoSuite
    chain: ChainSource
    inbox: InboxStore
    signals: InboxSignals
    per_minute: int = PER_MINUTE_DEFAULT
    """Messages a sender may store per minute on this node (0: none)."""
    max_streams: int = STREAMS_MAX
    clock: Callable[[], float] = field(default=time.time)


class PostedMessage(ApiModel):
    """A posted message's id, and whether this node stored it now (false: it had it)."""

    id: str
    stored: bool


class InboxPage(ApiModel):
    """The signer's messages on this node, oldest first; ``next`` the following page's ``after``."""

    messages: list[dict[str, Any]]
    next: int | None


class MessageStatus(ApiModel):
    """A message's delivery: sender, recipient, when received and read (ms, node clock)."""

    id: str
    sender: str
    recipient: str
    received: int
    read: int | None


def message_routes(
    service: MessageService, signer_of: Signer, read_body: ReadBody, get_body_max: int
) -> APIRouter:
    """``/v1/messages`` and its sub-routes."""
    router = APIRouter(tags=["messages"])
    posting = asyncio.Lock()

    async def signed_read(request: Request) -> bytes:
        return await signer_of(request, await read_body(request, get_body_max))

    @router.post(
        "/v1/messages",
        response_model=PostedMessage,
        summary="Post a sealed message",
        responses=_responses(
            "message_too_large", "invalid_message", "invalid_hex", "invalid_request",
            "unknown_recipient", "rate_limited", "inbox_full", "chain_unavailable",
        ),
    )  # fmt: skip
    async def post_message(request: Request) -> Any:
        recipient = _address_header(request, RECIPIENT_HEADER)
        key = request.headers.get(MESSAGE_KEY_HEADER)
        if key is not None and not MESSAGE_KEY_PATTERN.fullmatch(key):
            raise BlobApiError("invalid_request", f"{MESSAGE_KEY_HEADER}: 1 to 64 of A-Za-z0-9._/-")
        body = await _message_body(request, read_body)
        sender = await signer_of(request, body)
        try:
            parse_sealed(body)
        except ValidationError as exc:
            raise BlobApiError("invalid_message", str(exc)) from exc
        await _check_recipient(service, recipient)
        return await _store(service, posting, (sender, recipient, key), body)

    @router.get(
        "/v1/messages",
        response_model=InboxPage,
        summary="The signer's inbox here",
        responses=_responses("invalid_request", "chain_unavailable"),
    )
    async def inbox(
        request: Request,
        after: Annotated[int, Query(ge=0, le=_SEQ_MAX, description="the last seq seen")] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_MAX,
    ) -> InboxPage:
        reader = await signed_read(request)
        page, following = await run_in_threadpool(service.inbox.inbox, reader, after, limit)
        return InboxPage(messages=[m.to_json() for m in page], next=following)

    @router.get(
        "/v1/messages/stream",
        response_class=StreamingResponse,
        summary="The signer's new messages as server-sent events",
        responses={
            200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
            **_responses("invalid_request", "too_many_streams", "chain_unavailable"),
        },
    )
    async def stream(
        request: Request,
        after: Annotated[int | None, Query(ge=0, le=_SEQ_MAX)] = None,
    ) -> StreamingResponse:
        reader = await signed_read(request)
        start = after if after is not None else _last_event_id(request)
        if service.signals.streams >= service.max_streams:
            raise BlobApiError("too_many_streams", "this storage node serves enough streams now")
        return StreamingResponse(
            _events(service, reader, start),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store"},
        )

    @router.post(
        "/v1/messages/{message}/read",
        response_model=MessageStatus,
        summary="A read receipt, by the recipient",
        responses=_responses("invalid_hex", "not_found", "chain_unavailable"),
    )
    async def mark_read(request: Request, message: Annotated[str, _id_path()]) -> MessageStatus:
        found = _message_id(message)
        reader = await signed_read(request)
        stored = await run_in_threadpool(service.inbox.message, found)
        if stored is None or stored.recipient != reader:
            raise BlobApiError("not_found", f"no message {message} to this account here")
        now = int(service.clock() * 1000)
        updated = await run_in_threadpool(service.inbox.mark_read, found, now)
        assert updated is not None
        return MessageStatus.model_validate(updated.status_json())

    @router.get(
        "/v1/messages/{message}/status",
        response_model=MessageStatus,
        summary="A message's delivery and read receipt, to its sender or recipient",
        responses=_responses("invalid_hex", "not_found", "chain_unavailable"),
    )
    async def status(request: Request, message: Annotated[str, _id_path()]) -> MessageStatus:
        found = _message_id(message)
        reader = await signed_read(request)
        stored = await run_in_threadpool(service.inbox.message, found)
        if stored is None or reader not in (stored.sender, stored.recipient):
            raise BlobApiError("not_found", f"no message {message} of this account here")
        return MessageStatus.model_validate(stored.status_json())

    return router


async def _store(
    service: MessageService,
    posting: asyncio.Lock,
    names: tuple[bytes, bytes, str | None],
    body: bytes,
) -> PostedMessage | JSONResponse:
    """Store a checked message once (sender, recipient, key in ``names``), rate permitting."""
    sender, recipient, key = names
    suite = service.suite
    found = (
        message_id(suite, body) if key is None else keyed_message_id(suite, sender, recipient, key)
    )
    async with posting:
        if await run_in_threadpool(service.inbox.has, found):
            return PostedMessage(id=found.hex(), stored=False)
        refusal = await _rate_refusal(service, sender)
        if refusal is not None:
            return refusal
        now = int(service.clock() * 1000)
        try:
            stored = await run_in_threadpool(service.inbox.add, found, sender, recipient, body, now)
        except InboxFullError as exc:
            raise BlobApiError("inbox_full", str(exc)) from exc
    if stored is not None:
        service.signals.arrived(recipient)
        log.info("stored message %s (%d bytes) for %s", found.hex(), len(body), recipient.hex())
    return PostedMessage(id=found.hex(), stored=stored is not None)


def _responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of a route's error answers, with the signed-request 401."""
    by_status: dict[int, list[str]] = {}
    for code in sorted({*codes, "internal"}):
        by_status.setdefault(BLOB_STATUS_BY_CODE[code], []).append(code)
    entries: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": "codes: " + ", ".join(names)}
        for status, names in sorted(by_status.items())
    }
    return {**entries, **SIGNED_READ_RESPONSES}


async def _events(service: MessageService, reader: bytes, after: int) -> AsyncIterator[bytes]:
    """The stream: stored messages after ``after``, then each new one, once, until closed."""
    signals, cursor = service.signals, after
    with signals.listen(reader) as arrived:
        yield b": inbox\n\n"
        while True:
            arrived.clear()
            page, _ = await run_in_threadpool(service.inbox.inbox, reader, cursor)
            for message in page:
                yield _event_bytes(message)
                cursor = message.seq
            if page:
                continue
            if signals.closing.is_set():
                return
            try:
                await asyncio.wait_for(arrived.wait(), KEEPALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"


def _event_bytes(message: StoredMessage) -> bytes:
    data = json.dumps(message.to_json(), separators=(",", ":"))
    return f"id: {message.seq}\nevent: message\ndata: {data}\n\n".encode("ascii")


async def _rate_refusal(service: MessageService, sender: bytes) -> JSONResponse | None:
    """429 ``rate_limited`` when ``sender`` stored its per-minute share here (system: never)."""
    account = await _account(service, sender)
    if account is not None and account.kind == "system":
        return None
    now = int(service.clock() * 1000)
    count, oldest = await run_in_threadpool(service.inbox.sent_since, sender, now - _WINDOW_MS)
    if count < service.per_minute:
        return None
    wait_s = max(1, -(-(oldest + _WINDOW_MS - now) // 1000))
    body = error_body(
        "rate_limited",
        f"at most {service.per_minute} messages a minute per sender; retry in {wait_s} s",
    )
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(wait_s)})


async def _check_recipient(service: MessageService, recipient: bytes) -> None:
    account = await _account(service, recipient)
    if account is None:
        raise BlobApiError("unknown_recipient", f"no account {recipient.hex()} on the chain")


async def _account(service: MessageService, address: bytes) -> Account | None:
    """The proven account of ``address`` (None: not registered); 503 when no chain node says."""
    try:
        return await run_in_threadpool(service.chain.account, address)
    except ChainUnavailableError as exc:
        raise BlobApiError("chain_unavailable", str(exc)) from exc


async def _message_body(request: Request, read_body: ReadBody) -> bytes:
    """The body, at most MESSAGE_MAX (413 ``message_too_large``), at least one byte."""
    try:
        body = await read_body(request, MESSAGE_MAX)
    except BlobApiError as exc:
        if exc.code == "blob_too_large":
            raise BlobApiError(
                "message_too_large", f"a message is at most {MESSAGE_MAX} bytes"
            ) from exc
        raise
    if not body:
        raise BlobApiError("invalid_message", "the body is the sealed message; it is empty")
    return body


def _address_header(request: Request, name: str) -> bytes:
    text = request.headers.get(name)
    if text is None:
        raise BlobApiError("invalid_request", f"the {name} header is required")
    return _hex(text.strip(), name, ADDRESS_SIZE)


def _message_id(text: str) -> bytes:
    return _hex(text, "message id", MESSAGE_ID_SIZE)


def _hex(text: str, what: str, size: int) -> bytes:
    try:
        value = bytes.fromhex(text) if len(text) == 2 * size else b""
    except ValueError:
        value = b""
    if len(value) != size:
        raise BlobApiError("invalid_hex", f"{what}: expected {2 * size} hex digits")
    return value


def _id_path() -> Any:
    return Path(
        description="the message id: 32 bytes as 64 hex digits",
        json_schema_extra={"pattern": r"^[0-9a-fA-F]{64}$"},
    )


def _last_event_id(request: Request) -> int:
    """The ``Last-Event-ID`` a reconnecting client sends (0 when absent)."""
    text = (request.headers.get("last-event-id") or "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        raise BlobApiError("invalid_request", "Last-Event-ID: expected a message seq")
    return int(text)
