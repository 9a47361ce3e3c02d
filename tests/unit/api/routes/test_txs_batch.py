"""``POST /v1/txs/batch``: many txs in one request, each admitted or refused on its own (F-A7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from govchain.api.routes.txs import MAX_BATCH_TXS
from govchain.api.schemas import TxBatchAccepted
from govchain.codec import encode
from govchain.ledger import records

from ..fake_node import Chain, FakeNode

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from ..conftest import MakeClient

CBOR = {"content-type": "application/cbor"}


def test_each_tx_of_a_batch_gets_its_own_outcome_in_order(
    client: TestClient, chain: Chain, node: FakeNode
) -> None:
    good = [chain.maker.tx(chain.maker.keys[1], key=f"b{i}".encode(), value=b"v") for i in range(2)]
    body = encode([records.encode_tx(good[0]), b"\x01not a tx", records.encode_tx(good[1])])
    answer = client.post("/v1/txs/batch", content=body, headers=CBOR)
    assert answer.status_code == 200, answer.text
    result = TxBatchAccepted.model_validate(answer.json())
    assert result.accepted == 2
    hashes = [records.tx_hash(chain.maker.suite, tx).hex() for tx in good]
    assert [r.hash for r in result.results] == [hashes[0], None, hashes[1]]
    refused = result.results[1].error
    assert refused is not None
    assert refused.code == "malformed_tx"
    assert [h.hex() for h in node.pending_txs] == hashes


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (encode([]), "non-empty"),
        (encode({"txs": 1}), "non-empty"),
        (encode([b"tx", "text"]), "item 1"),
        (encode([[b"nested"]]), "not a canonical CBOR array"),
        (b"\xff", "not a canonical CBOR array"),
        (encode([b"t"] * (MAX_BATCH_TXS + 1)), "not a canonical CBOR array"),
    ],
    ids=["empty", "a map", "text item", "nested", "not cbor", "too many"],
)
def test_a_malformed_batch_is_refused_whole(
    make_client: MakeClient, node: FakeNode, body: bytes, why: str
) -> None:
    client = make_client(max_body_bytes=64 * 1024)
    answer = client.post("/v1/txs/batch", content=body, headers=CBOR)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "malformed_batch"
    assert why in answer.json()["error"]["message"]
    assert node.pending_txs == {}


def test_a_batch_over_the_body_limit_or_of_the_wrong_type_is_refused(
    client: TestClient, node: FakeNode
) -> None:
    big = client.post("/v1/txs/batch", content=encode([b"x" * 3000, b"y" * 3000]), headers=CBOR)
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "body_too_large"
    typed = client.post(
        "/v1/txs/batch", content=encode([b"x"]), headers={"content-type": "text/plain"}
    )
    assert typed.status_code == 415
    assert node.pending_txs == {}
