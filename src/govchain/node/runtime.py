"""The composition root: one node process, every layer built and wired here and nowhere else.

A :class:`Node` reads its home (config, genesis, keys), opens its chain store,
and runs, on one asyncio loop: the peer network, the consensus driver
(validators), block sync (a node that is behind, and every full node), and
the HTTP API (HTTPS with ``api.tls``: ``node.api_tls``). Setting the stop
event shuts them down in order. Every one of these tasks is supervised
(``node.supervision``): a failure in any of them (a WAL or store that
cannot be written, a bug) goes to :meth:`Node.fail`,
which logs one line and stops the node with that failure, after the API has
been closed, so nothing half-done is served; ``govchain node start`` then
exits 1 and its supervisor (``net up``, systemd) starts it again.

Who the node is and whom it links with come from the registry in its state
(``node.peer_registry``), not from the genesis file: a full or storage node
added by a vote (``node.add``) starts from height 0, where the registry does
not list it yet. It starts anyway, syncs from the peers that admit it (they
check their own, later registry), and logs one line whenever its standing
changes (not registered, registered, removed). A validator node added by
a vote starts the same way: it follows the chain, and once its own copy of
the registry lists it (with its validator key) it starts consensus; its core
votes from the height the validator set names it (docs/spec/consensus.md,
"Validator-set changes").
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import socket
import ssl
from pathlib import Path

from prometheus_client import CollectorRegistry

from govchain.api import create_app
from govchain.api.quiet_server import QuietServer
from govchain.consensus.driver import Driver, DriverConfig
from govchain.consensus.events import CoreConfig, Timeouts
from govchain.consensus.evidence import DuplicateVote, verify_duplicate_vote
from govchain.consensus.messages import Decision, Message
from govchain.contracts import ServiceContext
from govchain.contracts.lifecycle.sandbox_runner import SandboxRunner
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.execution.block_executor import BlockExecutor
from govchain.ledger import records
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.home import create_chain
from govchain.ledger.validator_sets import EFFECT_DELAY
from govchain.mempool import Mempool
from govchain.network import NetworkConfig, PeerHandlers, PeerNetwork, PeerPolicy, spki_fingerprint
from govchain.node.api_server import ApiBindError, api_server, bind_api
from govchain.node.api_tls import resolve, server_context
from govchain.node.block_sync import BlockSync
from govchain.node.config import read_config, split_address
from govchain.node.ledger_app import LedgerApp
from govchain.node.netinit import GENESIS_FILE, TLS_DIR, VALIDATOR_KEY_FILE
from govchain.node.peer_registry import PeerRegistry, RegistrySnapshot, own_standing
from govchain.node.permissions import LatestPermissions
from govchain.node.pool_txs import PoolTxs
from govchain.node.service import ChainNodeService, ServiceLimits
from govchain.node.services import build_registry, genesis_state, service_routes
from govchain.node.supervision import NodeFailedError, TaskSupervisor, one_line
from govchain.node.tx_batcher import TxBatcher
from govchain.storage.access_log import ACCESS_LOG_FILE, AccessLog
from govchain.storage.security_log import SecurityEvents, open_security_log
from govchain.types import Block, Commit, ValidatorSet
from govchain.types.errors import CertificateError, GovChainError, ValidationError

logger = logging.getLogger("govchain.node")

WAL_FILE = "consensus.wal"
MIN_NODES_FOR_INBOUND = 4
"""The inbound cap is twice the registry's node count, counted as at least this many."""
STARTUP_SYNC_S = 5.0
"""How long a validator waits to hear its peers' heights before it joins consensus."""


class NodeError(GovChainError):
    """The node cannot start as configured."""

    code = "node_config"


def _event(*, is_set: bool) -> asyncio.Event:
    event = asyncio.Event()
    if is_set:
        event.set()
    return event


