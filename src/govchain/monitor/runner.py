"""The poll loop of ``govchain monitor run``: probe, follow, evaluate, record, tell.

Each poll: read every node (:class:`~govchain.monitor.probes.NodeWatch`),
follow new blocks, build the chain reading from a node that answered,
evaluate the rules, apply the findings to the alert book, then write the
started and ended alerts to the SQLite table, the log and the webhook, and
set the metrics. A failed poll is logged in one line and the next one
tries again; one whose state file or alerts table cannot be kept stops the
monitor with that error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from govchain.client.sdk import NodeClient
from govchain.monitor.alerts import Alert, AlertBook, AlertStore, AlertStoreError
from govchain.monitor.config import MonitorConfig
from govchain.monitor.follow import ChainFollower, FollowState, FollowStateError, load_state
from govchain.monitor.metrics import MonitorMetrics
from govchain.monitor.probes import (
    CommitSigners,
    HttpFollowedChain,
    NodeWatch,
    api_certificates,
    chain_reading,
    file_certificates,
)
from govchain.monitor.rules import (
    CertificateReading,
    ChainReading,
    Snapshot,
    covered,
    evaluate,
)
from govchain.monitor.sinks import Webhook, log_line
from govchain.types.errors import GovChainError

__all__ = ["Monitor", "MonitorOptions", "run_monitor", "wall_ms"]

log = logging.getLogger("govchain.monitor")

NODE_TIMEOUT_S = 3.0


def wall_ms() -> int:
    """The monitor's clock: ms since the Unix epoch (off-chain; consensus never reads it)."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class MonitorOptions:
    """What ``govchain monitor run`` was given."""

    urls: tuple[str, ...]
    config: MonitorConfig
    state_dir: Path | None
    ca_bundle: Path | None = None
    webhook: str | None = None


class Monitor:
    """One monitor: its node watches, chain follower, alert book and outputs."""

    def __init__(
        self,
        options: MonitorOptions,
        metrics: MonitorMetrics,
        announce: Callable[[str], None],
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        self.options = options
        self.metrics = metrics
        self.announce = announce
        self.clock = clock
        started = clock()
        self.watches = [
            NodeWatch(url, options.ca_bundle, started, NODE_TIMEOUT_S) for url in options.urls
        ]
        self.chain = NodeClient(list(options.urls), ca_bundle=options.ca_bundle,
                                timeout_s=NODE_TIMEOUT_S, rate_limit_wait_s=0)  # fmt: skip
        self.signers = CommitSigners(self.chain)
        self.follower: ChainFollower | None = None
        directory = options.state_dir
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.store = AlertStore(None if directory is None else directory / "alerts.sqlite")
        self.book: AlertBook = self.store.book()
        self.webhook = None if options.webhook is None else Webhook(options.webhook)

    def close(self) -> None:
        """Close every connection and the alerts table."""
        for watch in self.watches:
            watch.close()
        self.chain.close()
        if self.webhook is not None:
            self.webhook.close()
        self.store.close()

    def poll(self) -> tuple[list[Alert], list[Alert]]:
        """One poll; returns the alerts that started and ended."""
        now = self.clock()
        nodes = tuple(watch.read(now) for watch in self.watches)
        chain = self._chain_reading(now)
        snapshot = Snapshot(now, nodes, chain)
        findings = evaluate(snapshot, self.options.config.thresholds)
        height = max((n.height for n in nodes if n.height is not None), default=0)
        started, ended = self.book.apply(
            findings, now, height, lambda rule, subject: covered(rule, snapshot, subject)
        )
        self.store.record(started, ended)
        self._tell(started, ended)
        if self.follower is not None:
            self.metrics.update(nodes, self.follower.state, self.book.open_by_rule())
        return started, ended

    def _chain_reading(self, now: int) -> ChainReading | None:
        """The chain as a node that answered sees it (None: none did, or a read failed)."""
        status = next((w.status for w in self.watches if w.status is not None), None)
        if status is None:
            return None
        limits = self.options.config.thresholds
        files = self.options.config.certificate_files

        def certificates() -> list[CertificateReading]:
            found = api_certificates(self.chain, limits.certificate_days)
            return found + file_certificates(files, now)

        try:
            follower = self._follower(str(status["chain_id"]))
            follower.poll()
            return chain_reading(
                status, self.signers, follower.state, certificates, limits.missing_blocks
            )
        except FollowStateError:
            raise
        except GovChainError as exc:
            log.warning("the chain could not be read now (chain rules wait): %s", exc)
            return None

    def _follower(self, chain_id: str) -> ChainFollower:
        if self.follower is None:
            directory = self.options.state_dir
            state = FollowState(chain_id) if directory is None else load_state(directory, chain_id)
            self.follower = ChainFollower(HttpFollowedChain(self.chain), state, directory)
        return self.follower

    def _tell(self, started: Sequence[Alert], ended: Sequence[Alert]) -> None:
        for event, alerts in (("started", started), ("ended", ended)):
            for alert in alerts:
                self.announce(log_line(event, alert))
                if self.webhook is not None:
                    self.webhook.send(event, alert)


async def run_monitor(monitor: Monitor, poll_s: float, stop: asyncio.Event) -> None:
    """Poll every ``poll_s`` seconds until ``stop``; a failed poll is logged and retried."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(monitor.poll)
        except (FollowStateError, AlertStoreError):
            raise  # the state cannot be kept: the CLI says so and stops
        except GovChainError as exc:
            log.warning("the monitor's poll could not read the chain now: %s", exc)
        except Exception as exc:  # a bug must not end the monitoring: said in one line, retried
            log.error("the monitor's poll failed: %s: %s", type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_s)
