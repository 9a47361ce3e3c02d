"""Chain-level router ``metrics``: ``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from govchain.api.errors import error_responses
from govchain.api.service import NodeService

__all__ = ["metrics_routes"]


def metrics_routes(service: NodeService) -> APIRouter:
    """``GET /metrics``."""
    router = APIRouter(tags=["metrics"])

    @router.get(
        "/metrics",
        response_class=Response,
        summary="Prometheus metrics",
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            **error_responses(store=False),
        },
    )
    async def metrics() -> Response:
        body = generate_latest(service.metrics_registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
