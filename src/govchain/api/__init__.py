"""The HTTP API of a node (F-F1): FastAPI routes over a ``NodeService`` protocol.

``create_app(service, service_routes=...)`` builds the application; the node
provides the service (``govchain.api.service.NodeService``), the router of
each service it runs (``govchain.api.routes.<service>``) and updates
``NodeMetrics``.
"""

from govchain.api.app import MAX_BODY_BYTES, create_app
from govchain.api.errors import STATUS_BY_CODE, ApiError
from govchain.api.json_forms import block_json, commit_json, header_json
from govchain.api.metrics import NodeMetrics
from govchain.api.service import (
    TX_STATUSES,
    BusyError,
    EventSubscription,
    NodeService,
    NotFoundError,
    NotReadyError,
    TooManyStreamsError,
    TxStatus,
)

__all__ = [
    "MAX_BODY_BYTES",
    "STATUS_BY_CODE",
    "TX_STATUSES",
    "ApiError",
    "BusyError",
    "EventSubscription",
    "NodeMetrics",
    "NodeService",
    "NotFoundError",
    "NotReadyError",
    "TooManyStreamsError",
    "TxStatus",
    "block_json",
    "commit_json",
    "create_app",
    "header_json",
]
