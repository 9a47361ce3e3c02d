"""``GET /v1/events``: new blocks and tx results as server-sent events.

Each event is ``event: <type>`` and ``data: <json>``, the JSON being the whole
event dict the node gave. FastAPI's event-stream support sends a keep-alive
comment while the node is quiet, so a client that went away is noticed even
then. The number of open streams is bounded: each holds a queue in the node.

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

from govchain.api.errors import ApiError
from govchain.api.routes import error_responses
from govchain.api.service import NodeService

__all__ = ["EVENT_TYPE_PATTERN", "event_routes", "server_sent_event"]

log = logging.getLogger("govchain.api")

EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
"""What an event's ``type`` must look like: one short line, safe in ``event:``."""

Subscription = AsyncIterator[dict[str, Any]]


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


class _StreamSlots:
    """Counts open event streams against a limit."""

    def __init__(self, limit: int) -> None:
        assert limit >= 1
        self.limit = limit
        self.open = 0


def event_routes(service: NodeService, max_event_streams: int) -> APIRouter:
    """``GET /v1/events``, at most ``max_event_streams`` open at once."""
    router = APIRouter(tags=["events"])
    slots = _StreamSlots(max_event_streams)

    async def subscription() -> AsyncIterator[Subscription]:
        # A dependency, so the node's iterator is closed when the request ends,
        # however it ends (client gone, server stopping).
        if slots.open >= slots.limit:
            raise ApiError("too_many_streams", f"{slots.limit} event streams are open already")
        slots.open += 1
        events = service.subscribe()
        try:
            yield events
        finally:
            slots.open -= 1
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()

    @router.get(
        "/v1/events",
        response_class=EventSourceResponse,
        summary="New blocks and tx results as server-sent events",
        responses=error_responses("too_many_streams", "not_ready"),
    )
    async def events(
        events: Annotated[Subscription, Depends(subscription)],
    ) -> AsyncIterator[ServerSentEvent]:
        async for event in events:
            sent = server_sent_event(event)
            if sent is not None:
                yield sent

    return router
