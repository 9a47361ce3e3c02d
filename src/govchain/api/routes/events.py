"""Chain-level router ``events``: new blocks and tx results as server-sent events.

Each event is ``event: <type>`` and ``data: <json>``, the JSON being the whole
event dict the node gave. A subscriber that fell behind gets a ``gap`` event
naming the heights it missed (docs/formats.md, section 8). While the node is
quiet a comment line (``: ping``) goes out every ``KEEPALIVE_S`` seconds, so a
client that went away is noticed even then. The node bounds the number of
subscribers: over its limit the answer is 503 ``too_many_streams``.

Every event that waits when the stream is written goes out in one write (a
block and its txs' events together): an event costs its bytes, not a trip
through the server's stack each (docs/performance.md, "bench profile").
"""

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from govchain.api.errors import error_responses
from govchain.api.service import EventSubscription, NodeService

__all__ = [
    "EVENT_TYPE_PATTERN",
    "KEEPALIVE_S",
    "EventStream",
    "event_routes",
    "server_sent_event",
    "sse_bytes",
]

log = logging.getLogger("govchain.api")

EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
"""What an event's ``type`` must look like: one short line, safe in ``event:``."""
KEEPALIVE_S = 15.0
KEEPALIVE = b": ping\n\n"
_EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
"""One server-sent event, as OpenAPI 3.2 describes an item of a stream."""


class EventStream(StreamingResponse):
    """A ``text/event-stream`` answer whose chunks the route writes itself."""

    media_type = "text/event-stream"


def server_sent_event(event: dict[str, Any]) -> bytes | None:
    """The event-stream bytes of a node event; None (and a warning) if it cannot be sent."""
    kind = event.get("type")
    if not isinstance(kind, str) or not EVENT_TYPE_PATTERN.fullmatch(kind):
        log.warning("dropped a node event with a bad type: %.80r", kind)
        return None
    try:
        data = json.dumps(event, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        log.warning("dropped a %s event that is not JSON: %s", kind, exc)
        return None
    # compact JSON holds no raw line break (json.dumps escapes them), so one data line
    return f"event: {kind}\ndata: {data}\n\n".encode()


def sse_bytes(events: Sequence[dict[str, Any]]) -> bytes:
    """The event-stream bytes of ``events`` in order, those that cannot be sent left out."""
    return b"".join(b for b in map(server_sent_event, events) if b is not None)


async def _stream(events: EventSubscription) -> AsyncIterator[bytes]:
    """The subscription's events, each batch that waits in one chunk; pings while quiet."""
    try:
        while True:
            try:
                first = await asyncio.wait_for(anext(events), KEEPALIVE_S)
            except TimeoutError:
                yield KEEPALIVE
                continue
            except StopAsyncIteration:
                return
            chunk = sse_bytes([first, *events.ready()])
            if chunk:
                yield chunk
    finally:
        await events.aclose()


def event_routes(service: NodeService) -> APIRouter:
    """``GET /v1/events``."""
    router = APIRouter(tags=["events"])

    @router.get(
        "/v1/events",
        response_class=EventStream,
        summary="New blocks and tx results as server-sent events",
        description=(
            "Events `block` and `tx` as they commit. A subscriber that falls behind loses"
            " events and then gets one `gap` event `{type, from, to}` naming the heights it"
            " missed, so it knows to read them from `/v1/blocks/{height}`."
        ),
        responses={
            200: {
                "description": "Successful Response",
                "content": {"text/event-stream": {"itemSchema": _EVENT_SCHEMA}},
            },
            **error_responses("too_many_streams", "not_ready", store=False),
        },
    )
    async def events() -> EventStream:
        # over the node's limit subscribe() raises too_many_streams before the answer starts;
        # the stream closes the subscription however it ends (client gone, server stopping)
        subscription = service.subscribe()
        return EventStream(
            _stream(subscription), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    return router
