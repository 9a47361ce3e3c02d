"""The HTTP API of a node (F-F1): FastAPI routes over a ``NodeService`` protocol.

``create_app(service, service_routes=...)`` builds the application; the node
provides the service (``govchain.api.service.NodeService``), the router of
each service it runs (``govchain.api.routes.<service>``) and updates
``NodeMetrics``.

The names below are imported on first use, not with the package: a command
that needs one small module of it (``govchain.api.settings`` for a node's
configuration, say) does not pay for FastAPI, starlette and pydantic, about a
fifth of a second of every such command's start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

_HOME = {
    "MAX_BODY_BYTES": "app",
    "create_app": "app",
    "STATUS_BY_CODE": "errors",
    "ApiError": "errors",
    "block_json": "json_forms",
    "commit_json": "json_forms",
    "header_json": "json_forms",
    "NodeMetrics": "metrics",
    "TX_STATUSES": "service",
    "BusyError": "service",
    "EventSubscription": "service",
    "NodeService": "service",
    "NotFoundError": "service",
    "NotReadyError": "service",
    "TooManyStreamsError": "service",
    "TxStatus": "service",
}
"""Each public name and the submodule it lives in."""

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


def __getattr__(name: str) -> object:
    """A public name, its submodule imported on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
