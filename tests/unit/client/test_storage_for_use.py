"""``StorageClient.get_for_use`` falls over like ``get``, and past a missing or foreign annotation.

Storage nodes answer through an httpx mock transport: one is down, one
refuses, one serves bytes without an annotation, one an annotation about
another read, one bytes of another hash; the last serves the read with its
annotation. Every skipped node is reported with its code.
"""

from __future__ import annotations

import httpx
import pytest

from govchain.client.annotations import ANNOTATION_HEADER, Annotation
from govchain.client.storage import BlobUnavailableError, StorageClient, StorageNode
from govchain.crypto import suite_for
from govchain.storage_node.annotations import AnnotationSigner

SUITE = suite_for("gm")
TRANSPORT = suite_for("intl")
BODY = b"licence ciphertext"
DIGEST = SUITE.hash(BODY)
USE_TX = bytes([9]) * 32


def _annotation(tx_hash: bytes = USE_TX) -> str:
    key = TRANSPORT.generate_key()
    signer = AnnotationSigner(
        "govchain-test", SUITE, "s6", key, TRANSPORT.public_key_to_spki(key.public_key)
    )
    note = Annotation(
        "govchain-test", bytes(20), "开户核验", 1, tx_hash, bytes(16), DIGEST, "s6", signer.spki
    )
    return signer.sign(note).to_header()


ANSWERS = {
    "s2": httpx.Response(403, json={"error": {"code": "use_stale", "message": "old"}}),
    "s3": httpx.Response(200, content=BODY),
    "s4": httpx.Response(200, content=BODY, headers={ANNOTATION_HEADER: _annotation(bytes(32))}),
    "s5": httpx.Response(200, content=b"other", headers={ANNOTATION_HEADER: _annotation()}),
    "s6": httpx.Response(200, content=BODY, headers={ANNOTATION_HEADER: _annotation()}),
}


def _client(seen: list[str]) -> StorageClient:
    def handle(request: httpx.Request) -> httpx.Response:
        name = request.url.host
        seen.append(f"{name} {request.url.query.decode()}")
        if name == "s1":
            raise httpx.ConnectError("refused", request=request)
        return ANSWERS[name]

    nodes = [StorageNode(f"s{i}", f"http://s{i}:1") for i in range(1, 7)]
    client = StorageClient(SUITE, SUITE.generate_key(), nodes)
    client._http = httpx.Client(transport=httpx.MockTransport(handle))
    return client


def test_the_first_node_serving_the_read_with_its_annotation_is_taken() -> None:
    seen: list[str] = []
    with _client(seen) as client:
        data, annotation = client.get_for_use(DIGEST, ["s1", "s2", "s3", "s4", "s5", "s6"], USE_TX)
        problems = [(p.node, p.code) for p in client.problems]
    assert data == BODY
    assert annotation.tx_hash == USE_TX
    assert annotation.node == "s6"
    assert seen[-1] == f"s6 use={USE_TX.hex()}"
    assert problems == [
        ("s1", "unreachable"),
        ("s2", "use_stale"),
        ("s3", "bad_annotation"),
        ("s4", "bad_annotation"),
        ("s5", "blob_corrupt"),
    ]


def test_no_node_serving_the_read_is_an_error_naming_each() -> None:
    with _client([]) as client, pytest.raises(BlobUnavailableError, match="s2: use_stale"):
        client.get_for_use(DIGEST, ["s1", "s2", "s3"], USE_TX)
