"""Happy paths of the chain-level routes, each answer checked against its response model.

The fake node sits on a real chain, so receipts and anchorings the API hands
out are checked the way a client checks them: offline, against the genesis.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

from govchain.api.schemas import (
    BlockResponse,
    NodeStatus,
    TxAccepted,
    TxStatusResponse,
)
from govchain.client import verify_tx_receipt
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle, tx_receipt_bundle
from govchain.types import Header
from govchain.types.block import HEADER_FIELDS

from ..conftest import app_of
from ..fake_node import BLOCKS, Chain, FakeNode, empty_chain

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from ..conftest import MakeClient


def _verified_offline(chain: Chain, receipt: dict[str, Any]) -> TxReceiptBundle:
    bundle = TxReceiptBundle.from_json(receipt)
    verify_tx_receipt(chain.maker.genesis, bundle)
    return bundle


@pytest.mark.parametrize(
    "content_type",
    ["application/cbor", "application/octet-stream", "Application/CBOR; charset=binary"],
)
def test_a_submitted_tx_is_accepted_with_its_hash_and_then_pending(
    client: TestClient, chain: Chain, node: FakeNode, content_type: str
) -> None:
    tx = chain.maker.tx(chain.maker.keys[1], key=b"new", value=b"v")
    answer = client.post(
        "/v1/txs", content=records.encode_tx(tx), headers={"content-type": content_type}
    )
    assert answer.status_code == 202, answer.text
    tx_hash = records.tx_hash(chain.maker.suite, tx)
    assert TxAccepted.model_validate(answer.json()).hash == tx_hash.hex()
    assert list(node.pending_txs) == [tx_hash]

    status = client.get(f"/v1/txs/{tx_hash.hex()}")
    assert status.status_code == 200
    assert status.json() == {"hash": tx_hash.hex(), "status": "pending", "receipt": None}


def test_a_committed_tx_has_a_receipt_that_verifies_offline(
    client: TestClient, chain: Chain
) -> None:
    tx_hash = chain.tx_hashes[-1]
    answer = client.get(f"/v1/txs/{tx_hash.hex()}")
    assert answer.status_code == 200
    body = TxStatusResponse.model_validate(answer.json())
    assert (body.hash, body.status) == (tx_hash.hex(), "committed")
    with chain.store.view() as view:
        assert answer.json()["receipt"] == tx_receipt_bundle(view, tx_hash).to_json()
    bundle = _verified_offline(chain, answer.json()["receipt"])
    assert bundle.receipt.ok
    assert bundle.receipt.tx_hash == tx_hash


def test_a_failed_tx_has_its_failure_receipt(client: TestClient, chain: Chain) -> None:
    answer = client.get(f"/v1/txs/{chain.failed_tx_hash.hex()}")
    assert answer.status_code == 200
    assert answer.json()["status"] == "failed"
    bundle = _verified_offline(chain, answer.json()["receipt"])
    assert not bundle.receipt.ok
    assert bundle.receipt.error


def test_an_unseen_tx_is_unknown(client: TestClient) -> None:
    tx_hash = os.urandom(32).hex()
    answer = client.get(f"/v1/txs/{tx_hash}")
    assert answer.status_code == 200
    assert answer.json() == {"hash": tx_hash, "status": "unknown", "receipt": None}


def test_upper_case_hex_is_accepted_and_answered_in_lower_case(
    client: TestClient, chain: Chain
) -> None:
    tx_hash = chain.tx_hashes[0].hex()
    answer = client.get(f"/v1/txs/{tx_hash.upper()}")
    assert answer.status_code == 200
    assert answer.json()["hash"] == tx_hash


def _header_of(header_json: dict[str, Any]) -> Header:
    text_fields = {"chain_id"}
    int_fields = {"height", "time"}
    return Header(
        **{
            name: value if name in text_fields | int_fields else bytes.fromhex(value)
            for name, value in header_json.items()
        }
    )


@pytest.mark.parametrize("height", range(1, BLOCKS + 1))
def test_a_block_by_height_has_its_header_tx_hashes_and_commit(
    client: TestClient, chain: Chain, height: int
) -> None:
    answer = client.get(f"/v1/blocks/{height}")
    assert answer.status_code == 200
    body = BlockResponse.model_validate(answer.json())
    with chain.store.view() as view:
        block_hash, block = view.block_hash(height), view.block(height)
    assert body.hash == block_hash.hex()
    assert body.txs == [records.tx_hash(chain.maker.suite, tx).hex() for tx in block.txs]
    assert list(answer.json()["header"]) == list(HEADER_FIELDS)
    # the JSON header is the header: it hashes to the block's hash
    header = _header_of(answer.json()["header"])
    assert header == block.header
    assert records.header_hash(chain.maker.suite, header) == block_hash
    assert body.commit is not None
    assert (body.commit.height, body.commit.block_hash) == (height, block_hash.hex())
    assert len(body.commit.signatures) == len(chain.maker.keys)


def test_the_latest_block_is_the_highest(client: TestClient) -> None:
    latest = client.get("/v1/blocks/latest")
    assert latest.status_code == 200
    assert latest.json() == client.get(f"/v1/blocks/{BLOCKS}").json()
    assert latest.json()["header"]["height"] == BLOCKS


def test_no_latest_block_before_the_first(make_client: MakeClient) -> None:
    node = FakeNode(empty_chain())
    client = make_client(app_of(node))
    answer = client.get("/v1/blocks/latest")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    status = client.get("/v1/status")
    assert status.status_code == 200
    assert (status.json()["height"], status.json()["state_root"]) == (0, "")


def test_status_names_the_node_its_height_and_validators(client: TestClient, chain: Chain) -> None:
    answer = client.get("/v1/status")
    assert answer.status_code == 200
    body = NodeStatus.model_validate(answer.json())
    assert (body.role, body.chain_id, body.suite, body.height, body.syncing) == (
        "validator",
        chain.maker.genesis.chain_id,
        "intl",
        BLOCKS,
        False,
    )
    with chain.store.view() as view:
        assert body.state_root == view.header(BLOCKS).state_root.hex()
    assert [v.address for v in body.validators] == [
        v.address.hex() for v in chain.maker.validators.validators
    ]
