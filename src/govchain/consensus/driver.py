"""The consensus driver: the only asyncio code of consensus (spec: consensus.md, "The driver").

A :class:`Driver` owns one :class:`~govchain.consensus.core.Core` and is the
only code that calls it. One consumer task takes events one at a time from
the driver's queues, hands each to the core and performs the actions the
core returns, in order. ``PersistWal`` is written and fsynced before any later
action of the same batch runs, so nothing signed leaves before it is on disk.
The ledger, the network, the clock and the WAL are given to it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from govchain.consensus.core import Core
from govchain.consensus.driver_api import (
    DEFAULT_INBOX_SIZE,
    ConsensusApp,
    DriverConfig,
    DriverStatus,
    WalLog,
    WalOpener,
    open_wal,
    system_clock_ms,
)
from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    CoreConfig,
    Event,
    PersistWal,
    ProposalBlockReady,
    Refused,
    ReportEvidence,
    ResendDue,
    ScheduleResend,
    ScheduleTimeout,
    SendDecision,
    SendTo,
    Step,
    TimeoutFired,
    ValidateBlock,
)
from govchain.consensus.messages import Decision, Message
from govchain.consensus.transport import Inbox, Transport
from govchain.ledger import records
from govchain.types import Block

__all__ = [
    "DEFAULT_INBOX_SIZE",
    "ConsensusApp",
    "Driver",
    "DriverConfig",
    "DriverStatus",
    "WalLog",
    "open_wal",
    "system_clock_ms",
]

logger = logging.getLogger("govchain.consensus")


@dataclass(frozen=True, slots=True)
class _RetryBuild:
    """Ask the app again for the block of a held proposal."""

    height: int
    round: int
    allow_empty: bool


_Item = Event | _RetryBuild
_T = TypeVar("_T")


class Driver:
    """Runs one validator's core: inbox, timers, WAL, ledger and transport.

    Use it from one event loop: ``await start()`` (or ``await run()``),
    feed peers' messages with :meth:`receive`, call :meth:`notify_txs` when
    txs arrive, and ``await stop()`` at the end. A failure (WAL, ledger)
    stops it; :meth:`run` and :meth:`stop` then raise that error.
    """

    def __init__(
        self,
        core_config: CoreConfig,
        app: ConsensusApp,
        transport: Transport,
        config: DriverConfig,
        *,
        clock: Callable[[], int] = system_clock_ms,
        wal_opener: WalOpener = open_wal,
    ) -> None:
        self._core_config = core_config
        self._app = app
        self._transport = transport
        self._config = config
        self._clock = clock
        self._wal_opener = wal_opener
        self._core: Core | None = None
        self._wal: WalLog | None = None
        self._task: asyncio.Task[None] | None = None
        self._inbox = Inbox(config.inbox_size)
        self._local: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._timers: dict[int, tuple[int, asyncio.TimerHandle]] = {}
        self._timer_seq = 0
        self._held: tuple[int, int] | None = None
        self._committed_at: float | None = None
        """Loop time of our last commit (the block interval counts from it)."""
        self._interval_retry: tuple[int, int] | None = None
        self._retry_queued = False
        self._stopping = False
        self._failure: BaseException | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consensus-io")
        """The driver's own worker thread: its slow work never queues behind anyone else's."""
        self._refused = 0
        self._timeouts_fired = 0

    # --- lifetime -------------------------------------------------------------------

    async def start(self) -> None:
        """Open the WAL, rebuild the core from the ledger and the WAL, and start consuming.

        Raises the WAL's errors (``WalCorruptError``, ``WalLockedError``) as they are.
        """
        if self._task is not None:
            raise RuntimeError("the driver was already started")
        loop = asyncio.get_running_loop()
        wal, wal_records = self._wal_opener(self._config.wal_path)
        self._wal = wal
        self._core = Core(
            self._core_config,
            self._app.height + 1,
            self._app.last_block_time,
            wal_records,
            self._app.validators,
        )
        self._task = loop.create_task(self._consume(), name="consensus-driver")

    async def run(self) -> None:
        """Start if needed and wait until the driver stops; raise the error that stopped it."""
        if self._task is None:
            await self.start()
        assert self._task is not None
        await asyncio.wait({self._task})
        if self._failure is not None:
            raise self._failure

    async def stop(self) -> None:
        """Finish the event in progress, cancel timers, close the WAL; raise a failure if any."""
        task = self._task
        if task is not None and not task.done():
            self._stopping = True
            self._wake.set()
            await asyncio.wait({task})
        self._shut_down()
        if self._failure is not None:
            raise self._failure

    @property
    def running(self) -> bool:
        """True from :meth:`start` until the driver stops or fails."""
        return self._task is not None and not self._task.done()

    @property
    def status(self) -> DriverStatus:
        """Height, round, step and counters, as of now."""
        core = self._core
        height = self._app.height + 1 if core is None else core.height
        return DriverStatus(
            height=height,
            round=0 if core is None else core.round,
            step=Step.PROPOSE if core is None else core.step,
            running=self.running,
            holding_proposal=self._held is not None,
            refused_messages=self._refused,
            dropped_messages=self._inbox.dropped,
            timeouts_fired=self._timeouts_fired,
        )

    # --- input ----------------------------------------------------------------------

    def receive(self, peer: str, message: Message) -> bool:
        """Queue ``message`` from ``peer``; never blocks. False (and counted) if dropped.

        Call it on the event loop's thread. When the inbox holds
        ``inbox_size`` messages, or the driver has stopped, the message is dropped.
        """
        if self._stopping:
            self._inbox.dropped += 1
            return False
        if not self._inbox.put(peer, message):
            logger.debug("inbox full: dropped a message from %s", peer)
            return False
        self._wake.set()
        return True

    def notify_txs(self) -> None:
        """New txs are available: build a proposal that was held for lack of them."""
        if self._held is not None and not self._retry_queued:
            height, round_ = self._held
            self._push(_RetryBuild(height, round_, allow_empty=False))

    def _push(self, item: _Item) -> None:
        if isinstance(item, _RetryBuild):
            self._retry_queued = True
        self._local.append(item)
        self._wake.set()

    # --- the consumer ---------------------------------------------------------------

    async def _consume(self) -> None:
        """Process events one at a time until stopped; keep the first error.

        The driver's own events (answers, timers) go before peers' messages.
        """
        core = self._core
        assert core is not None
        try:
            await self._perform(core.start(self._now()))
            while not self._stopping:
                item = self._local.popleft() if self._local else self._inbox.get()
                if item is None:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                await self._process(item)
                await asyncio.sleep(0)  # let the transport and other tasks run
        except Exception as exc:
            self._failure = exc
            logger.error(
                "consensus driver stopped: %s",
                exc,
                extra={"event": "driver_failed", "error": type(exc).__name__},
            )
        finally:
            self._stopping = True
            self._shut_down()

    async def _process(self, item: _Item) -> None:
        core = self._core
        assert core is not None
        if isinstance(item, _RetryBuild):
            self._retry_queued = False
            await self._retry_build(item)
            return
        if isinstance(item, TimeoutFired):
            if (item.height, item.round) != (core.height, core.round):
                return  # the core ignores a timeout it has moved past
            self._timeouts_fired += 1
        height = core.height
        await self._perform(core.handle(item, self._now()))
        if core.height != height:
            self._cancel_timers_below(core.height)

    def _now(self) -> int:
        now = self._clock()
        if type(now) is not int:
            raise TypeError(f"the clock must return whole Unix milliseconds, got {now!r}")
        return now

    def _shut_down(self) -> None:
        """Cancel timers, close the WAL and let the driver's thread go (idempotent)."""
        for _height, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._inbox.clear()
        self._local.clear()
        self._held = None
        if self._wal is not None:
            wal, self._wal = self._wal, None
            wal.close()
        self._io.shutdown(wait=False)  # idle by now: every job of ours was waited for

    # --- performing actions ---------------------------------------------------------

    async def _perform(self, actions: list[Action]) -> None:
        """Perform ``actions`` in order; an error stops the rest of the batch."""
        for action in actions:
            if isinstance(action, ValidateBlock):
                await self._validate(action.block)
            elif isinstance(action, PersistWal):
                await self._persist(action)
            elif isinstance(action, BuildProposal):
                await self._build(action)
            elif isinstance(action, CommitBlock):
                await self._off_loop(self._app.commit, action.block, action.commit)
                self._app.committed(action.block, action.commit)
                self._committed_at = asyncio.get_running_loop().time()
            else:
                self._perform_one(action)

    async def _off_loop(self, work: Callable[..., _T], *args: object) -> _T:
        """``work(*args)`` in a worker thread; the loop serves the peers and the API meanwhile.

        If the consumer is cancelled while it waits, it still waits for the thread to
        finish before it goes on: no WAL or store write runs on behind a closed log.
        """
        job = asyncio.get_running_loop().run_in_executor(self._io, work, *args)
        try:
            return await asyncio.shield(job)
        except asyncio.CancelledError:
            await asyncio.wait({job})
            raise

    def _perform_one(self, action: Action) -> None:
        if isinstance(action, Broadcast):
            self._transport.broadcast(action.message)
        elif isinstance(action, SendTo):
            self._transport.send(action.peer, action.message)
        elif isinstance(action, SendDecision):
            self._send_decisions(action)
        elif isinstance(action, ScheduleTimeout):
            event = TimeoutFired(action.height, action.round, action.step)
            self._schedule(action.height, action.delay_ms, event)
        elif isinstance(action, ScheduleResend):
            self._schedule(action.height, action.delay_ms, ResendDue(action.height))
        elif isinstance(action, ReportEvidence):
            self._app.report_evidence(action.evidence)
        elif isinstance(action, Refused):
            self._refuse(action.reason)
        else:
            raise AssertionError(f"the driver cannot perform {action!r}")

    def _send_decisions(self, action: SendDecision) -> None:
        """Send a peer that is behind up to ``count`` decided heights, oldest first."""
        for height in range(action.height, action.height + action.count):
            decided = self._app.decided(height)
            if decided is None:
                return
            self._transport.send(action.peer, Decision(*decided))

    async def _persist(self, action: PersistWal) -> None:
        """Write and fsync the record; what follows in the batch waits for it."""
        wal = self._wal
        assert wal is not None
        await self._off_loop(wal.reset if action.reset else wal.append, action.record)

    async def _validate(self, block: Block) -> None:
        ok = await self._off_loop(self._app.validate, block)
        block_hash = records.header_hash(self._core_config.suite, block.header)
        self._push(BlockValidated(block_hash, ok))

    def _interval_left_ms(self) -> int:
        """How long until the block interval since our last commit has passed (0: it has)."""
        interval = self._config.block_interval_ms
        if not interval or self._committed_at is None:
            return 0
        elapsed_ms = (asyncio.get_running_loop().time() - self._committed_at) * 1000
        return max(0, int(interval - elapsed_ms))  # under 1 ms left counts as passed

    async def _build(self, action: BuildProposal) -> None:
        self._held = None
        left_ms = self._interval_left_ms()
        if left_ms > 0:
            self._held = (action.height, action.round)
            self._retry_after_interval(action.height, action.round, left_ms)
            self._schedule_empty_block(action, left_ms)
            return
        block = await self._propose(action.height, allow_empty=False)
        if block is not None:
            self._push(ProposalBlockReady(action.height, action.round, block))
            return
        self._held = (action.height, action.round)
        self._schedule_empty_block(action, 0)

    async def _propose(self, height: int, *, allow_empty: bool) -> Block | None:
        """The txs taken on the loop (the mempool is the loop's), the block built off it."""
        txs = self._app.reap(height, allow_empty)
        if txs is None:
            return None
        return await self._off_loop(self._app.build, height, txs)

    def _retry_after_interval(self, height: int, round_: int, left_ms: int) -> None:
        """One timer per held proposal retries once the block interval has passed."""
        if self._interval_retry != (height, round_):
            self._interval_retry = (height, round_)
            self._schedule(height, left_ms + 1, _RetryBuild(height, round_, allow_empty=False))

    def _schedule_empty_block(self, action: BuildProposal, not_before_ms: int) -> None:
        delay_ms = self._config.empty_block_after_ms
        if delay_ms is not None:
            retry = _RetryBuild(action.height, action.round, allow_empty=True)
            self._schedule(action.height, max(delay_ms, not_before_ms), retry)

    async def _retry_build(self, retry: _RetryBuild) -> None:
        core = self._core
        assert core is not None
        held = (retry.height, retry.round)
        if self._held != held:
            return
        if (core.height, core.round) != held:
            self._held = None  # the core moved on; it asks again when it needs a block
            return
        left_ms = self._interval_left_ms()
        if left_ms > 0:
            self._retry_after_interval(retry.height, retry.round, left_ms)
            return
        self._interval_retry = None
        block = await self._propose(retry.height, allow_empty=retry.allow_empty)
        if block is not None:
            self._held = None
            self._push(ProposalBlockReady(retry.height, retry.round, block))

    def _refuse(self, reason: str) -> None:
        self._refused += 1
        core = self._core
        assert core is not None
        fields = {"event": "refused", "reason": reason, "height": core.height, "round": core.round}
        logger.info("consensus message refused: %s", reason, extra=fields)

    # --- timers ---------------------------------------------------------------------

    def _schedule(self, height: int, delay_ms: int, item: _Item) -> None:
        loop = asyncio.get_running_loop()
        self._timer_seq += 1
        key = self._timer_seq
        handle = loop.call_later(delay_ms / 1000, self._fire, key, item)
        self._timers[key] = (height, handle)

    def _fire(self, key: int, item: _Item) -> None:
        if self._timers.pop(key, None) is not None and not self._stopping:
            self._push(item)

    def _cancel_timers_below(self, height: int) -> None:
        """Drop the timers of finished heights: the core would ignore them."""
        for key in [k for k, (h, _handle) in self._timers.items() if h < height]:
            _h, handle = self._timers.pop(key)
            handle.cancel()
