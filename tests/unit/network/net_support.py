"""Real transport PKI, peer networks and hand-driven peers for the network tests.

Two member organizations each have a transport CA. ``n1``..``n4`` are
registered nodes; ``ghost`` has a good certificate from org1's CA but its
key is not registered; ``rogue``'s key is registered, but its CA is no
member's, so TLS itself refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Message
from govchain.crypto.ca import CertificateAuthority
from govchain.ledger import records
from govchain.network import (
    NetworkConfig,
    PeerHandlers,
    PeerNetwork,
    PeerPolicy,
    TransportIdentity,
    client_context,
    init_transport_ca,
    issue_transport_certificate,
    pem_bundle,
)
from govchain.network.framing import encode_frame
from govchain.types import Vote, VoteType

from ...chain_support import CHAIN_ID, ChainMaker

WAIT_SECONDS = 30.0
REGISTERED = ("n1", "n2", "n3", "n4", "rogue")
FAST = NetworkConfig(
    backoff_initial_s=0.02, backoff_max_s=0.2, status_interval_s=0.05, close_timeout_s=1.0
)
"""Quick redials and status, so tests wait little; correctness never depends on them."""


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async scenario to the end (pytest-asyncio is not installed)."""
    asyncio.run(scenario())


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Await ``condition`` becoming true, checking between loop turns; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@dataclass
class Pki:
    """Transport CAs and node identities in one directory."""

    directory: Path
    identities: dict[str, TransportIdentity]
    bundle: bytes
    allowed: dict[bytes, str]

    @classmethod
    def make(cls, directory: Path) -> Pki:
        now = dt.datetime.now(dt.UTC)
        org1 = init_transport_ca(directory / "org1-ca", "org1", now)
        org2 = init_transport_ca(directory / "org2-ca", "org2", now)
        outsider = init_transport_ca(directory / "rogue-ca", "rogue-org", now)
        issuers: dict[str, CertificateAuthority] = {
            "n1": org1, "n2": org1, "n3": org2, "n4": org2, "ghost": org1, "rogue": outsider,
        }  # fmt: skip
        identities = {
            name: issue_transport_certificate(ca, name, directory / name, now)
            for name, ca in issuers.items()
        }
        bundle = pem_bundle([org1.certificate.dump(), org2.certificate.dump()])
        allowed = {identities[name].fingerprint: name for name in REGISTERED}
        return cls(directory, identities, bundle, allowed)

    def policy(self, name: str) -> PeerPolicy:
        """The policy node ``name`` runs with."""
        identity = self.identities[name]
        return PeerPolicy(self.bundle, self.allowed, identity.cert_file, identity.key_file)


@dataclass
class Inbox:
    """What one node received, by kind."""

    consensus: list[tuple[str, Message]] = field(default_factory=list)
    txs: list[tuple[str, bytes]] = field(default_factory=list)
    evidence: list[tuple[str, DuplicateVote]] = field(default_factory=list)
    blocks: list[tuple[str, list[tuple[bytes, bytes]]]] = field(default_factory=list)

    def handlers(self, chain: list[tuple[bytes, bytes]] | None = None) -> PeerHandlers:
        """Handlers that record into this inbox and serve ``chain[h - 1]`` for height ``h``."""

        def serve(from_height: int, count: int) -> list[tuple[bytes, bytes]]:
            return (chain or [])[from_height - 1 : from_height - 1 + count]

        return PeerHandlers(
            on_consensus=lambda peer, message: self.consensus.append((peer, message)),
            on_tx=lambda peer, raw: self.txs.append((peer, raw)),
            on_evidence=lambda peer, evidence: self.evidence.append((peer, evidence)),
            serve_blocks=serve,
            on_blocks=lambda peer, pairs: self.blocks.append((peer, pairs)),
        )


def make_node(
    pki: Pki,
    name: str,
    inbox: Inbox | None = None,
    *,
    port: int = 0,
    config: NetworkConfig = FAST,
    height: Callable[[], int] = lambda: 0,
    chain_id: str = CHAIN_ID,
    on_failure: Callable[[BaseException], None] | None = None,
) -> PeerNetwork:
    """A peer network for ``name`` on 127.0.0.1, recording into ``inbox``."""
    return PeerNetwork(
        name, chain_id, pki.policy(name), listen=("127.0.0.1", port), height=height,
        handlers=(inbox or Inbox()).handlers(), config=config, on_failure=on_failure,
    )  # fmt: skip


def fully_connected(nodes: list[PeerNetwork]) -> bool:
    """Whether every node has a link to every other."""
    names = {node.name for node in nodes}
    return all(set(node.connected_peers) == names - {node.name} for node in nodes)


def signed_vote(
    maker: ChainMaker, index: int, height: int = 1, kind: VoteType | None = None
) -> Vote:
    """A prevote (or ``kind``) by validator ``index`` for a random block, really signed."""
    member = maker.validators.validators[index]
    vote = Vote(
        CHAIN_ID, kind or VoteType.PREVOTE, height, 0, os.urandom(32), 1_790_000_000_000,
        member.address,
    )  # fmt: skip
    signature = maker.keys[index].sign(records.vote_signing_bytes(vote))
    return dataclasses.replace(vote, signature=signature)


async def raw_peer(
    pki: Pki, name: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A hand-driven TLS client presenting ``name``'s certificate (no hello sent yet)."""
    return await asyncio.open_connection("127.0.0.1", port, ssl=client_context(pki.policy(name)))


async def send_raw(writer: asyncio.StreamWriter, payload: bytes) -> None:
    """Write one frame and drain."""
    writer.write(encode_frame(payload))
    await writer.drain()


async def close_raw(writer: asyncio.StreamWriter) -> None:
    """Close a hand-driven stream, whatever state the peer left it in."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 5)
    except (OSError, TimeoutError):
        writer.transport.abort()


async def ended(reader: asyncio.StreamReader) -> bool:
    """Read until the peer closes the stream; True once it has."""
    try:
        while await asyncio.wait_for(reader.read(65536), WAIT_SECONDS):
            pass
    except (ConnectionError, ssl.SSLError):
        pass  # a reset or a TLS alert ends the stream too
    return True


@contextlib.asynccontextmanager
async def running(*nodes: PeerNetwork) -> AsyncIterator[None]:
    """Start ``nodes``; stop every one of them at the end, whatever happened."""
    try:
        for node in nodes:
            await node.start()
        yield
    finally:
        for node in nodes:
            await node.stop()


def dial(node: PeerNetwork, *targets: PeerNetwork) -> None:
    """Make ``node`` dial each of ``targets`` at its bound port."""
    for target in targets:
        node.add_peer(target.name, ("127.0.0.1", target.port))


def mesh(*nodes: PeerNetwork) -> None:
    """Each node dials the ones after it."""
    for index, node in enumerate(nodes):
        dial(node, *nodes[index + 1 :])