class Node:
    """One node process, built from its home directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.config = read_config(home)
        self.api_tls = self._api_tls_context()  # files refused here, before anything opens
        self.genesis = load_genesis(home / GENESIS_FILE)
        self.suite = suite_for(self.genesis.suite)
        self.suite.ensure_available()
        self.transport_key = self._transport_key()
        self.chain = create_chain(home, self.genesis, genesis_state(self.genesis))
        try:
            self.peer_registry = PeerRegistry(
                self.chain, home / TLS_DIR / "transport.pem", home / TLS_DIR / "transport.key"
            )
            self.registered = self._standing(self.peer_registry.snapshot)
            self.key = self._validator_key()
        except ValidationError as exc:  # the registry in the store gives no peer policy
            self.chain.store.close()
            raise NodeError(f"the registry in this node's state: {exc}") from exc
        except BaseException:
            self.chain.store.close()  # refused as configured: nothing stays open
            raise
        registry = build_registry(
            ServiceContext(
                self.suite, self.chain.validators, self.genesis, contract_runner=SandboxRunner()
            )
        )
        address = None if self.key is None else records.address_of(self.suite, self.key.public_key)
        self.executor = BlockExecutor(self.chain, registry, address)
        limits = self.config.mempool
        check = registry.permission_check
        self.mempool = Mempool(
            self.suite,
            self.genesis.chain_id,
            is_committed=self._is_committed,
            refusal=None if check is None else LatestPermissions(self.chain, check),
            max_txs=limits.max_txs,
            max_bytes=limits.max_bytes,
            max_tx_bytes=limits.max_tx_bytes,
        )
        self.app = LedgerApp(self.executor, self.mempool, key=self.key)
        self.network = self._network()
        self.sync = BlockSync(self.chain, self.app, self.network, self.genesis)
        self.service = ChainNodeService(
            node_id=self.transport_key,
            role=self.config.role,
            chain=self.chain,
            mempool=self.mempool,
            registry=CollectorRegistry(),
            peers=self._peer_list,
            syncing=lambda: self.sync.syncing,
            on_admitted=self._admitted,
            on_fatal=lambda failure: self.fail(failure, "api"),
            limits=ServiceLimits(max_event_streams=self.config.api_max_event_streams),
        )
        self.service.security = SecurityEvents(
            open_security_log(self.home, self.suite.hash), self.service.metrics.security_event
        )
        self.app.listeners.append(self.service.on_commit)
        self.app.listeners.append(self.peer_registry.on_commit)
        self.peer_registry.listeners.append(self._registry_changed)
        self.app.gossip_evidence = self.network.gossip_evidence
        self.driver = self._driver()
        self._export_metrics(limits.max_txs)
        self._api: QuietServer | None = None
        self._tasks = TaskSupervisor(lambda task, failure: self.fail(failure, task))
        self._stop: asyncio.Event | None = None
        self._listed = _event(is_set=self.registered and self.key is not None)
        """Set once the registry lists this validator node (with its key)."""
        self._failure: NodeFailedError | None = None
        self._failure_cause: BaseException | None = None
        self._received = TxBatcher(
            self._admit_gossiped, lambda flush: self._tasks.guarded("gossip-in", flush)
        )
        self._outgoing = TxBatcher(
            self.network.gossip_txs, lambda flush: self._tasks.guarded("gossip-out", flush)
        )

    # --- building ---------------------------------------------------------------

    def _export_metrics(self, mempool_limit: int) -> None:
        """Point the gauges read when ``/metrics`` is scraped at what they show."""
        metrics = self.service.metrics
        metrics.peers.set_function(lambda: len(self.network.connected_peers))
        metrics.mempool_txs.set_function(lambda: len(self.mempool))
        metrics.mempool_limit_txs.set(mempool_limit)
        metrics.data_free_bytes.set_function(lambda: shutil.disk_usage(self.home).free)
        metrics.watch_compact(functools.partial(getattr, self.network.compact.counts))
        network = self.network
        metrics.watch_decisions(lambda: network.decisions, lambda: network.stale_decisions)
        driver = self.driver
        if driver is not None:
            metrics.consensus_round.set_function(lambda: driver.status.round)

    def _transport_key(self) -> bytes:
        """The SPKI SHA-256 of this node's transport certificate: what the registry lists."""
        cert_file = self.home / TLS_DIR / "transport.pem"
        try:
            return spki_fingerprint(cert_file.read_bytes())
        except (OSError, CertificateError) as exc:
            raise NodeError(f"{cert_file}: cannot read the transport certificate: {exc}") from exc

    def _standing(self, snapshot: RegistrySnapshot) -> bool:
        """Whether the registry in ``snapshot`` lists this node as active; logs where it stands."""
        try:
            registered, line = own_standing(
                snapshot, self.config.name, self.config.role, self.transport_key
            )
        except ValidationError as exc:
            raise NodeError(f"node {self.config.name}: {exc}") from exc
        if registered:
            logger.info("%s, at height %d", line, snapshot.height)
        else:
            logger.warning("%s", line)
        return registered

    def _validator_key(self) -> SigningKey | None:
        if self.config.role != "validator":
            return None
        key = read_signing_key(self.home / VALIDATOR_KEY_FILE)
        self._check_validator_key(self.peer_registry.snapshot, key)
        return key

    def _check_validator_key(self, snapshot: RegistrySnapshot, key: SigningKey) -> None:
        """A registered validator node's key must be the one its record names."""
        record = snapshot.node(self.config.name)
        if record is None or record.status != "active":
            return  # not listed yet: checked when its node.add executes
        if records.address_of(self.suite, key.public_key) != record.validator:
            raise NodeError(
                f"{self.home / VALIDATOR_KEY_FILE} is not the key of validator "
                f"{record.validator.hex()} that the registry lists for this node"
            )

    def _api_tls_context(self) -> ssl.SSLContext | None:
        if not self.config.api_tls:
            return None
        return server_context(
            resolve(self.home, self.config.api_tls_cert),
            resolve(self.home, self.config.api_tls_key),
        )

    def _network(self) -> PeerNetwork:
        policy: PeerPolicy = self.peer_registry.policy
        nodes = len(self.peer_registry.snapshot.nodes)
        max_inbound = self.config.p2p_max_inbound or 2 * max(nodes, MIN_NODES_FOR_INBOUND)
        handlers = PeerHandlers(
            on_tx=self._peer_tx,
            on_evidence=self._peer_evidence,
            serve_blocks=self._serve_blocks,
            proposal_txs=PoolTxs(self.mempool, self.suite),
        )
        return PeerNetwork(
            self.config.name,
            self.genesis.chain_id,
            policy,
            listen=split_address(self.config.p2p_listen, "p2p.listen"),
            peers={p: split_address(a, p) for p, a in self.config.peers.items()},
            height=lambda: self.chain.height,
            handlers=handlers,
            config=NetworkConfig(max_inbound=max_inbound),
            on_failure=lambda failure: self.fail(failure, "peer network"),
            on_refused=self._peer_refused,
        )

    def _peer_refused(self, kind: str, host: str, left_out: int | None) -> None:
        """A refused peer link: counted always, a security log line at the network log's
        bounded rate (docs/spec/audit.md)."""
        write = left_out is not None
        self.service.security.record(
            "p2p", "peer_refused", write=write, refusal=kind, host=host, left_out=left_out or 0
        )

    def _driver(self) -> Driver | None:
        if self.key is None:
            return None
        c = self.config.consensus
        timeouts = Timeouts(
            c.timeout_propose_ms,
            c.timeout_propose_delta_ms,
            c.timeout_prevote_ms,
            c.timeout_prevote_delta_ms,
            c.timeout_precommit_ms,
            c.timeout_precommit_delta_ms,
            resend=c.resend_ms,
        )
        core = CoreConfig(
            self.genesis.chain_id, self.suite, self.genesis.validators, self.key, timeouts
        )
        several = len(self.genesis.validators.validators) > 1
        config = DriverConfig(
            self.home / WAL_FILE,
            empty_block_after_ms=(c.empty_block_after_ms or None) if several else None,
            block_interval_ms=(c.block_interval_ms or None) if several else None,
        )
        driver = Driver(core, self.app, self.network, config)
        self.network.handlers.on_consensus = self._consensus_message
        return driver

    # --- running -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set or a part fails, then shut down in order.

        Raises NodeFailedError with the one-line reason when a part failed.
        """
        self._stop = stop
        api_socket = self._bind_api()  # first: a port in use fails here, with its name
        try:
            await self.network.start()
            self.network.handlers.on_blocks = self.sync.on_blocks
            self._tasks.spawn("block-sync", self.sync.run())
            self._api = self._api_server()
            self._tasks.spawn("api", self._serve_api(api_socket))
            self._tasks.spawn("startup", self._join(), long_lived=False)
            if self._failure is None:
                await stop.wait()
        finally:
            await self.shutdown()
            api_socket.close()  # uvicorn closed it if it served; if not, nobody else will
        if self._failure is not None:
            raise self._failure

    async def _join(self) -> None:
        """A validator first catches up with its peers, then joins consensus."""
        if self.driver is not None:
            await self.sync.catch_up(STARTUP_SYNC_S)
            if not self._listed.is_set():
                logger.info(
                    "validator node %s follows the chain until its node.add executes",
                    self.config.name,
                )
                await self._listed.wait()
                await self.sync.catch_up(STARTUP_SYNC_S)
            # from here consensus moves this node's height; sync only fetches for its core
            self.sync.hand_to = self._hand_to_core
            await self.driver.start()
            self._tasks.spawn("consensus", self.driver.run())
        logger.info(
            "node %s up: height %d, role %s", self.config.name, self.chain.height, self.config.role
        )

    async def _serve_api(self, sock: socket.socket) -> None:
        assert self._api is not None
        try:
            await self._api.serve([sock])
        except SystemExit as exc:  # uvicorn exits when it cannot start
            raise NodeFailedError(f"the API server could not start (status {exc.code})") from None

    def fail(self, failure: BaseException, where: str = "node") -> None:
        """Stop the node with ``failure``: one line in the log, then an orderly shutdown.

        Any part of the node may call it with an error that is the node's own
        (not a peer's or a client's). The first failure is the one the node
        exits with (``run`` raises it as NodeFailedError); later ones are only
        logged.
        """
        if failure is self._failure_cause or failure is self._failure:
            return  # the same failure, reported again on the way down
        reason = f"{where}: {one_line(failure)}"
        if self._failure is not None:
            logger.info("node %s: also failed while stopping: %s", self.config.name, reason)
            return
        self._failure = NodeFailedError(f"node {self.config.name} failed: {reason}")
        self._failure_cause = failure
        logger.critical("node %s stops: %s", self.config.name, reason)
        logger.debug("the failure that stops the node", exc_info=failure)
        if self._stop is not None:
            self._stop.set()

    def _bind_api(self) -> socket.socket:
        try:
            return bind_api(self.config.api_listen)
        except ApiBindError as exc:
            raise NodeError(str(exc)) from exc

    def _api_server(self) -> QuietServer:
        app = create_app(
            self.service,
            service_routes=service_routes(),
            max_body_bytes=self.config.api_max_body_bytes,
            metrics=self.service.metrics,
            rate_limit=self.config.rate_limit,
            storage_nodes=self.config.storage_nodes,
            access_log=AccessLog(self.home / ACCESS_LOG_FILE, self.suite.hash),
            security_events=self.service.security,
        )
        return api_server(app, self.config.api_listen, self.api_tls)

    async def shutdown(self) -> None:
        """API first (no half-done answers), then consensus, sync, network, storage."""
        self._tasks.stopping = True
        if self._api is not None:
            self._api.should_exit = True
        if self.driver is not None:
            try:
                await self.driver.stop()
            except Exception as exc:  # a WAL that failed; the consensus task reported it already
                self.fail(exc, "consensus")
        await self._tasks.stop(wait_only=frozenset({"api"}))
        await self.network.stop()
        await self.service.close()  # its workers read the store: stop them first
        height = self.executor.height  # read before the store closes
        self.chain.store.close()
        logger.info("node %s stopped at height %d", self.config.name, height)

    # --- traffic -------------------------------------------------------------------

    def _hand_to_core(self, peer: str, block: Block, commit: Commit) -> None:
        """A decided block block sync fetched: the core checks and commits it in order."""
        if self.driver is not None and self.driver.running:
            self.driver.receive(peer, Decision(block, commit))

    def _consensus_message(self, peer: str, message: Message) -> None:
        if self.driver is not None and self.driver.running:
            self.driver.receive(peer, message)

    def _admitted(self, _tx_hash: bytes, raw: bytes) -> None:
        """A client's tx entered our pool: tell the validators (in batches) and our proposer."""
        self._outgoing.add(raw)
        if self.driver is not None:
            self.driver.notify_txs()

    def _peer_tx(self, _peer: str, raw: bytes) -> None:
        """Gossiped txs are admitted in batches: one signature batch over every core."""
        self._received.add(raw)

    def _admit_gossiped(self, batch: list[bytes]) -> None:
        # checked off the loop; refused ones were already pending, committed, or bad
        self.service.admit_gossiped(batch, self._gossip_admitted)

    def _gossip_admitted(self, admitted: int) -> None:
        if admitted and self.driver is not None:
            self.driver.notify_txs()

    def _peer_evidence(self, peer: str, evidence: DuplicateVote) -> None:
        try:
            verify_duplicate_vote(self.suite, evidence, self._validators_of(evidence))
        except ValidationError as exc:
            logger.warning("evidence from %s refused: %s", peer, exc)
            return
        self.app.report_evidence(evidence, gossip=False)

    def _validators_of(self, evidence: DuplicateVote) -> ValidatorSet:
        """The set of the evidence's height; ValidationError for a height not decided yet."""
        height = evidence.first.height
        if height > self.chain.height + EFFECT_DELAY:
            raise ValidationError(f"evidence for height {height}, not reached yet")
        return self.chain.validators(height)

    def _serve_blocks(self, from_height: int, count: int) -> list[tuple[bytes, bytes]]:
        pairs = []
        with self.chain.view() as view:
            for height in range(from_height, min(view.height, from_height + count - 1) + 1):
                pairs.append(
                    (
                        records.encode_block(view.block(height)),
                        records.encode_commit(view.commit(height)),
                    )
                )
        return pairs

    def _registry_changed(self, snapshot: RegistrySnapshot, policy: PeerPolicy) -> None:
        """A committed block changed nodes or members: new peer policy, and our own standing."""
        try:
            self.network.update_policy(policy)
        except CertificateError as exc:  # a member CA that TLS cannot load: keep the old trust
            logger.error("the registry at height %d: %s", snapshot.height, exc)
        try:
            registered, line = own_standing(
                snapshot, self.config.name, self.config.role, self.transport_key
            )
        except ValidationError as exc:
            self.fail(NodeError(f"node {self.config.name}: {exc}"), "registry")
            return
        if registered and self.key is not None:
            try:
                self._check_validator_key(snapshot, self.key)
            except NodeError as exc:
                self.fail(exc, "registry")
                return
            self._listed.set()
        if registered != self.registered:
            self.registered = registered
            logger.log(
                logging.INFO if registered else logging.WARNING,
                "%s, at height %d",
                line,
                snapshot.height,
            )

    def _peer_list(self) -> list[dict[str, str]]:
        peers = []
        snapshot = self.peer_registry.snapshot
        for name in self.network.connected_peers:
            record = snapshot.node(name)
            node_id = "" if record is None else record.transport_key.hex()
            peers.append({"node_id": node_id, "address": name})
        return peers

    def _is_committed(self, tx_hash: bytes) -> bool:
        with self.chain.view() as view:
            return view.tx_location(tx_hash) is not None
