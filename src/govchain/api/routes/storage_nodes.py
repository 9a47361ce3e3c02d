"""Chain-level router ``storage_nodes``: where the network's storage nodes are (F-A1).

``GET /v1/storage-nodes`` lists the storage nodes of this node's
``[storage]`` table in ``config.toml`` (``govchain net init --storage-nodes
K`` writes it), so that a client that knows one chain node finds where to
put and get asset content (docs/spec/assets.md, "Blobs and storage nodes").
The list is configuration, not chain state: it carries no proof, and a
client checks every blob it fetches against the hash its asset record names.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter
from pydantic import Field

from govchain.api.errors import error_responses
from govchain.api.schemas import ApiModel
from govchain.api.settings import STORAGE_NODES_MAX

__all__ = ["STORAGE_NODES_MAX", "StorageNodeModel", "StorageNodesResponse", "storage_node_routes"]


class StorageNodeModel(ApiModel):
    """One storage node: its name (the locator an asset record lists) and its URL."""

    name: str = Field(description="the storage node's name, as asset locators name it")
    url: str = Field(description="the base URL of its blob API (PUT/GET /v1/blobs)")


class StorageNodesResponse(ApiModel):
    """The storage nodes this node is configured with, by name."""

    nodes: list[StorageNodeModel] = Field(max_length=STORAGE_NODES_MAX)


def storage_node_routes(storage_nodes: Mapping[str, str]) -> APIRouter:
    """``GET /v1/storage-nodes``: ``{"nodes": [{name, url}]}`` by name."""
    router = APIRouter(tags=["status"])
    listed = StorageNodesResponse(
        nodes=[StorageNodeModel(name=name, url=url) for name, url in sorted(storage_nodes.items())]
    )

    @router.get(
        "/v1/storage-nodes",
        response_model=StorageNodesResponse,
        summary="The network's storage nodes, as this node is configured",
        responses=error_responses(store=False),
    )
    async def storage_nodes_list() -> StorageNodesResponse:
        return listed

    return router
