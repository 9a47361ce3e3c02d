"""The API's routers: the chain-level ones here, and one module per service.

Chain-level: ``txs``, ``blocks``, ``status``, ``storage_nodes``, ``metrics`` and ``events``,
always installed by ``create_app``. Per service: ``routes/<service>.py``
(``notary``, ``evidence``), each a thin router over the node's one generic
proving read; the node lists them in ``govchain.node.services.SERVICES``
and passes them to ``create_app``. Each builder takes the ``NodeService``
it serves, so routes never reach for globals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter

from govchain.api.routes.blocks import block_routes
from govchain.api.routes.events import event_routes
from govchain.api.routes.metrics import metrics_routes
from govchain.api.routes.status import status_routes
from govchain.api.routes.storage_nodes import storage_node_routes
from govchain.api.routes.txs import tx_routes
from govchain.api.service import NodeService

__all__ = ["ServiceRoutes", "chain_routers"]

ServiceRoutes = Callable[[NodeService], APIRouter]
"""A service's router builder, e.g. ``govchain.api.routes.notary.notary_routes``."""


def chain_routers(
    service: NodeService, max_body_bytes: int, storage_nodes: Mapping[str, str] | None = None
) -> list[APIRouter]:
    """The chain-level routers every node serves (``storage_nodes``: its ``[storage]`` table)."""
    return [
        tx_routes(service, max_body_bytes),
        block_routes(service),
        status_routes(service),
        storage_node_routes(storage_nodes or {}),
        event_routes(service),
        metrics_routes(service),
    ]
