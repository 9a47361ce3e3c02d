"""Reads against usage records: ``GET /v1/blobs/{hash}?use=<tx>`` (docs/spec/grants.md; F-C2).

Real request signatures and a real transport key; a fake chain source holds
the proven usage records. The reader of a record (or the agent that sent it)
gets the bytes and a signed annotation; another reader, a record of another
blob, a stale record and a missing one are refused with their codes, serve
nothing and store nothing, and every refusal leaves the node serving.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from prometheus_client import CollectorRegistry
from starlette.exceptions import StarletteDeprecationWarning

from govchain.client.annotations import ANNOTATION_HEADER, Annotation, annotation_digest
from govchain.client.request_signing import RequestSigner
from govchain.contracts.grants import Usage
from govchain.crypto import SigningKey, suite_for
from govchain.ledger.records import address_of
from govchain.storage_node.access import USE_WINDOW, AccessRefusedError, check_use
from govchain.storage_node.annotations import AnnotationSigner
from govchain.storage_node.app import BlobService, create_storage_app
from govchain.storage_node.chain_source import ProvenUsage
from govchain.storage_node.metrics import StorageMetrics
from tests.unit.storage_node.fakes import FakeChain, MemoryBlobs

with warnings.catch_warnings():  # as tests/unit/api/conftest.py: httpx, not httpx2, is pinned
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

SUITE = suite_for("gm")
TRANSPORT = suite_for("intl")
BASE = "http://testserver"
BODY = b"licence ciphertext"
DIGEST = SUITE.hash(BODY)
TX = bytes([7]) * 32
HEIGHT = 40


def address(key: SigningKey) -> bytes:
    return address_of(SUITE, key.public_key)


@dataclass
class Gate:
    client: TestClient
    chain: FakeChain
    store: MemoryBlobs
    metrics: StorageMetrics
    signer: AnnotationSigner
    reader: SigningKey
    agent: SigningKey
    stranger: SigningKey

    def get(self, key: SigningKey, query: str, blob: bytes = DIGEST) -> object:
        path = f"/v1/blobs/{blob.hex()}?{query}"
        return self.client.get(
            path, headers=RequestSigner(key, suite=SUITE).headers("GET", BASE + path)
        )

    def record(self, *, height: int = HEIGHT, at: int = HEIGHT, blob: bytes = DIGEST) -> Usage:
        usage = Usage(
            TX, bytes(range(16)), 1, blob, address(self.reader), address(self.agent),
            bytes(20), "view", "开户核验", "grant", bytes(16), height, 1_700_000_000_000,
        )  # fmt: skip
        usage.validate()
        self.chain.usages[TX] = ProvenUsage(usage, at)
        return usage


@pytest.fixture
def gate() -> Iterator[Gate]:
    chain = FakeChain(SUITE)
    reader, agent, stranger, holder = (SUITE.generate_key() for _ in range(4))
    for key in (reader, agent, stranger, holder):
        chain.add_account(key, "subject")
    store = MemoryBlobs(SUITE)
    store.blobs[DIGEST] = BODY
    key = TRANSPORT.generate_key()
    signer = AnnotationSigner(
        "govchain-test", SUITE, "storage1", key, TRANSPORT.public_key_to_spki(key.public_key)
    )
    metrics = StorageMetrics(CollectorRegistry())
    service = BlobService("storage1", SUITE, store, chain, metrics, 4096, annotations=signer)
    with TestClient(create_storage_app(service), raise_server_exceptions=False) as client:
        yield Gate(client, chain, store, metrics, signer, reader, agent, stranger)


def _refused(gate: Gate, answer: object, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert BODY not in answer.content  # type: ignore[attr-defined]
    assert ANNOTATION_HEADER.lower() not in answer.headers  # type: ignore[attr-defined]
    assert gate.store.blobs == {DIGEST: BODY}
    assert gate.metrics.blobs_served._value.get() == 0
    assert gate.client.get("/v1/health").status_code == 200


def _annotation(answer: object) -> Annotation:
    return Annotation.from_header(answer.headers[ANNOTATION_HEADER])  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["reader", "agent"])
def test_the_reader_or_its_agent_gets_the_blob_and_a_signed_annotation_f_c2(
    gate: Gate, who: str
) -> None:
    usage = gate.record()
    answer = gate.get(getattr(gate, who), f"use={TX.hex()}")
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert answer.content == BODY  # type: ignore[attr-defined]
    note = _annotation(answer)
    assert (note.viewer, note.purpose, note.time, note.tx_hash, note.asset) == (
        usage.reader, usage.purpose, usage.time, TX, usage.asset,
    )  # fmt: skip
    assert (note.content_hash, note.node, note.key) == (DIGEST, "storage1", gate.signer.spki)
    digest = annotation_digest(SUITE, note)
    assert TRANSPORT.verify(gate.signer.key.public_key, digest, note.signature)


def test_each_read_asks_the_chain_again(gate: Gate) -> None:
    gate.record()
    for _ in range(2):
        answer = gate.get(gate.reader, f"use={TX.hex()}")
        assert answer.status_code == 200  # type: ignore[attr-defined]
    assert gate.chain.usage_reads == 2
    del gate.chain.usages[TX]  # the chain no longer proves it (a fork the node never saw)
    _refused_after_serving(gate, gate.get(gate.reader, f"use={TX.hex()}"), 404, "not_found")


def _refused_after_serving(gate: Gate, answer: object, status: int, code: str) -> None:
    assert answer.status_code == status  # type: ignore[attr-defined]
    assert answer.json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert ANNOTATION_HEADER.lower() not in answer.headers  # type: ignore[attr-defined]


def test_another_reader_is_refused(gate: Gate) -> None:
    gate.record()
    _refused(gate, gate.get(gate.stranger, f"use={TX.hex()}"), 403, "read_not_allowed")


def test_a_record_of_another_blob_is_refused(gate: Gate) -> None:
    gate.record(blob=SUITE.hash(b"another blob"))
    _refused(gate, gate.get(gate.reader, f"use={TX.hex()}"), 403, "read_not_allowed")


def test_a_record_older_than_the_window_is_stale(gate: Gate) -> None:
    gate.record(at=HEIGHT + USE_WINDOW)
    answer = gate.get(gate.reader, f"use={TX.hex()}")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    gate.metrics.blobs_served._value.set(0)
    gate.record(at=HEIGHT + USE_WINDOW + 1)
    _refused(gate, gate.get(gate.reader, f"use={TX.hex()}"), 403, "use_stale")


def test_no_record_is_not_found(gate: Gate) -> None:
    _refused(gate, gate.get(gate.reader, f"use={TX.hex()}"), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        (f"use={TX.hex()}&asset={bytes(16).hex()}", 422, "invalid_request"),
        ("use=abc", 400, "invalid_hex"),
        ("use=", 400, "invalid_hex"),
        ("", 422, "invalid_request"),
    ],
)
def test_a_malformed_query_is_refused_before_the_chain_is_asked(
    gate: Gate, query: str, status: int, code: str
) -> None:
    gate.record()
    _refused(gate, gate.get(gate.reader, query), status, code)
    assert gate.chain.usage_reads == 0


def test_an_unsigned_read_is_refused(gate: Gate) -> None:
    gate.record()
    answer = gate.client.get(f"/v1/blobs/{DIGEST.hex()}?use={TX.hex()}")
    _refused(gate, answer, 401, "signature_required")


def test_a_node_without_a_transport_key_serves_no_use_reads(gate: Gate) -> None:
    gate.record()
    service = BlobService(
        "storage1", SUITE, gate.store, gate.chain, StorageMetrics(CollectorRegistry()), 4096
    )
    with TestClient(create_storage_app(service), raise_server_exceptions=False) as client:
        path = f"/v1/blobs/{DIGEST.hex()}?use={TX.hex()}"
        headers = RequestSigner(gate.reader, suite=SUITE).headers("GET", BASE + path)
        answer = client.get(path, headers=headers)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "storage_error"
    assert BODY not in answer.content


def test_check_use_decides_by_signer_blob_and_height() -> None:
    reader, agent, other = bytes([1]) * 20, bytes([2]) * 20, bytes([3]) * 20
    usage = Usage(
        TX, bytes(16), 1, DIGEST, reader, agent, bytes(20), "use", "p", "code", bytes(16), 10, 5
    )
    for signer in (reader, agent):
        check_use(signer, DIGEST, usage, 10 + USE_WINDOW)
    cases = [
        (other, DIGEST, 10, "read_not_allowed"),
        (reader, bytes(32), 10, "read_not_allowed"),
        (reader, DIGEST, 11 + USE_WINDOW, "use_stale"),
    ]
    for signer, blob, height, code in cases:
        with pytest.raises(AccessRefusedError) as refused:
            check_use(signer, blob, usage, height)
        assert refused.value.code == code
    self_read = replace(usage, by=reader)
    with pytest.raises(AccessRefusedError):
        check_use(agent, DIGEST, self_read, 10)
