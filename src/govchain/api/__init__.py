"""The HTTP API of a node (F-F1): FastAPI routes over a ``NodeService`` protocol.

``create_app(service)`` builds the application; the node provides the service
(``govchain.api.service.NodeService``) and updates ``NodeMetrics``.
"""

from govchain.api.app import MAX_BODY_BYTES, MAX_EVENT_STREAMS, create_app
from govchain.api.errors import STATUS_BY_CODE, ApiError
from govchain.api.json_forms import block_json, commit_json, header_json
from govchain.api.metrics import NodeMetrics
from govchain.api.service import TX_STATUSES, NodeService, NotReadyError, TxStatus

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_EVENT_STREAMS",
    "STATUS_BY_CODE",
    "TX_STATUSES",
    "ApiError",
    "NodeMetrics",
    "NodeService",
    "NotReadyError",
    "TxStatus",
    "block_json",
    "commit_json",
    "create_app",
    "header_json",
]
