"""The node's API server: its listening socket and its uvicorn server (the node owns signals)."""

from __future__ import annotations

import socket
import ssl

import uvicorn
from fastapi import FastAPI

from govchain.api.quiet_server import QuietServer
from govchain.node.config import split_address
from govchain.types.errors import GovChainError

__all__ = ["ApiBindError", "api_server", "bind_api"]


class ApiBindError(GovChainError):
    """The API's address cannot be listened on."""

    code = "node_config"


def bind_api(listen: str) -> socket.socket:
    """A socket bound to ``listen`` (``api.listen``); ApiBindError naming it if it cannot be."""
    host, port = split_address(listen, "api.listen")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # the protocol named, so asyncio sets TCP_NODELAY on each connection: without it a
    # kept-alive client waits ~40 ms (Nagle and delayed ACKs) on every request after the first
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ApiBindError(f"api.listen {listen}: {exc.strerror or exc}") from exc
    return sock


def api_server(app: FastAPI, listen: str, tls: ssl.SSLContext | None) -> QuietServer:
    """The uvicorn server of ``app`` on ``listen`` (HTTPS with ``tls``), without its own logs."""
    host, port = split_address(listen, "api.listen")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        ssl_context_factory=None if tls is None else lambda _config, _default: tls,
    )
    return QuietServer(config)
