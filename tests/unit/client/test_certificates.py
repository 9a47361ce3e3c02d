"""The certificates SDK (F-B5): what it sends for a cert-sender tx and the expiring read."""

from __future__ import annotations

import json

import httpx

from govchain.client.certificates import CertificateClient, certificate_id
from govchain.client.sdk import NodeClient
from govchain.codec import decode
from govchain.ledger import records

from ...chain_support import ChainMaker


def test_f_b5_submit_as_names_the_certificate_and_signs_with_its_key() -> None:
    maker = ChainMaker.make("intl")
    holder = maker.keys[0]
    certificate = certificate_id("intl", b"0\x03\x02\x01\x00")
    assert certificate == maker.suite.hash(b"0\x03\x02\x01\x00")
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/status":
            return httpx.Response(200, json={"chain_id": maker.genesis.chain_id, "height": 7})
        sent.append(request.content)
        tx = records.decode_tx(request.content)
        return httpx.Response(202, json={"hash": records.tx_hash(maker.suite, tx).hex()})

    node = NodeClient("http://node.test", transport=httpx.MockTransport(handler))
    with node:
        tx, _ = CertificateClient(node).submit_as(
            holder, certificate, "notary.anchor", {"digest": b"\x01" * 32}
        )
    [raw] = sent
    assert decode(raw)["sender_kind"] == "cert"
    assert (tx.sender_kind, tx.sender, tx.expiry > 7) == ("cert", certificate, True)
    records.verify_tx_signature(maker.suite, tx, holder.public_key)


def test_f_b5_expiring_asks_for_the_window_and_page() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"time": 1, "within_days": 7, "certificates": [], "next": None}
        return httpx.Response(200, content=json.dumps(body))

    node = NodeClient("http://node.test", transport=httpx.MockTransport(handler))
    with node:
        page = CertificateClient(node).expiring(7, cursor="c4", limit=3)
    assert page["within_days"] == 7
    assert seen[0].url.path == "/v1/certificates/expiring"
    assert dict(seen[0].url.params) == {"within_days": "7", "cursor": "c4", "limit": "3"}
