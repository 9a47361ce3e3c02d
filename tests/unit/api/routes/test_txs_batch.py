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


_AWKWARD_MESSAGES = [
    "plain",
    'quotes " and backslashes \\ and a slash /',
    "control \x00\x01\x1f\x7f\n\r\t\b\f characters",
    "non-ASCII: 签名无效 é \u2028\u2029 \U0001f600",
]


def test_a_1000_tx_batch_answer_is_the_bytes_the_response_model_gives(
    make_client: MakeClient, chain: Chain, node: FakeNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch answer is written without pydantic (issue 21, item 4; F-A7, N-1): it must
    be the very bytes FastAPI wrote from ``TxBatchAccepted`` for admitted and refused txs."""
    from ..fake_node import MempoolRefusalError

    tx = chain.maker.tx(chain.maker.keys[1], key=b"mixed", value=b"v")
    good = records.encode_tx(tx)
    raws = [
        good if i % 3 == 0 else b"\x01not a tx" if i % 3 == 1 else f"refuse {i}".encode()
        for i in range(MAX_BATCH_TXS)
    ]
    submit = node.submit_txs

    async def scripted(batch: list[bytes]) -> list[object]:
        outcomes: list[object] = []
        for raw in batch:
            if raw.startswith(b"refuse "):
                index = int(raw.split()[1])
                message = _AWKWARD_MESSAGES[index % len(_AWKWARD_MESSAGES)]
                outcomes.append(MempoolRefusalError("mempool_full", f"{index}: {message}"))
            else:
                [outcome] = await submit([raw])
                outcomes.append(outcome)
        return outcomes

    monkeypatch.setattr(node, "submit_txs", scripted)
    client = make_client(max_body_bytes=1024 * 1024)
    answer = client.post("/v1/txs/batch", content=encode(raws), headers=CBOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    tx_hash = records.tx_hash(chain.maker.suite, tx).hex()
    expected = TxBatchAccepted.model_validate({
        "accepted": len(raws[::3]),
        "results": [
            {"hash": tx_hash} if i % 3 == 0
            else {"error": {"code": "malformed_tx", "message": _malformed_message(raws[1])}}
            if i % 3 == 1
            else {"error": {"code": "mempool_full",
                            "message": f"{i}: {_AWKWARD_MESSAGES[i % len(_AWKWARD_MESSAGES)]}"}}
            for i in range(MAX_BATCH_TXS)
        ],
    })  # fmt: skip
    assert answer.content == expected.model_dump_json().encode()
    assert TxBatchAccepted.model_validate(answer.json()) == expected
    assert int(answer.headers["content-length"]) == len(answer.content)


def _malformed_message(raw: bytes) -> str:
    try:
        records.decode_tx(raw)
    except Exception as exc:  # the fake node's own wording, whatever the error
        return f"not a signed tx: {exc}"
    raise AssertionError("the raw tx decoded")
