"""Run a long-lived command until SIGTERM or SIGINT, announcing it only once it can be stopped.

A command's start line ("supervising chain ...", "indexing chain ...") tells
an operator, a supervisor process or a test that the command runs. A SIGTERM
sent as soon as that line is read must stop it cleanly (exit 0, progress
saved), so the handlers are installed before the line is printed.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def until_signalled(
    work: Callable[[asyncio.Event], Awaitable[None]], announce: Callable[[], None]
) -> None:
    """Install the stop handlers, then `announce()`, then await `work(stop)`.

    `stop` is set by the first SIGTERM or SIGINT; `work` returns once it is.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    announce()
    await work(stop)
