"""``PeerNetwork``: one node's links to the other nodes, and what flows over them (F-A3).

A node listens, dials its configured peers and redials them with bounded
exponential backoff. Every link is mutual TLS 1.3, then identified
(``network.handshake``). At most one link per pair of nodes survives: when
both dial, the link opened by the node with the smaller name stays, on
both sides, and a newer link from the same dialer replaces a stale one.

Each link has a bounded send queue and a writer task; sending never waits
and never raises: a full queue drops the frame and counts it (consensus
resends what matters, docs/spec/consensus.md). A frame that does not decode
counts against its link, which is closed after ``bad_frames_max`` of them.
The network is the consensus ``Transport``; received consensus messages go
to ``handlers.on_consensus`` (the driver's ``receive``).

Every task the network starts (listening, dialing, links, status) is
supervised: an exception that is not a link's own failure (a handler of
ours that raised, a bug) goes to ``on_failure``, which stops the node
(issue 13 item 1). A peer's bad input only ever ends its link. Inbound
connections pass ``network.inbound`` first: a cap on how many are open,
checked before any TLS work, and refusals logged at a bounded rate.

Who may link is the ``PeerPolicy``, which the node rebuilds from the
registry whenever a committed block changes it (``node.peer_registry``).
:meth:`PeerNetwork.update_policy` takes the new one: it closes the links of
peers it no longer admits (a removed node, a node of a suspended member),
and every later handshake of theirs is refused with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Message, ProposalMessage
from govchain.consensus.wire import encode_message
from govchain.network.compact import CompactProposals
from govchain.network.config import NetworkConfig
from govchain.network.connection import PeerConnection, PeerCounters, close_stream
from govchain.network.dispatch import Dispatcher, PeerHandlers
from govchain.network.envelope import (
    MAX_GOSSIP_TXS,
    BlocksRequest,
    ConsensusPayload,
    Envelope,
    EvidencePayload,
    Hello,
    Status,
    TxPayload,
    TxsPayload,
    encode_envelope,
    envelope_limits,
)
from govchain.network.errors import NetworkError, PeerRefusedError
from govchain.network.framing import encode_frame
from govchain.network.handshake import handshake
from govchain.network.inbound import InboundGate, OnRefused
from govchain.network.tls import PeerPolicy, client_context, peer_key, server_context
from govchain.types.errors import ValidationError

__all__ = ["PeerHandlers", "PeerNetwork"]

GOSSIP_FRAME_BYTES = 4 * 1024 * 1024
"""Gossiped txs are cut into frames of at most about this many bytes (the limit is 16 MiB)."""

logger = logging.getLogger("govchain.network")

Address = tuple[str, int]


def _no_height() -> int:
    return 0


class PeerNetwork:
    """One node's peer network; implements the consensus ``Transport`` protocol."""

    def __init__(
        self,
        name: str,
        chain_id: str,
        policy: PeerPolicy,
        *,
        listen: Address = ("127.0.0.1", 0),
        peers: Mapping[str, Address] | None = None,
        height: Callable[[], int] = _no_height,
        handlers: PeerHandlers | None = None,
        config: NetworkConfig | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_refused: OnRefused | None = None,
    ) -> None:
        """Build the network of node ``name``; nothing opens before :meth:`start`.

        Parameters:
            name: this node's registered name (its key must be in ``policy.allowed``).
            chain_id: peers on another chain are refused.
            policy: trusted transport CAs, the allow-list and this node's certificate.
            listen: host and port to accept peers on; port 0 picks a free one (see :attr:`port`).
            peers: the nodes to dial, ``{name: (host, port)}``.
            height: this node's committed height, for hello and status.
            handlers: where received traffic goes.
            config: limits and timings.
            on_failure: told of this node's own failure in a network task (the
                node stops on it); without it the failure is logged as an error.
                Either way the first one is kept in :attr:`failure`.
            on_refused: told of every refused link (kind ``cap``, ``tls``,
                ``identity`` or ``dial``, the host or peer name, and whether
                the bounded log wrote a line for it: see ``InboundGate``).
        """
        self.name = name
        self.chain_id = chain_id
        self.policy = policy
        self.handlers = handlers or PeerHandlers()
        self.config = config or NetworkConfig()
        self.peer_heights: dict[str, int] = {}
        """The last height each connected peer reported."""
        self.counters: dict[str, PeerCounters] = {}
        """Per peer name, over all its connections."""
        self.refused = 0
        """Links refused at the TLS handshake or at identification (unregistered key, ...)."""
        self.decisions = 0
        """Decisions received (a peer's block and commit certificate for a height this node
        had not committed when it asked, or when the peer left that height)."""
        self.stale_decisions = 0
        """Decisions received for a height already committed here, dropped before decoding."""
        self.failure: BaseException | None = None
        """The first exception that ended a network task as this node's own failure."""
        self._on_failure = on_failure
        self._listen = listen
        self._addresses: dict[str, Address] = dict(peers or {})
        self._height = height
        self._limits = envelope_limits(self.config.max_frame_bytes)
        self._dispatcher = Dispatcher(self, self._limits)
        self.compact = CompactProposals()
        """Proposals sent and received by tx hash (with ``handlers.proposal_txs`` set)."""
        self.inbound = InboundGate(name, self.config, on_refused=on_refused)
        """The cap on inbound connections, and how many were turned away."""
        self._connections: dict[str, PeerConnection] = {}
        self._links: set[PeerConnection] = set()
        """Every started link, registered or being replaced, until it is closed."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dialers: dict[str, asyncio.Task[None]] = {}
        self._server: asyncio.Server | None = None
        self._client_context: ssl.SSLContext | None = None
        self._server_context: ssl.SSLContext | None = None
        self._running = False

    # --- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port this node listens on (the bound one when it asked for port 0)."""
        assert self._server is not None, "the network is not started"
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def connected_peers(self) -> list[str]:
        """Names of the peers with a live link, sorted."""
        return sorted(self._connections)

    async def start(self) -> None:
        """Listen, then dial every configured peer and start the status timer."""
        assert not self._running, "the network is already started"
        self._client_context = client_context(self.policy)
        host, port = self._listen
        # TLS is started per link in _accept_tls, so that a refused handshake (a peer
        # from an unknown CA) is logged here; asyncio's server would swallow it
        self._server_context = server_context(self.policy)
        self._server = await asyncio.start_server(self._accepted, host, port)
        self._running = True
        for peer in self._addresses:
            self._start_dialer(peer)
        self._spawn(self._status_loop(), "status")
        logger.info("%s listens on %s:%d", self.name, host, self.port)

    async def stop(self) -> None:
        """Stop listening and dialing, close every link, and wait until all is closed."""
        if not self._running:
            return
        self._running = False
        assert self._server is not None
        self._server.close()
        while self._tasks:  # a task may spawn another (a replaced link's close)
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
        links = list(self._links)
        await asyncio.gather(*(link.close() for link in links))
        await self._server.wait_closed()
        self._dialers.clear()
        logger.info("%s stopped its peer network", self.name)

    def add_peer(self, name: str, address: Address) -> None:
        """Dial ``name`` at ``address`` from now on (replacing an earlier address)."""
        if name == self.name:
            raise ValueError("a node does not dial itself")
        self._addresses[name] = address
        if self._running:
            self._start_dialer(name)

    def update_policy(self, policy: PeerPolicy) -> list[str]:
        """Admit peers by ``policy`` from now on; close the links it no longer admits.

        Returns the names of the peers whose links were closed. New TLS
        contexts are built only when the trusted CAs or this node's own
        certificate changed; CertificateError if they cannot be loaded (the
        old policy then stays).
        """
        if self._running and not policy.same_trust(self.policy):
            client, server = client_context(policy), server_context(policy)
            self._client_context, self._server_context = client, server
        self.policy = policy
        closed = []
        for peer, link in sorted(self._connections.items()):
            reason = policy.refusal(link.key, peer)
            if reason is not None:
                logger.warning("%s closes its link to %s: %s", self.name, peer, reason)
                del self._connections[peer]
                self.peer_heights.pop(peer, None)
                self._spawn(link.close(), f"close {peer}")
                closed.append(peer)
        return closed

    # --- sending (the consensus Transport) -------------------------------------------

    def broadcast(self, message: Message) -> None:
        """Send a consensus message to every connected peer (best effort)."""
        self._send_all(self._consensus_payload(message))

    def send(self, peer: str, message: Message) -> None:
        """Send a consensus message to ``peer`` only (best effort; unknown peers are ignored)."""
        self.send_envelope(peer, self._consensus_payload(message))

    def _consensus_payload(self, message: Message) -> Envelope:
        """A proposal compact when this node has a pool to say its txs' hashes; else whole."""
        txs = self.handlers.proposal_txs
        if isinstance(message, ProposalMessage) and txs is not None:
            return self.compact.payload(message, txs)
        return ConsensusPayload(encode_message(message))

    @property
    def committed_height(self) -> int:
        """This node's committed height (as hello and status say it)."""
        return self._height()

    def gossip_tx(self, raw: bytes, exclude: str | None = None) -> None:
        """Send a raw tx to every connected peer but ``exclude`` (the one it came from)."""
        self._send_all(TxPayload(raw), exclude)

    def gossip_txs(self, raws: Sequence[bytes], exclude: str | None = None) -> None:
        """Send raw txs to every connected peer but ``exclude``, many to a frame."""
        batch: list[bytes] = []
        size = 0
        for raw in raws:
            if batch and (len(batch) == MAX_GOSSIP_TXS or size + len(raw) > GOSSIP_FRAME_BYTES):
                self._send_all(TxsPayload(tuple(batch)), exclude)
                batch, size = [], 0
            batch.append(raw)
            size += len(raw)
        if batch:
            self._send_all(TxsPayload(tuple(batch)), exclude)

    def gossip_evidence(self, evidence: DuplicateVote, exclude: str | None = None) -> None:
        """Send duplicate-vote evidence to every connected peer but ``exclude``."""
        self._send_all(EvidencePayload(evidence), exclude)

    def request_blocks(self, peer: str, from_height: int, count: int) -> bool:
        """Ask ``peer`` for blocks; the answer goes to ``handlers.on_blocks``. False if unsent."""
        return self.send_envelope(peer, BlocksRequest(from_height, count))

    def send_envelope(self, peer: str, envelope: Envelope) -> bool:
        """Queue any envelope for ``peer``; False if it is not connected or its queue is full."""
        link = self._connections.get(peer)
        frame = None if link is None else self._frame(envelope)
        if link is None or frame is None:
            return False
        return link.offer(frame)

    def _send_all(self, envelope: Envelope, exclude: str | None = None) -> None:
        frame = self._frame(envelope)
        if frame is None:
            return
        for peer, link in self._connections.items():
            if peer != exclude:
                link.offer(frame)

    def _frame(self, envelope: Envelope) -> bytes | None:
        try:
            return encode_frame(encode_envelope(envelope), self.config.max_frame_bytes)
        except (NetworkError, ValidationError) as exc:
            # Our own message is too large or malformed: a bug or a limit set
            # too low. Sending must not raise into the consensus driver.
            logger.error("not sending a %s: %s", envelope.KIND, exc)
            return None

    # --- links -----------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine, name=f"govchain.network {self.name} {what}")
        self._tasks.add(task)
        task.add_done_callback(self._task_ended)
        return task

    def _task_ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            self._failed(failure)

    def _failed(self, failure: BaseException) -> None:
        """A network task ended with this node's own failure: tell the supervisor."""
        if self.failure is None:
            self.failure = failure
        if self._on_failure is not None:
            self._on_failure(failure)
        else:
            logger.error("%s: a peer network task failed: %r", self.name, failure)

    def _start_dialer(self, peer: str) -> None:
        running = self._dialers.get(peer)
        if running is None or running.done():
            self._dialers[peer] = self._spawn(self._dial_loop(peer), f"dial {peer}")

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        host = str(peername[0]) if peername else "?"
        if not self._running or not self.inbound.enter(host):
            writer.transport.abort()  # at once: no TLS work for a connection over the cap
            return
        self._spawn(self._accept_tls(reader, writer, host), "accept")

    async def _accept_tls(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        """Handshake, identify and keep an inbound link; it counts as open until it closes."""
        peername = writer.get_extra_info("peername")
        where = f"{host}:{peername[1]}" if peername else host
        assert self._server_context is not None
        try:
            try:
                async with asyncio.timeout(self.config.handshake_timeout_s):
                    await writer.start_tls(self._server_context)
            except (ssl.SSLError, OSError, TimeoutError) as exc:
                self.refused += 1
                self.inbound.refused("tls", host, where, f"TLS handshake failed: {exc}")
                writer.transport.abort()
                return
            link = await self._admit((reader, writer), None)
            if link is not None:
                await link.closed.wait()
        finally:
            self.inbound.leave()

    async def _dial_loop(self, peer: str) -> None:
        initial, delay = self.config.backoff_initial_s, self.config.backoff_initial_s
        while self._running:
            link = self._connections.get(peer)
            if link is not None:
                await link.closed.wait()
                delay = initial
            elif await self._dial(peer):
                delay = initial
                continue
            else:
                delay = min(delay * 2, self.config.backoff_max_s)
            await asyncio.sleep(delay)

    async def _dial(self, peer: str) -> PeerConnection | None:
        host, port = self._addresses[peer]
        try:
            streams = await asyncio.open_connection(
                host, port, ssl=self._client_context,
                ssl_handshake_timeout=self.config.handshake_timeout_s,
            )  # fmt: skip
        except ssl.SSLError as exc:
            logger.warning("refused %s at %s:%d: TLS handshake failed: %s", peer, host, port, exc)
            return None
        except (OSError, TimeoutError) as exc:
            logger.debug("cannot reach %s at %s:%d: %s", peer, host, port, exc)
            return None
        return await self._admit(streams, peer)

    async def _admit(
        self, streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], expected: str | None
    ) -> PeerConnection | None:
        """Identify a fresh link and register it; close it unless it was registered."""
        writer = streams[1]
        peername = writer.get_extra_info("peername")
        host, where = (str(peername[0]), f"{peername[0]}:{peername[1]}") if peername else ("?", "?")
        local = Hello(self.name, self.chain_id, self._height())
        link = None
        try:
            hello = await handshake(
                streams, local, self.policy, expected,
                limits=self._limits, timeout_s=self.config.handshake_timeout_s,
            )  # fmt: skip
            link = self._register(streams, hello, expected is not None)
        except NetworkError as exc:
            self.refused += 1
            if expected is None:  # inbound: anyone may try, so the log is bounded
                self.inbound.refused("identity", host, where, str(exc))
            else:  # a configured peer, redialed with backoff: also at most a line a minute
                self.inbound.refused("dial", expected, where, str(exc))
        except (asyncio.IncompleteReadError, OSError, TimeoutError) as exc:
            logger.info("the link with %s ended during the handshake: %r", where, exc)
        finally:
            if link is None:
                await close_stream(writer, self.config.close_timeout_s)
        return link

    def _register(
        self,
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        hello: Hello,
        outbound: bool,
    ) -> PeerConnection | None:
        if not self._running:
            return None
        peer = hello.node
        key = peer_key(streams[1].get_extra_info("ssl_object"))
        refusal = self.policy.refusal(key, peer)  # the policy may have changed meanwhile
        if refusal is not None:
            raise PeerRefusedError(refusal)
        dialer = self.name if outbound else peer
        existing = self._connections.get(peer)
        if existing is not None and not self._keeps_new(peer, dialer, existing.dialer):
            logger.debug("%s: keeping the link %s opened to %s", self.name, existing.dialer, peer)
            return None
        counters = self.counters.setdefault(peer, PeerCounters())
        link = PeerConnection(peer, dialer, streams, self.config, counters, key)
        self._connections[peer] = link
        self._links.add(link)
        self.peer_heights[peer] = hello.height
        link.start(self._dispatcher.dispatch, self._closed, self._failed)
        if existing is not None:
            self._spawn(existing.close(), f"replace {peer}")
        logger.info("%s connected to %s (dialed by %s)", self.name, peer, dialer)
        return link

    def _keeps_new(self, peer: str, new_dialer: str, old_dialer: str) -> bool:
        """Whether a new link replaces the registered one: both sides decide alike."""
        preferred = min(self.name, peer)
        if (new_dialer == preferred) != (old_dialer == preferred):
            return new_dialer == preferred
        return True  # the same dialer again: the old link is stale

    def _closed(self, link: PeerConnection) -> None:
        self._links.discard(link)
        if self._connections.get(link.peer) is link:
            del self._connections[link.peer]
            self.peer_heights.pop(link.peer, None)
            logger.info("%s disconnected from %s", self.name, link.peer)

    async def _status_loop(self) -> None:
        while self._running:
            await asyncio.sleep(self.config.status_interval_s)
            self._send_all(Status(self._height()))
