"""A node's long-lived tasks, supervised: one that fails or ends unasked stops the node.

Issue 13 item 1. A node that lost its block sync, its API or a part of its
peer network must not keep running as if it were whole: it stops, with one
line saying why, and exits non-zero, so that ``govchain net up`` (or
systemd) starts it again and it recovers from disk. A peer's bad input is
refused where it arrives, with a typed error; what reaches the supervisor
is this node's own failure (a store that cannot be written, a bug).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from govchain.network.dispatch import HandlerFailedError
from govchain.types.errors import GovChainError

__all__ = ["REASON_CHARS_MAX", "NodeFailedError", "TaskSupervisor", "one_line"]

REASON_CHARS_MAX = 400
"""A failure's reason is cut to this many characters: one readable line."""


class NodeFailedError(GovChainError):
    """The node stopped because one of its parts failed; the message is the one-line reason."""

    code = "node_failed"


def one_line(failure: BaseException) -> str:
    """``failure`` as one bounded line: its type (unless the message is ours) and message."""
    message = str(failure)
    if isinstance(failure, (NodeFailedError, HandlerFailedError)) and message:
        text = message
    else:
        text = f"{type(failure).__name__}: {message}" if message else type(failure).__name__
    text = " ".join(text.split())
    if len(text) > REASON_CHARS_MAX:
        text = text[: REASON_CHARS_MAX - 1] + "…"
    return text


OnFailure = Callable[[str, BaseException], None]
"""``(what failed, the exception)``: the node's ``fail``."""


class TaskSupervisor:
    """Starts a node's tasks by name and reports any that fails, or ends while not stopping."""

    def __init__(self, on_failure: OnFailure) -> None:
        self._on_failure = on_failure
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self.stopping = False
        """Set when the node shuts down: tasks that end from then on are expected to."""

    def spawn(
        self, name: str, coroutine: Coroutine[Any, Any, Any], *, long_lived: bool = True
    ) -> asyncio.Task[Any]:
        """Run ``coroutine`` as task ``name``; a task that is not ``long_lived`` may return."""
        assert name not in self._tasks, f"a task named {name!r} is already running"
        task = asyncio.create_task(coroutine, name=name)
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._ended(name, done, long_lived))
        return task

    def guarded(self, name: str, callback: Callable[[], None]) -> Callable[[], None]:
        """``callback`` for ``loop.call_later``: an exception from it fails the node too."""

        def run() -> None:
            try:
                callback()
            except Exception as exc:  # the loop would only log it; it is ours, so it is fatal
                self._on_failure(name, exc)

        return run

    def _ended(self, name: str, task: asyncio.Task[Any], long_lived: bool) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if task.cancelled():
            if not self.stopping:
                self._on_failure(name, NodeFailedError(f"the {name} task was cancelled"))
            return
        failure = task.exception()
        if failure is not None:
            self._on_failure(name, failure)
        elif long_lived and not self.stopping:
            self._on_failure(name, NodeFailedError(f"the {name} task ended by itself"))

    async def stop(self, *, wait_only: frozenset[str] = frozenset()) -> None:
        """Cancel every task but those in ``wait_only``, and wait until all have ended."""
        self.stopping = True
        tasks = list(self._tasks.items())
        for name, task in tasks:
            if name not in wait_only:
                task.cancel()
        if tasks:
            await asyncio.wait([task for _name, task in tasks])
