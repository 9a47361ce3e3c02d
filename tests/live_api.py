"""Serve an API app on loopback from a background thread, for tests that need a live node API.

The app runs under uvicorn on its own event loop in a daemon thread, as in a
node; the test talks to it over real HTTP. Everything the app's service
creates on its loop (tasks, events) stays on that loop.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

STARTUP_S = 30.0


@contextmanager
def live_api(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port; yield its base URL; stop it afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_S
        while not server.started:  # a condition with a deadline, not a fixed wait
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live API did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
