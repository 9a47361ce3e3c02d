"""Issue 13, item 7: a damaged record of the node's own LMDB store is 500 ``ledger_corrupt``
and stops the node; a storage failure is a 503 with its code; no answer shows a path.

The faults are injected into a real LMDB store: the chain is written, the
store closed, one stored value overwritten, and the chain opened again (so no
cache remembers the good value).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.api import create_app
from govchain.contracts.notary import count_key
from govchain.ledger.chainstore import TABLES, ChainStore, height_key
from govchain.node.services import service_routes
from govchain.storage.lmdb_store import LmdbStore
from govchain.types.errors import LedgerCorruptError

from ...chain_support import ChainMaker
from .service_support import DIGEST, Fatal, anchored_chain, make_service, notary_maker

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: httpx 0.28.1 is pinned
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

BLOCKS = 3
CORRUPT_MESSAGE = "a stored record of this node fails its checks; the node is stopping"
GARBAGE = b"\xff\x00 not a record"


@dataclass
class Node:
    """The API over a node service whose LMDB store was damaged on purpose."""

    client: TestClient
    store: LmdbStore
    fatal: Fatal
    data: Path


Damage = Callable[[LmdbStore], None]
OpenNode = Callable[[Damage], Node]


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    return notary_maker()


@pytest.fixture
def open_node(maker: ChainMaker, tmp_path: Path) -> Iterator[OpenNode]:
    data = tmp_path / "data"
    anchored_chain(maker, LmdbStore(data, TABLES), BLOCKS).store.close()
    opened: list[Node] = []

    def open_with(damage: Damage) -> Node:
        store = LmdbStore(data, TABLES)
        damage(store)
        fatal = Fatal()
        service = make_service(maker, ChainStore(store), fatal)
        app = create_app(service, service_routes=service_routes(), metrics=service.metrics)
        node = Node(TestClient(app, raise_server_exceptions=False), store, fatal, data)
        opened.append(node)
        return node

    yield open_with
    for node in opened:
        node.client.close()
        node.store.close()


def _overwrite(table: str, key: bytes) -> Damage:
    def damage(store: LmdbStore) -> None:
        with store.write() as txn:
            assert txn.get(table, key) is not None, f"nothing to damage in {table}"
            txn.put(table, key, GARBAGE)

    return damage


def _damage_the_count_leaf(store: LmdbStore) -> None:
    """Overwrite the newest state leaf that holds DIGEST's anchoring count."""
    with store.write() as txn:
        leaves = [k for k, v in txn.scan("state_nodes") if count_key(DIGEST) in v]
        assert leaves, "the count's leaf is stored"
        txn.put("state_nodes", max(leaves), GARBAGE)


def _assert_corrupt(node: Node, path: str) -> None:
    answer = node.client.get(path)
    assert answer.status_code == 500, answer.text
    assert answer.json() == {"error": {"code": "ledger_corrupt", "message": CORRUPT_MESSAGE}}
    assert str(node.data) not in answer.text
    assert node.fatal.failures, "the node is told to stop"
    assert all(isinstance(f, LedgerCorruptError) for f in node.fatal.failures)


def test_a_damaged_block_row_is_ledger_corrupt_and_stops_the_node(open_node: OpenNode) -> None:
    node = open_node(_overwrite("blocks", height_key(2)))
    _assert_corrupt(node, "/v1/blocks/2")


def test_a_damaged_receipts_row_is_ledger_corrupt(open_node: OpenNode) -> None:
    node = open_node(_overwrite("receipts", height_key(3)))
    tx_hash = node.client.get("/v1/blocks/3").json()["txs"][0]  # the block itself is intact
    assert node.fatal.failures == []
    _assert_corrupt(node, f"/v1/txs/{tx_hash}")


def test_a_damaged_state_node_is_ledger_corrupt_for_a_service_read(open_node: OpenNode) -> None:
    node = open_node(_damage_the_count_leaf)
    _assert_corrupt(node, f"/v1/notary/{DIGEST.hex()}")


def test_a_damaged_state_root_record_is_ledger_corrupt_for_status(open_node: OpenNode) -> None:
    node = open_node(_overwrite("state_roots", height_key(BLOCKS)))
    _assert_corrupt(node, "/v1/status")


def test_a_closed_store_is_a_503_without_its_path_and_does_not_stop_the_node(
    open_node: OpenNode,
) -> None:
    node = open_node(lambda _store: None)
    assert node.client.get("/v1/blocks/1").status_code == 200
    node.store.close()
    for path in ("/v1/blocks/1", f"/v1/notary/{DIGEST.hex()}", "/v1/status"):
        answer = node.client.get(path)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == {
            "code": "storage_closed",
            "message": "the node is stopping; try another node",
        }
        assert str(node.data) not in answer.text
    assert node.fatal.failures == []
