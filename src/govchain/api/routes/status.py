"""Chain-level router ``status``: what this node is and how far it is."""

from __future__ import annotations

from fastapi import APIRouter

from govchain.api.errors import error_responses
from govchain.api.schemas import NodeStatus
from govchain.api.service import NodeService

__all__ = ["status_routes"]


def status_routes(service: NodeService) -> APIRouter:
    """``GET /v1/status``: a few lookups the node answers on its loop."""
    router = APIRouter(tags=["status"])

    @router.get(
        "/v1/status",
        response_model=NodeStatus,
        summary="What this node is and how far it is",
        responses=error_responses("not_ready"),
    )
    async def status() -> NodeStatus:
        return NodeStatus.model_validate(service.status())

    return router
