"""``govchain chaos``: a real network under seeded faults, then a check that nothing was lost.

A run lays out a fresh network of validator processes whose peer links all go
through a :class:`~govchain.chaos.proxy.FaultProxy` on loopback (each node's
``config.toml`` names the proxy as its peers' address). Client threads submit
txs throughout. The fault plan (:mod:`govchain.chaos.plan`) is applied one
fault at a time: apply, hold, clear, then wait until every validator has
committed a block above the height at clearing time ("progress resumed"); the
wait is the fault's recovery time. After the last fault the load stops, the
nodes are given time to converge and are stopped, and their ledgers are read
from disk (:mod:`govchain.chaos.ledgers`).

The run passes when no committed tx is lost, no height diverged, ``ledger
verify`` passes on every node, progress resumed after every fault, and a
marked halt phase (if any) really halted the chain.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govchain.chaos import plan as kinds
from govchain.chaos import processes
from govchain.chaos.ledgers import LedgerFindings, compare_ledgers
from govchain.chaos.load import ConfirmingClients
from govchain.chaos.plan import Fault, plan_faults
from govchain.chaos.proxy import FaultProxy
from govchain.chaos.set_change import SetChangeError, change_power
from govchain.crypto.keyfiles import read_signing_key
from govchain.node import launcher
from govchain.node.config import read_config, split_address, write_config
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port
from govchain.types.errors import GovChainError

__all__ = ["ChaosConfig", "ChaosError", "ChaosReport", "FaultOutcome", "run_chaos"]

READY_TIMEOUT_S = 90.0
RECOVERY_TIMEOUT_S = 90.0
CONVERGE_TIMEOUT_S = 90.0
GAP_S = 1.0
"""Quiet time between one fault's recovery and the next fault."""
HALT_GRACE_S = 2.0
"""In a halt phase, blocks already being committed may finish within this."""
PLAN_LENGTH = 500
"""Faults drawn per plan; a run uses as many as fit in its duration."""
MANDATORY_FAULTS = 3
"""The plan's first three (a kill, a stop, a partition) run even past the duration, and so
do the halt phase when asked for and the set change."""


class ChaosError(GovChainError):
    """A chaos run could not be set up (not a finding about the chain)."""

    code = "chaos_setup"


@dataclass(frozen=True)
class ChaosConfig:
    """What to run."""

    validators: int = 4
    duration_s: int = 60
    seed: int = 0
    clients: int = 3
    halt: bool = False
    """Include the marked phase that takes down f + 1 validators on purpose."""
    directory: Path | None = None
    """Where to lay the network out (must be empty or new); a temp dir if None."""
    keep: bool = False
    """Keep the directory afterwards (it is always kept when the run fails)."""


@dataclass
class FaultOutcome:
    """One applied fault and how the chain came back from it."""

    description: str
    kind: str
    start_s: float
    recovery_s: float | None
    """Seconds from clearing the fault until every validator committed a new block."""
    halted: bool | None = None
    """For the marked halt phase: whether the chain really stopped."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form, in the report's ``faults`` list."""
        return {
            "fault": self.description,
            "kind": self.kind,
            "start_s": round(self.start_s, 1),
            "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 1),
            "halted": self.halted,
        }


