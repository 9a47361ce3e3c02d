"""The notary SDK: it signs and submits anchorings, and follows a digest's pages (F-C5, F-F1)."""

from __future__ import annotations

import httpx
import pytest

from govchain.client.notary import EXPIRY_HEIGHTS, NotaryClient
from govchain.client.sdk import ApiError, NodeClient
from govchain.contracts.notary import NOTARY_TX_TYPE, AnchorArgs
from govchain.ledger import records

from ...chain_support import CHAIN_ID, ChainMaker

DIGEST = bytes(range(32))


def _notary(handler: object) -> NotaryClient:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return NotaryClient(NodeClient("http://node.test", transport=transport))


def test_anchor_signs_a_notary_tx_for_the_node_chain_and_submits_it() -> None:
    maker = ChainMaker.make("gm")
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/status":
            return httpx.Response(200, json={"chain_id": CHAIN_ID, "height": 41})
        sent.append(request.content)
        tx = records.decode_tx(request.content)
        return httpx.Response(202, json={"hash": records.tx_hash(maker.suite, tx).hex()})

    tx, tx_hash = _notary(handler).anchor(maker.keys[1], DIGEST, title="deed", ref="R-9")
    assert tx_hash == records.tx_hash(maker.suite, tx)
    assert records.decode_tx(sent[0]) == tx
    assert (tx.type, tx.chain_id, tx.expiry) == (NOTARY_TX_TYPE, CHAIN_ID, 41 + EXPIRY_HEIGHTS)
    assert AnchorArgs.from_args(tx.args) == AnchorArgs(DIGEST, title="deed", ref="R-9")
    records.verify_tx_signature(maker.suite, tx)


def test_anchor_refuses_a_node_that_answers_another_hash() -> None:
    maker = ChainMaker.make("intl")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/status":
            return httpx.Response(200, json={"chain_id": CHAIN_ID, "height": 1})
        return httpx.Response(202, json={"hash": "00" * 32})

    with pytest.raises(ApiError, match="bad_response"):
        _notary(handler).anchor(maker.keys[0], DIGEST)


def test_all_anchorings_follows_the_cursors_to_the_last_page() -> None:
    pages = {None: ([{"index": 0}, {"index": 1}], "2"), "2": ([{"index": 2}], None)}
    asked: list[tuple[str | None, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/notary/{DIGEST.hex()}"
        cursor = request.url.params.get("cursor")
        asked.append((cursor, request.url.params.get("limit")))
        items, following = pages[cursor]
        return httpx.Response(
            200, json={"digest": DIGEST.hex(), "anchorings": items, "next": following}
        )

    assert [a["index"] for a in _notary(handler).all_anchorings(DIGEST)] == [0, 1, 2]
    assert asked == [(None, None), ("2", None)]
    page = _notary(handler).lookup(DIGEST, cursor="2", limit=5)
    assert (page.anchorings, page.next) == (({"index": 2},), None)


def test_a_page_without_its_fields_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"digest": DIGEST.hex(), "next": 3})

    with pytest.raises(ApiError, match="bad_response"):
        _notary(handler).lookup(DIGEST)
