"""The cast of ``bench assets``: a member admin, holders and a bank with lockers, one asset type.

On a fresh local network the first member's admin registers ``holders``
accounts and one bank account (the grantee and code reader of the grant
phases), each of them opens its locker (a fresh locker key wrapped under its
own password, stored on the storage nodes), and the admin defines one asset
type its member issues in mode ``authority``. Every step is a real tx,
waited for; the lockers open in parallel, as separate people would.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from govchain.bench.network import BenchError
from govchain.client.assets import AssetClient, storage_nodes
from govchain.client.registry import RegistryClient
from govchain.client.sdk import NodeClient
from govchain.client.storage import StorageClient, StorageNode
from govchain.client.submission import committed_receipt
from govchain.contracts.assets import TypeDefineArgs
from govchain.contracts.registry.txs import AccountAddArgs
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.ledger.genesis_file import load_genesis
from govchain.node.netinit import GENESIS_FILE, NetworkLayout
from govchain.types import Genesis

__all__ = [
    "BENCH_SCHEMA",
    "BENCH_TYPE_SUFFIX",
    "AssetScene",
    "Holder",
    "sample_fields",
    "set_up_scene",
]

BENCH_TYPE_SUFFIX = "901"
"""The bench's asset type code: the admin's member credit code and these 3 digits."""
COMMIT_TIMEOUT_S = 60.0
BENCH_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "名称": {"type": "string", "maxLength": 64, "public": True},
        "注册资本万元": {"type": "integer", "minimum": 0},
        "成立日期": {"type": "string", "format": "date", "public": True},
    },
    "required": ["名称", "成立日期"],
}
"""The bench type's schema (``bench assets``; the licences of ``bench cluster --mix``)."""


@dataclass(frozen=True)
class Holder:
    """An account of the bench (a holder, or the bank): its key, address and locker password."""

    key: SigningKey
    address: bytes
    password: bytes


@dataclass(frozen=True)
class AssetScene:
    """Everything the timed phases need, set up and committed."""

    layout: NetworkLayout
    genesis: Genesis
    admin: SigningKey
    type_code: str
    holders: tuple[Holder, ...]
    storage: tuple[StorageNode, ...]
    api_urls: tuple[str, ...]
    bank: Holder
    """The account the holders grant to, and that reads with their codes."""

    def node(self, index: int) -> NodeClient:
        """A node client that starts at validator ``index`` (spreads the clients)."""
        return NodeClient(
            list(self.api_urls), ca_bundle=self.layout.ca_bundle, start=index % len(self.api_urls)
        )

    def client(
        self, node: NodeClient, key: SigningKey, storage: StorageClient, copies: int
    ) -> AssetClient:
        """An SDK client of ``key`` that checks every record against the genesis."""
        return AssetClient(node, key, storage=storage, genesis=self.genesis, copies=copies)


def sample_fields(number: int) -> dict[str, Any]:
    """The fields of the bench's asset ``number`` (made up, no personal data)."""
    return {
        "名称": f"示例商贸有限公司{number:05d}",
        "注册资本万元": 100 + number,
        "成立日期": "2024-03-15",
    }


def set_up_scene(
    layout: NetworkLayout, holders: int, copies: int, progress: Callable[[str], None]
) -> AssetScene:
    """Register ``holders`` holder accounts and the bank, open their lockers, define the type.

    The storage nodes are the ones a chain node lists (``GET /v1/storage-nodes``).
    """
    suite = suite_for(layout.suite)
    if not layout.members:
        raise BenchError(f"{layout.directory} names no member admin")
    code, _name, admin_file = layout.members[0]
    admin = read_signing_key(admin_file)
    apis = tuple(n.api_url for n in layout.nodes if n.role == "validator")
    keys = [suite.generate_key() for _ in range(holders + 1)]
    *cast, bank = (
        Holder(k, records.address_of(suite, k.public_key), os.urandom(16).hex().encode())
        for k in keys
    )
    with NodeClient(list(apis), ca_bundle=layout.ca_bundle) as node:
        nodes = tuple(storage_nodes(node))
        if len(nodes) < copies:
            raise BenchError(
                f"the network lists {len(nodes)} storage nodes; {copies} copies need as many"
            )
        progress(f"registering {holders} holder accounts and a bank")
        _register(node, admin, keys)
        type_code = code + BENCH_TYPE_SUFFIX
        progress("defining the asset type")
        _define_type(node, admin, code, type_code, copies)
    genesis = load_genesis(layout.directory / GENESIS_FILE)
    scene = AssetScene(layout, genesis, admin, type_code, tuple(cast), nodes, apis, bank)
    progress(f"opening {holders + 1} lockers (scrypt, stored on {copies} storage nodes)")
    with ThreadPoolExecutor(holders + 1) as pool:
        everyone = [*cast, bank]
        opened = [pool.submit(_open_locker, scene, i, h, copies) for i, h in enumerate(everyone)]
        for future in opened:
            future.result()
    return scene


def _register(node: NodeClient, admin: SigningKey, keys: list[SigningKey]) -> None:
    registry = RegistryClient(node)
    hashes = [registry.add_account(admin, AccountAddArgs(k.public_key, "client"))[1] for k in keys]
    for tx_hash in hashes:
        receipt = committed_receipt(node, tx_hash, COMMIT_TIMEOUT_S)
        if receipt.status != 0:
            raise BenchError(f"registering a holder account failed: {receipt.error}")


def _define_type(node: NodeClient, admin: SigningKey, member: str, code: str, copies: int) -> None:
    args = TypeDefineArgs(
        code, "基准测试证照", BENCH_SCHEMA, (member,), ("authority",), "long_term", b"", "none"
    )
    client = AssetClient(node, admin, copies=copies)
    client.send(args)


def _open_locker(scene: AssetScene, index: int, holder: Holder, copies: int) -> None:
    suite = suite_for(scene.layout.suite)
    with scene.node(index) as node:
        storage = StorageClient(suite, holder.key, scene.storage)
        scene.client(node, holder.key, storage, copies).init_locker(holder.password)
