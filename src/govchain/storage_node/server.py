"""One storage node process, built from its home (``govchain storage serve --home H``).

:class:`StorageNode` reads ``storage.toml`` and the genesis, opens the
blob store, the inbox store and the proven chain reads, and serves the
blob and message API with uvicorn until asked to stop; with ``[notifier]
key`` it also runs the reminder notifier (``storage_node.notifier``).
Everything that can be wrong with the home (a bad setting, an unreadable
genesis, a store that cannot be opened, a transport key that is not the one
the genesis registers for the node's name, a port in use) is refused here,
before the API answers, with one line naming it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from pathlib import Path

import uvicorn
from prometheus_client import CollectorRegistry

from govchain.api.quiet_server import QuietServer
from govchain.client.block_events import BlockWaiter, node_block_watch
from govchain.client.messages import MessageClient
from govchain.client.sdk import NodeClient
from govchain.client.verify import check_genesis
from govchain.crypto import CryptoSuite
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.genesis_file import load_genesis
from govchain.storage.blobs import BlobStore
from govchain.storage_node.annotations import AnnotationSigner, TransportKeyError
from govchain.storage_node.app import BlobService, create_storage_app
from govchain.storage_node.backends import open_store
from govchain.storage_node.chain_source import HttpChainSource
from govchain.storage_node.config import StorageConfig, read_storage_config, split_listen
from govchain.storage_node.grants import GRANT_READS
from govchain.storage_node.holders import HOLDERS_DIR, HolderIndex
from govchain.storage_node.inbox import INBOX_DB, InboxStore
from govchain.storage_node.message_routes import InboxSignals, MessageService
from govchain.storage_node.metrics import StorageMetrics
from govchain.storage_node.notifier import ReminderNotifier, run_notifier
from govchain.storage_node.reminder_chain import HttpReminderChain, reminder_poster
from govchain.types import Genesis
from govchain.types.errors import GovChainError, ProofError

__all__ = ["StorageNode", "StorageNodeError", "open_home_store"]

log = logging.getLogger("govchain.storage_node")


class StorageNodeError(GovChainError):
    """The storage node cannot start or stopped: the message says why, in one line."""

    code = "storage_node"


def open_home_store(
    home: Path, *, owner: bool = True
) -> tuple[StorageConfig, Genesis, CryptoSuite, BlobStore]:
    """The home's config, genesis, suite and blob store (what ``storage scrub`` needs too,
    with ``owner`` False: it reads beside the running node)."""
    config = read_storage_config(home)
    path = config.resolve(home, config.genesis)
    try:
        genesis = load_genesis(path)
    except OSError as exc:
        raise StorageNodeError(f"genesis {path}: {exc.strerror or exc}") from exc
    try:
        suite = check_genesis(genesis)
    except ProofError as exc:
        raise StorageNodeError(f"genesis {path}: {exc}") from exc
    return config, genesis, suite, open_store(config, home, suite, owner=owner)


def _open_inbox(path: Path) -> InboxStore:
    """The home's inbox store; StorageNodeError naming the file when it cannot be opened."""
    try:
        return InboxStore(path)
    except sqlite3.Error as exc:
        raise StorageNodeError(f"inbox store {path}: {exc}") from exc


class StorageNode:
    """A storage node: its config, store, chain reads and HTTP app."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.config, genesis, suite, self.store = open_home_store(home)
        config = self.config
        try:
            annotations = AnnotationSigner.from_home(home, config.name, genesis)
        except TransportKeyError as exc:
            raise StorageNodeError(f"storage node {config.name}: {exc}") from exc
        ca_bundle = config.resolve(home, config.ca_bundle) if config.ca_bundle else None
        self.chain = HttpChainSource(
            config.chain_nodes,
            genesis,
            GRANT_READS,
            ca_bundle=ca_bundle,
            timeout_s=config.timeout_s,
            cache_s=config.cache_s,
        )
        self.metrics = StorageMetrics(CollectorRegistry())
        self.inbox = _open_inbox(home / INBOX_DB)
        self.signals = InboxSignals()
        messages = MessageService(
            suite, self.chain, self.inbox, self.signals, per_minute=config.per_minute
        )
        service = BlobService(
            config.name,
            suite,
            self.store,
            self.chain,
            self.metrics,
            config.max_blob,
            HolderIndex(home / HOLDERS_DIR),
            annotations=annotations,
            messages=messages,
        )
        self.app = create_storage_app(service)
        self.notifier = self._notifier(genesis, ca_bundle) if config.notifier_key else None

    def _notifier(self, genesis: Genesis, ca_bundle: Path | None) -> ReminderNotifier:
        """The reminder notifier, with the platform key of ``[notifier] key``."""
        config = self.config
        path = config.resolve(self.home, config.notifier_key)
        try:
            key = read_signing_key(path)
        except (OSError, GovChainError) as exc:
            raise StorageNodeError(f"notifier.key {path}: {exc}") from exc
        self._chain_client = NodeClient(
            list(config.chain_nodes), ca_bundle=ca_bundle, timeout_s=config.timeout_s
        )
        fresh = HttpChainSource(
            config.chain_nodes, genesis, GRANT_READS, ca_bundle=ca_bundle,
            timeout_s=config.timeout_s, cache_s=0,
        )  # fmt: skip
        self._messages_client = MessageClient(self._chain_client, key, genesis=genesis)
        watch = node_block_watch(config.chain_nodes, ca_bundle, config.timeout_s)
        self._notifier_waiter = BlockWaiter(config.poll_s, watch)  # its stream read from run()
        chain = HttpReminderChain(self._chain_client, fresh, key)
        return ReminderNotifier(chain, self.inbox, reminder_poster(self._messages_client))

    def _bind(self) -> socket.socket:
        host, port = split_listen(self.config.listen)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise StorageNodeError(
                f"storage.listen {self.config.listen}: {exc.strerror or exc}"
            ) from exc
        return sock

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; StorageNodeError if the server ends by itself."""
        sock = self._bind()
        server = QuietServer(
            uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off")
        )
        serving = asyncio.create_task(server.serve([sock]))
        stopping = asyncio.create_task(stop.wait())
        notifying = None
        if self.notifier is not None:
            notifying = asyncio.create_task(
                run_notifier(self.notifier, self._notifier_waiter, self.signals.closing)
            )
        log.info(
            "storage node %s up: %s, backend %s",
            self.config.name,
            self.config.url,
            self.config.backend,
        )
        try:
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            self.signals.close()  # ends the message streams and the notifier
            server.should_exit = True
            await serving
            if notifying is not None:
                await notifying
            if not stop.is_set():
                raise StorageNodeError(f"storage node {self.config.name}: its API server stopped")
        finally:
            stopping.cancel()
            sock.close()
            self.chain.close()
            if self.notifier is not None:
                self._notifier_waiter.close()
                self._messages_client.close()
                self._chain_client.close()
            self.inbox.close()
            log.info("storage node %s stopped", self.config.name)
