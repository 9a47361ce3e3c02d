"""A throwaway local network of node processes for the benchmarks, and the txs they are fed.

:func:`local_network` lays out a network on free loopback ports, starts the
nodes asked for and always stops every node afterwards, Ctrl-C included.
:class:`TxSource` signs notary anchorings ahead of time: signing costs CPU
that must not be spent while a step is timed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from govchain.bench.procstats import usable_cores
from govchain.client.registry import RegistryClient
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.contracts.notary import anchor_tx
from govchain.contracts.registry.txs import AccountAddArgs
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.node import launcher
from govchain.node.config import read_config, write_config
from govchain.node.netinit import NetworkLayout, NodeLayout, init_network
from govchain.node.ports import free_base_port
from govchain.node.storage_layout import StorageNodeLayout
from govchain.types.errors import GovChainError

__all__ = [
    "BenchError",
    "TxSource",
    "local_network",
    "rate_limits_off",
    "register_client",
    "start_nodes",
    "start_storage_nodes",
    "without_rate_limits",
]

READY_TIMEOUT_S = 60.0
EXPIRY_AHEAD = 9_000
"""Heights a tx stays valid (the mempool refuses more than 10,000 ahead)."""
CHAIN_ID = "govchain-bench"

NodeProcesses = dict[str, subprocess.Popen[bytes]]
"""Node name -> its running process."""


class BenchError(GovChainError):
    """The benchmark cannot go on: a node did not start, the network commits nothing, ..."""

    code = "bench"


@contextmanager
def local_network(
    directory: Path | None,
    keep: bool,
    *,
    validators: int,
    full_nodes: int = 0,
    storage_nodes: int = 0,
    suite: str = "gm",
    start_full_nodes: bool = True,
    before_start: Callable[[NetworkLayout], None] | None = None,
) -> Iterator[tuple[NetworkLayout, NodeProcesses]]:
    """A laid-out network with its nodes started (full nodes only if asked); stopped on exit.

    Without ``directory`` the network lives in a temporary directory, removed
    afterwards unless ``keep`` or the run failed (its logs explain why); a
    given ``directory`` (empty or new) is always kept. ``before_start`` may
    change the laid-out homes (a node's ``config.toml``) before any node starts.
    ``storage_nodes`` storage nodes are laid out too and started before the
    chain nodes; the processes returned are the chain nodes'.
    """
    owned = directory is None
    root = Path(tempfile.mkdtemp(prefix="govchain-bench-")) if directory is None else directory
    layout: NetworkLayout | None = None
    failed = False
    try:
        base = free_base_port(2 * (validators + full_nodes) + storage_nodes)
        layout = init_network(
            root,
            validators=validators,
            full_nodes=full_nodes,
            suite_name=suite,
            base_port=base,
            chain_id=CHAIN_ID,
            storage_nodes=storage_nodes,
        )
        if before_start is not None:
            before_start(layout)
        # storage nodes bind first: a chain node's outgoing connections take ephemeral
        # ports, which may be the ones laid out for the storage nodes after its own
        start_storage_nodes(layout.storage_nodes)
        first = [n for n in layout.nodes if start_full_nodes or n.role == "validator"]
        yield layout, start_nodes(first)
    except Exception:
        failed = True
        raise
    finally:
        if layout is not None:
            launcher.down(layout, grace_s=10)
        if owned and not keep and not failed:
            shutil.rmtree(root, ignore_errors=True)


def without_rate_limits(layout: NetworkLayout) -> None:
    """Turn every node's API rate limits off (a ``before_start`` for ``local_network``).

    ``bench cluster`` and ``bench sync`` measure the chain with one client key
    from one address at full speed; the per-client limits would measure
    themselves instead.
    """
    for node in layout.nodes:
        rate_limits_off(node.home)


def rate_limits_off(home: Path) -> None:
    """Turn the API rate limits of the node at ``home`` off (its ``config.toml``)."""
    config = read_config(home)
    off = dataclasses.replace(config.rate_limit, reads_per_s=0, submissions_per_s=0)
    write_config(home, dataclasses.replace(config, rate_limit=off))


def start_nodes(nodes: Sequence[NodeLayout], timeout_s: float = READY_TIMEOUT_S) -> NodeProcesses:
    """Start node processes and wait until each one's API answers.

    BenchError names the first node that exits or stays silent, and its ``node.out``.
    """
    processes = {node.name: launcher.start_node(node) for node in nodes}
    waiting = list(nodes)
    deadline = time.monotonic() + timeout_s
    while waiting:
        for node in list(waiting):
            status = processes[node.name].poll()
            if status is not None:
                raise BenchError(
                    f"node {node.name} exited with status {status} while starting; "
                    f"see {node.home / launcher.OUT_FILE}"
                )
            if api_height(node.api_url) is not None:
                waiting.remove(node)
        if waiting and time.monotonic() > deadline:
            node = waiting[0]
            raise BenchError(
                f"node {node.name} did not answer on {node.api_url} within {timeout_s:g} s; "
                f"see {node.home / launcher.OUT_FILE}"
            )
        if waiting:
            time.sleep(0.2)
    return processes


def start_storage_nodes(
    nodes: Sequence[StorageNodeLayout], timeout_s: float = READY_TIMEOUT_S
) -> NodeProcesses:
    """Start storage node processes and wait until each answers ``GET /v1/health``.

    BenchError names the first one that exits or stays silent, and its ``node.out``.
    """
    processes = {node.name: launcher.start_node(node) for node in nodes}
    deadline = time.monotonic() + timeout_s
    for node in nodes:
        while not launcher.storage_ready(node.url, 1.0):
            status = processes[node.name].poll()
            if status is not None or time.monotonic() > deadline:
                happened = "did not answer" if status is None else f"exited with status {status}"
                raise BenchError(
                    f"storage node {node.name} {happened} while starting; "
                    f"see {node.home / launcher.OUT_FILE}"
                )
            time.sleep(0.2)
    return processes


def register_client(layout: NetworkLayout, key: SigningKey, timeout_s: float = 60.0) -> None:
    """Register ``key`` as a ``client`` account of the first member, signed by its admin.

    The permission check refuses unregistered senders, so a load generator's
    own key is registered first, the way a department registers an application.
    """
    if not layout.members:
        raise BenchError(f"{layout.directory} names no member admin to register a client with")
    admin = read_signing_key(layout.members[0][2])
    args = AccountAddArgs(key.public_key, "client", ("client",))
    urls = [node.api_url for node in layout.nodes]
    with NodeClient(urls, ca_bundle=layout.ca_bundle) as client:
        _, tx_hash = RegistryClient(client).add_account(admin, args)
        receipt = committed_receipt(client, tx_hash, timeout_s)
    if receipt.status != 0:
        raise BenchError(f"registering the load key failed: {receipt.error}")


def api_height(url: str, timeout_s: float = 2.0) -> int | None:
    """A node's height from ``GET /v1/status``, or None if it does not answer."""
    answer = launcher.api_status(url, timeout_s)
    return None if answer is None else int(answer["height"])


def node_pids(processes: NodeProcesses) -> dict[str, int]:
    """Node name -> process id."""
    return {name: process.pid for name, process in processes.items()}


class TxSource:
    """Signed ``notary.anchor`` txs of the network's client key (or ``key``), made ahead of use."""

    def __init__(self, layout: NetworkLayout, key: SigningKey | None = None) -> None:
        self._key = read_signing_key(layout.client_key) if key is None else key
        self._suite = suite_for(layout.suite)
        self._chain_id = layout.chain_id
        self._height_url = next(n.api_url for n in layout.nodes if n.role == "validator")
        self._workers = usable_cores()

    def make(self, count: int) -> list[tuple[bytes, bytes]]:
        """``count`` fresh txs as (tx hash, encoded tx), valid for the next 9,000 heights."""
        return [(tx_hash, encoded) for tx_hash, encoded, _digest in self.make_anchorings(count)]

    def make_anchorings(self, count: int) -> list[tuple[bytes, bytes, bytes]]:
        """``count`` fresh txs as (tx hash, encoded tx, the document digest they anchor)."""
        height = api_height(self._height_url)
        if height is None:
            raise BenchError(f"{self._height_url} does not answer /v1/status")
        expiry = height + EXPIRY_AHEAD

        def one(_index: int) -> tuple[bytes, bytes, bytes]:
            digest = os.urandom(32)
            tx = anchor_tx(self._key, self._chain_id, digest, os.urandom(16), expiry)
            encoded = records.tx_bytes(tx)
            return self._suite.hash(encoded.signing), encoded.encoded, digest

        # signing releases the GIL inside libcrypto: threads use every core
        with ThreadPoolExecutor(self._workers) as pool:
            return list(pool.map(one, range(count), chunksize=64))
