"""A loopback TCP fault proxy put between node processes in a chaos run.

Every ordered pair of nodes (dialer -> target) gets one *link*: a listener on a
free loopback port that forwards to the target's real p2p port. The chaos runner
points each dialer at the link instead of at the target, and can then cut the
link (a partition), reset its connections, delay it, or make it lossy.

The proxy works on bytes and never parses or changes them. Nodes talk mutual
TLS 1.3, which authenticates every record, so one altered or missing byte kills
the connection: a test of a different fault than the one we meant to inject.

That is also why *loss* is a stall here, not a drop. The proxy sits above TCP,
and TCP never shows a lost segment to the application: the sender retransmits,
and the receiver gets the lost bytes late, with everything behind them held up
until they arrive (head-of-line blocking). So a lost chunk is held ``stall_ms``
before it is forwarded, and the rest of its direction queues behind it.

The proxy runs its own asyncio loop in a daemon thread, so a synchronous runner
can drive it. All link state is touched on that loop only; the public methods
hand their work to it and wait until it is applied.

This module holds the proxy itself: the loop and its thread, the links with
their fault settings and counters, and the seeded loss draw. How one accepted
connection is piped to its target, delayed, stalled and closed is in
:mod:`govchain.chaos.relay`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ParamSpec, TypeVar

from govchain.chaos.relay import CHUNK_BYTES_MAX, Chunk, accept_connection, drop_connections

__all__ = [
    "CHUNK_BYTES_MAX",
    "DELAY_MS_MAX",
    "STALL_MS_MAX",
    "FaultProxy",
    "LinkStats",
    "link_random",
    "stall_drawn",
]

DELAY_MS_MAX = 60_000
"""The longest delay a link accepts."""
STALL_MS_MAX = 60_000
"""The longest stall of a lost chunk a link accepts."""
PER_MILLE_MAX = 1000
CALL_TIMEOUT_S = 10.0
"""How long a public method waits for the proxy loop to apply it."""

logger = logging.getLogger("govchain.chaos.proxy")

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass(frozen=True)
class LinkStats:
    """What went through one link since it was added.

    ``bytes_to_target`` counts dialer -> target, ``bytes_from_target`` the other
    way. ``chunks_stalled`` counts the chunks drawn as lost, out of
    ``chunks_drawn`` (chunks that arrived while the link was lossy).
    """

    accepted: int
    refused_while_cut: int
    bytes_to_target: int
    bytes_from_target: int
    chunks_forwarded: int
    chunks_drawn: int
    chunks_stalled: int


def link_random(seed: int, name: str) -> random.Random:
    """The random source of link ``name`` in a run seeded with ``seed``."""
    return random.Random(f"govchain-chaos-link/{seed}/{name}")


def stall_drawn(rng: random.Random, per_mille: int) -> bool:
    """Draw whether one chunk is lost (held back), with chance ``per_mille``/1000."""
    return rng.randrange(PER_MILLE_MAX) < per_mille


@dataclass
class _Link:
    name: str
    target: tuple[str, int]
    rng: random.Random
    server: asyncio.Server | None = None
    is_cut: bool = False
    delay_ms: int = 0
    loss_per_mille: int = 0
    stall_ms: int = 0
    accepted: int = 0
    refused_while_cut: int = 0
    bytes_to_target: int = 0
    bytes_from_target: int = 0
    chunks_forwarded: int = 0
    chunks_drawn: int = 0
    chunks_stalled: int = 0
    connections: set[asyncio.Task[None]] = field(default_factory=set)

    def admit(self, data: bytes, now: float) -> Chunk:
        """Stamp a chunk that just arrived with its due time and stall."""
        stall_s = 0.0
        if self.loss_per_mille > 0:
            self.chunks_drawn += 1
            if stall_drawn(self.rng, self.loss_per_mille):
                self.chunks_stalled += 1
                stall_s = self.stall_ms / 1000
        return Chunk(data, now + self.delay_ms / 1000, stall_s)

    def forwarded(self, size: int, to_target: bool) -> None:
        """Count a chunk handed to the other side."""
        self.chunks_forwarded += 1
        if to_target:
            self.bytes_to_target += size
        else:
            self.bytes_from_target += size

    def snapshot(self) -> LinkStats:
        """The counters as they are now."""
        return LinkStats(
            accepted=self.accepted,
            refused_while_cut=self.refused_while_cut,
            bytes_to_target=self.bytes_to_target,
            bytes_from_target=self.bytes_from_target,
            chunks_forwarded=self.chunks_forwarded,
            chunks_drawn=self.chunks_drawn,
            chunks_stalled=self.chunks_stalled,
        )


class FaultProxy:
    """Runs its own asyncio loop in a daemon thread.

    Every public method is thread-safe and returns once applied on that loop.

    Parameters
    ----------
    seed:
        Seeds each link's random source (see ``link_random``), the only
        randomness in the proxy, so a run's loss decisions are reproducible.
    host:
        The loopback address the links listen on.
    """

    def __init__(self, seed: int, host: str = "127.0.0.1") -> None:
        self._seed = seed
        self._host = host
        self._links: dict[str, _Link] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._lifecycle = threading.Lock()

    def start(self) -> None:
        """Start the proxy thread and its loop. A proxy starts once."""
        with self._lifecycle:
            if self._thread is not None or self._stopped:
                raise RuntimeError("the fault proxy was already started")
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._run_loop, args=(self._loop,), name="fault-proxy", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Close every listener and connection, then end the loop and join the thread.

        Idempotent; a proxy that never started just becomes unusable.
        """
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
            loop, thread = self._loop, self._thread
            if loop is None or thread is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(CALL_TIMEOUT_S)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join()

    def add_link(self, name: str, target: tuple[str, int], port: int = 0) -> int:
        """Listen for link ``name`` (forwarding to ``target``) on ``port``; return the bound port.

        ``port`` 0 lets the system pick a free one. A name is used once.
        """
        if not name:
            raise ValueError("a link needs a name")
        return self._call(self._add_link, name, target, port)

    def cut(self, names: Iterable[str]) -> None:
        """Partition the links: close their connections now, and close new ones at once.

        While cut, a link accepts a connection and closes it without dialing the
        target, so no byte passes either way. ``heal`` ends the cut.
        """
        self._call(self._cut, _name_list(names))

    def heal(self, names: Iterable[str] | None = None) -> None:
        """End the cut of the named links (``None``: every link)."""
        self._call(self._heal, _name_list(names))

    def set_delay(self, names: Iterable[str], delay_ms: int) -> None:
        """Forward each chunk, both ways, ``delay_ms`` after it arrived, in order."""
        _check_range("delay_ms", delay_ms, DELAY_MS_MAX)
        self._call(self._set_delay, _name_list(names), delay_ms)

    def set_loss(self, names: Iterable[str], per_mille: int, stall_ms: int = 200) -> None:
        """Lose each chunk with chance ``per_mille``/1000: hold it, and all behind it, ``stall_ms``.

        The draws come from the link's seeded random source (``link_random``).
        """
        _check_range("per_mille", per_mille, PER_MILLE_MAX)
        _check_range("stall_ms", stall_ms, STALL_MS_MAX)
        self._call(self._set_loss, _name_list(names), per_mille, stall_ms)

    def reset(self, names: Iterable[str]) -> None:
        """Close the links' current connections once, abruptly (RST); new ones pass."""
        self._call(self._reset, _name_list(names))

    def clear(self, names: Iterable[str] | None = None) -> None:
        """Heal the named links (``None``: every link) and take off their delay and loss."""
        self._call(self._clear, _name_list(names))

    def stats(self) -> dict[str, LinkStats]:
        """Counters per link name."""
        return self._call(self._stats)

    # -- running on the proxy loop -------------------------------------------

    def _call(
        self, work: Callable[_P, Coroutine[Any, Any, _T]], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        loop = self._loop
        if loop is None or self._stopped:
            raise RuntimeError("the fault proxy is not running (start it first; stop is final)")
        if self._thread is threading.current_thread():
            raise RuntimeError("call the fault proxy from outside its own loop")
        return asyncio.run_coroutine_threadsafe(work(*args, **kwargs), loop).result(CALL_TIMEOUT_S)

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            leftovers = asyncio.all_tasks(loop)
            if leftovers:  # stop() ends every task it started; anything left is a bug
                logger.warning("fault proxy: %d tasks still pending at stop", len(leftovers))
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _shutdown(self) -> None:
        servers = [link.server for link in self._links.values() if link.server is not None]
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        # An accept already under way when the servers closed may still add a
        # connection; keep closing until none are left.
        while True:
            await asyncio.sleep(0)
            if not any(link.connections for link in self._links.values()):
                return
            await drop_connections(self._links.values())

    async def _add_link(self, name: str, target: tuple[str, int], port: int) -> int:
        if name in self._links:
            raise ValueError(f"link {name!r} already exists")
        link = _Link(name=name, target=target, rng=link_random(self._seed, name))
        link.server = await asyncio.start_server(
            partial(accept_connection, link), self._host, port, limit=CHUNK_BYTES_MAX
        )
        self._links[name] = link
        return int(link.server.sockets[0].getsockname()[1])

    def _named(self, names: list[str] | None) -> list[_Link]:
        if names is None:
            return list(self._links.values())
        unknown = [name for name in names if name not in self._links]
        if unknown:
            raise KeyError(f"no such link: {', '.join(unknown)} (have: {', '.join(self._links)})")
        return [self._links[name] for name in names]

    async def _cut(self, names: list[str] | None) -> None:
        links = self._named(names)
        for link in links:
            link.is_cut = True
        await drop_connections(links)

    async def _heal(self, names: list[str] | None) -> None:
        for link in self._named(names):
            link.is_cut = False

    async def _set_delay(self, names: list[str] | None, delay_ms: int) -> None:
        for link in self._named(names):
            link.delay_ms = delay_ms

    async def _set_loss(self, names: list[str] | None, per_mille: int, stall_ms: int) -> None:
        for link in self._named(names):
            link.loss_per_mille = per_mille
            link.stall_ms = stall_ms

    async def _reset(self, names: list[str] | None) -> None:
        await drop_connections(self._named(names))

    async def _clear(self, names: list[str] | None) -> None:
        for link in self._named(names):
            link.is_cut = False
            link.delay_ms = 0
            link.loss_per_mille = 0

    async def _stats(self) -> dict[str, LinkStats]:
        return {name: link.snapshot() for name, link in self._links.items()}


def _name_list(names: Iterable[str] | None) -> list[str] | None:
    if isinstance(names, str):
        raise TypeError(f"pass link names as a list, not the bare string {names!r}")
    return None if names is None else list(names)


def _check_range(what: str, value: int, most: int) -> None:
    if not 0 <= value <= most:
        raise ValueError(f"{what} must be within 0..{most}, got {value}")
