"""Chain-level router ``events``: new blocks and tx results as server-sent events.

Each event is ``event: <type>`` and ``data: <json>``, the JSON being the whole
event dict the node gave. A subscriber that fell behind gets a ``gap`` event
naming the heights it missed (docs/formats.md, section 8). FastAPI's
event-stream support sends a keep-alive comment while the node is quiet, so
a client that went away is noticed even then. The node bounds the number of
subscribers: over its limit the answer is 503 ``too_many_streams``.

No ``from __future__ import annotations`` here: FastAPI reads the route's
annotations at run time, and ``Depends(subscription)`` names a closure local.
"""

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent

from govchain.api.errors import error_responses
from govchain.api.service import EventSubscription, NodeService

__all__ = ["EVENT_TYPE_PATTERN", "event_routes", "server_sent_event"]

log = logging.getLogger("govchain.api")

EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
"""What an event's ``type`` must look like: one short line, safe in ``event:``."""


def server_sent_event(event: dict[str, Any]) -> ServerSentEvent | None:
    """The event-stream form of a node event; None (and a warning) if it cannot be sent."""
    kind = event.get("type")
    if not isinstance(kind, str) or not EVENT_TYPE_PATTERN.fullmatch(kind):
        log.warning("dropped a node event with a bad type: %.80r", kind)
        return None
    try:
        data = json.dumps(event, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        log.warning("dropped a %s event that is not JSON: %s", kind, exc)
        return None
    return ServerSentEvent(event=kind, raw_data=data)


def event_routes(service: NodeService) -> APIRouter:
    """``GET /v1/events``."""
    router = APIRouter(tags=["events"])

    async def subscription() -> AsyncIterator[EventSubscription]:
        # A dependency, so the node's subscriber is dropped when the request ends,
        # however it ends (client gone, server stopping). Over the node's limit,
        # subscribe() raises too_many_streams before the answer starts.
        events = service.subscribe()
        try:
            yield events
        finally:
            await events.aclose()

    @router.get(
        "/v1/events",
        response_class=EventSourceResponse,
        summary="New blocks and tx results as server-sent events",
        description=(
            "Events `block` and `tx` as they commit. A subscriber that falls behind loses"
            " events and then gets one `gap` event `{type, from, to}` naming the heights it"
            " missed, so it knows to read them from `/v1/blocks/{height}`."
        ),
        responses=error_responses("too_many_streams", "not_ready", store=False),
    )
    async def events(
        events: Annotated[EventSubscription, Depends(subscription)],
    ) -> AsyncIterator[ServerSentEvent]:
        async for event in events:
            sent = server_sent_event(event)
            if sent is not None:
                yield sent

    return router