@dataclass
class ChaosReport:
    """Everything a run found; ``ok`` is the exit status."""

    seed: int
    validators: int
    duration_s: int
    directory: str
    faults: list[FaultOutcome] = field(default_factory=list)
    kills: int = 0
    stops: int = 0
    partitions: int = 0
    wal_truncations: int = 0
    set_changes: int = 0
    """Validator-set changes the members voted and executed."""
    set_change_errors: list[str] = field(default_factory=list)
    """Set changes that failed (refused, rejected or not committed): each fails the run."""
    submitted: int = 0
    unconfirmed: int = 0
    committed_hashes: list[bytes] = field(default_factory=list)
    """The txs clients saw committed: each must be in every node's ledger."""
    ledgers: LedgerFindings | None = None

    @property
    def committed(self) -> int:
        """How many txs clients saw committed."""
        return len(self.committed_hashes)

    @property
    def lost(self) -> int:
        """Committed txs missing from some node (all of them if the ledgers were not read)."""
        return self.committed if self.ledgers is None else self.ledgers.lost

    @property
    def diverged(self) -> int:
        """Heights where the nodes disagree (1 if the ledgers could not be read)."""
        return 1 if self.ledgers is None else self.ledgers.diverged

    @property
    def max_recovery_s(self) -> float | None:
        """The slowest recovery; None if a fault never recovered."""
        times = [f.recovery_s for f in self.faults]
        if any(t is None for t in times):
            return None
        return max((t for t in times if t is not None), default=0.0)

    @property
    def progress_resumed(self) -> bool:
        """True when the chain moved on after every fault."""
        return all(f.recovery_s is not None for f in self.faults)

    @property
    def ok(self) -> bool:
        """Nothing lost or diverged, every ledger verifies, progress resumed, halts halted."""
        halts_held = all(f.halted is not False for f in self.faults)
        verified = self.ledgers is not None and self.ledgers.verified
        return (
            self.lost == 0
            and self.diverged == 0
            and not self.set_change_errors
            and verified
            and self.progress_resumed
            and halts_held
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``govchain chaos --json`` prints."""
        recovery = self.max_recovery_s
        ledgers = self.ledgers
        return {
            "committed": self.committed,
            "lost": self.lost,
            "diverged": self.diverged,
            "kills": self.kills,
            "stops": self.stops,
            "partitions": self.partitions,
            "wal_truncations": self.wal_truncations,
            "set_changes": self.set_changes,
            "set_change_errors": list(self.set_change_errors),
            "max_recovery_s": None if recovery is None else round(recovery, 1),
            "seed": self.seed,
            "ok": self.ok,
            "validators": self.validators,
            "duration_s": self.duration_s,
            "submitted": self.submitted,
            "unconfirmed": self.unconfirmed,
            "progress_resumed": self.progress_resumed,
            "ledger_verify": {} if ledgers is None else ledgers.verify,
            "heights": {} if ledgers is None else ledgers.heights,
            "first_divergence": None if ledgers is None else ledgers.first_divergence,
            "lost_examples": [] if ledgers is None else list(ledgers.lost_examples),
            "faults": [f.to_json() for f in self.faults],
            "directory": self.directory,
        }


Progress = Callable[[str], None]


def run_chaos(config: ChaosConfig, progress: Progress | None = None) -> ChaosReport:
    """Lay out, start, fault, stop and check a network; the directory goes unless kept or failed."""
    say = progress or (lambda _line: None)
    directory = _directory(config.directory)
    report = ChaosReport(config.seed, config.validators, config.duration_s, str(directory))
    proxy = FaultProxy(config.seed)
    proxy.start()
    layout: NetworkLayout | None = None
    try:
        layout = _lay_out(directory, config, proxy)
        say(f"network of {config.validators} validators in {directory}")
        _Run(config, layout, proxy, report, say).execute()
    finally:
        if layout is not None:
            for node in layout.nodes:  # a hung (SIGSTOPped) node could not hear SIGTERM
                pid = launcher.running_pid(node.home)
                if pid is not None:
                    processes.resume(pid)
            launcher.down(layout, grace_s=10)
        proxy.stop()
    assert layout is not None  # _lay_out raised otherwise
    say(f"checking {len(layout.nodes)} ledgers on disk")
    report.ledgers = compare_ledgers(list(layout.nodes), report.committed_hashes)
    if report.ok and not config.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return report


def _directory(chosen: Path | None) -> Path:
    if chosen is None:
        return Path(tempfile.mkdtemp(prefix="govchain-chaos-"))
    if chosen.exists() and any(chosen.iterdir()):
        raise ChaosError(f"{chosen} is not empty; choose a new directory")
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def _lay_out(directory: Path, config: ChaosConfig, proxy: FaultProxy) -> NetworkLayout:
    """A fresh network whose every peer address is a proxy link ``dialer>target``."""
    n = config.validators
    # the nodes' ports and the proxy links' ports come from one free range, so an
    # ephemeral link port can never take a port a node is about to listen on
    base = free_base_port(2 * n + n * (n - 1))
    layout = init_network(
        directory, validators=n, base_port=base, chain_id=f"govchain-chaos-{config.seed}"
    )
    link_ports = iter(range(base + 2 * n, base + 2 * n + n * (n - 1)))
    for node in layout.nodes:
        node_config = read_config(node.home)
        peers = {}
        for peer in layout.nodes:
            if peer.name != node.name:
                target = split_address(peer.p2p, f"p2p address of {peer.name}")
                port = proxy.add_link(link_name(node.name, peer.name), target, next(link_ports))
                peers[peer.name] = f"127.0.0.1:{port}"
        write_config(node.home, dataclasses.replace(node_config, peers=peers))
    return layout


def link_name(dialer: str, target: str) -> str:
    """The proxy link a node dials a peer through."""
    return f"{dialer}>{target}"


class _Run:
    """One run's steps, sharing the layout, proxy, clients and report."""

    def __init__(
        self,
        config: ChaosConfig,
        layout: NetworkLayout,
        proxy: FaultProxy,
        report: ChaosReport,
        say: Progress,
    ) -> None:
        self.config = config
        self.layout = layout
        self.nodes = list(layout.nodes)
        self.names = [n.name for n in self.nodes]
        self.proxy = proxy
        self.report = report
        self.say = say
        self.started = time.monotonic()

    def execute(self) -> None:
        """Start, load, apply the plan, converge."""
        launcher.up(self.layout)
        late = launcher.wait_ready(self.layout, READY_TIMEOUT_S)
        if late:
            where = ", ".join(str(n.home / launcher.OUT_FILE) for n in self.nodes)
            raise ChaosError(f"nodes {late} did not start in time; see {where}")
        self._wait_heights(lambda h: h >= 1, CONVERGE_TIMEOUT_S, "the first block")
        key = read_signing_key(self.layout.client_key)
        urls = [n.api_url for n in self.nodes]
        clients = ConfirmingClients(
            urls, self.layout.chain_id, key, threads=self.config.clients, seed=self.config.seed
        )
        clients.start()
        self.started = time.monotonic()
        try:
            self._apply_plan()
        finally:
            clients.stop()
            figures = clients.figures()
            self.report.submitted = figures.submitted
            self.report.unconfirmed = figures.unconfirmed
            self.report.committed_hashes = list(figures.committed)
        self._converge()

    def _apply_plan(self) -> None:
        plan = plan_faults(
            self.config.seed, self.config.validators, PLAN_LENGTH, halt=self.config.halt
        )
        for index, fault in enumerate(plan):
            mandatory = (
                index < MANDATORY_FAULTS
                or (fault.marked and self.config.halt)
                or fault.kind == kinds.SET_POWER
            )
            if not mandatory and self._elapsed() >= self.config.duration_s:
                break
            self._one_fault(fault)
            time.sleep(GAP_S)

    def _one_fault(self, fault: Fault) -> None:
        description = fault.describe(self.names)
        start = self._elapsed()
        self.say(f"{start:6.1f} s  {description}")
        outcome = FaultOutcome(description, fault.kind, start, None)
        self.report.faults.append(outcome)
        clear = self._apply(fault)
        if fault.marked:
            outcome.halted = self._hold_expecting_halt(fault)
            self.say(f"{self._elapsed():6.1f} s  halted: {'yes' if outcome.halted else 'NO'}")
        else:
            time.sleep(fault.hold_ms / 1000)
        clear()
        outcome.recovery_s = self._recovery()
        done = "did not resume" if outcome.recovery_s is None else f"{outcome.recovery_s:.1f} s"
        self.say(f"{self._elapsed():6.1f} s  recovered: {done}")

    def _apply(self, fault: Fault) -> Callable[[], None]:
        """Apply ``fault``; return what clears it."""
        targets = [self.nodes[t] for t in fault.targets]
        if fault.kind == kinds.SET_POWER:
            self._change_power(targets[0].name, fault.amount)
            return lambda: None
        if fault.kind in kinds.DOWN_KINDS:
            for node in targets:
                processes.kill(node)
                if fault.kind == kinds.KILL_TRUNCATE_WAL and processes.cut_wal_tail(
                    node, fault.amount
                ):
                    self.report.wal_truncations += 1
            self.report.kills += len(targets)

            def restart() -> None:
                for node in targets:
                    processes.restart(node)

            return restart
        if fault.kind == kinds.STOP:
            pids = [p for p in (processes.stop(node) for node in targets) if p is not None]
            self.report.stops += len(pids)

            def resume() -> None:
                for pid in pids:
                    processes.resume(pid)

            return resume
        links = self._links(fault)
        if fault.kind == kinds.DELAY:
            self.proxy.set_delay(links, fault.amount)
        elif fault.kind == kinds.LOSS:
            self.proxy.set_loss(links, fault.amount)
        else:
            self.proxy.cut(links)
            self.report.partitions += 1
        return lambda: self.proxy.clear(links)

    def _change_power(self, name: str, power: int) -> None:
        """Have the members vote the new power; a refusal is a finding of the run."""
        try:
            height = change_power(self.layout, name, power)
        except SetChangeError as exc:
            self.report.set_change_errors.append(str(exc))
            self.say(f"{self._elapsed():6.1f} s  set change FAILED: {exc}")
            return
        self.report.set_changes += 1
        self.say(f"{self._elapsed():6.1f} s  executed at height {height}; votes from {height + 2}")

    def _links(self, fault: Fault) -> list[str]:
        """The proxy links a network fault touches: the cut ones, or all for delay and loss."""
        everyone = set(range(len(self.nodes)))
        if fault.kind == kinds.PARTITION_PAIR:
            a, b = fault.targets
            pairs = [(a, b), (b, a)]
        elif fault.kind in (kinds.DELAY, kinds.LOSS):
            pairs = [(a, b) for a in everyone for b in everyone if a != b]
        else:
            side = set(fault.targets)
            other = everyone - side
            pairs = [(a, b) for a in side for b in other] + [(b, a) for a in side for b in other]
        return sorted(link_name(self.names[a], self.names[b]) for a, b in pairs)

    def _hold_expecting_halt(self, fault: Fault) -> bool:
        """Hold a halt phase; True if no survivor committed a block after the grace period."""
        survivors = [n for i, n in enumerate(self.nodes) if i not in fault.targets]
        time.sleep(HALT_GRACE_S)
        before = processes.heights(survivors)
        time.sleep(max(0.0, fault.hold_ms / 1000 - HALT_GRACE_S))
        after = processes.heights(survivors)
        return None not in before.values() and before == after

    def _recovery(self) -> float | None:
        """Seconds until every validator is above the highest height now; None on timeout."""
        cleared = time.monotonic()
        now = [h for h in processes.heights(self.nodes).values() if h is not None]
        target = max(now, default=0)
        if self._wait_heights(lambda h: h > target, RECOVERY_TIMEOUT_S, None):
            return time.monotonic() - cleared
        return None

    def _converge(self) -> None:
        """Give every node time to reach the highest height any node has now."""
        now = [h for h in processes.heights(self.nodes).values() if h is not None]
        target = max(now, default=0)
        self.say(f"{self._elapsed():6.1f} s  load stopped; waiting for every node at {target}")
        self._wait_heights(lambda h: h >= target, CONVERGE_TIMEOUT_S, None)

    def _wait_heights(
        self, good: Callable[[int], bool], timeout_s: float, what: str | None
    ) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = processes.heights(self.nodes).values()
            if all(h is not None and good(h) for h in found):
                return True
            time.sleep(0.2)
        if what is not None:
            raise ChaosError(f"the network did not reach {what} in {timeout_s:g} s")
        return False

    def _elapsed(self) -> float:
        return time.monotonic() - self.started
