"""The storage node's HTTP blob API (docs/spec/assets.md, "Blobs and storage nodes"; F-A1).

Real signatures (RFC 9421, the SDK's signer), a fake chain source of proven
records, an in-memory blob store. Every refusal is a 4xx with a stable code
and stores nothing; the app keeps serving after each.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry
from starlette.exceptions import StarletteDeprecationWarning

from govchain.client.request_signing import RequestSigner
from govchain.crypto import SigningKey, suite_for
from govchain.ledger.records import address_of
from govchain.storage.blobs import BlobError
from govchain.storage_node.access import BlobGrant
from govchain.storage_node.app import BlobService, create_storage_app
from govchain.storage_node.holders import HolderIndex
from govchain.storage_node.metrics import StorageMetrics
from tests.unit.storage_node.fakes import ISSUER, OTHER_MEMBER, FakeChain, MemoryBlobs

with warnings.catch_warnings():  # as tests/unit/api/conftest.py: httpx, not httpx2, is pinned
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

SUITE = suite_for("gm")
BASE = "http://testserver"
MAX_BLOB = 4096
CONTENT_ID = bytes(range(16))


@dataclass
class Node:
    client: TestClient
    chain: FakeChain
    store: MemoryBlobs
    metrics: StorageMetrics
    holder: SigningKey
    staff: SigningKey
    stranger: SigningKey
    holders: HolderIndex

    def put(
        self, key: SigningKey | None, body: bytes, holder: SigningKey | None = None, **headers: str
    ) -> object:
        owner = holder or key or self.holder
        fields = {"Govchain-Holder": address(owner).hex(), **headers}
        if key is not None:
            fields.update(RequestSigner(key, suite=SUITE).headers("PUT", f"{BASE}/v1/blobs", body))
        return self.client.put("/v1/blobs", content=body, headers=fields)

    def get(self, key: SigningKey | None, blob: bytes, query: str | None = None) -> object:
        path = f"/v1/blobs/{blob.hex()}?{query or 'asset=' + CONTENT_ID.hex()}"
        headers = {} if key is None else RequestSigner(key, suite=SUITE).headers("GET", BASE + path)
        return self.client.get(path, headers=headers)


def address(key: SigningKey) -> bytes:
    return address_of(SUITE, key.public_key)


@pytest.fixture
def node(tmp_path) -> Iterator[Node]:  # type: ignore[no-untyped-def]
    chain = FakeChain(SUITE)
    chain.add_member(ISSUER)
    chain.add_member(OTHER_MEMBER)
    holder, staff, stranger = (SUITE.generate_key() for _ in range(3))
    chain.add_account(holder, "subject")
    chain.add_account(staff, "staff", ISSUER)
    chain.add_account(stranger, "subject")
    store = MemoryBlobs(SUITE)
    metrics = StorageMetrics(CollectorRegistry())
    holders = HolderIndex(tmp_path / "holders")
    service = BlobService("storage1", SUITE, store, chain, metrics, MAX_BLOB, holders)
    with TestClient(create_storage_app(service), raise_server_exceptions=False) as client:
        yield Node(client, chain, store, metrics, holder, staff, stranger, holders)


def _error(answer: object, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == code
    assert "Traceback" not in answer.text  # type: ignore[attr-defined]


def _still_serving(node: Node) -> None:
    assert node.client.get("/v1/health").json() == {"status": "ok", "name": "storage1"}
    answer = node.put(node.holder, b"after a refusal")
    assert answer.status_code == 200  # type: ignore[attr-defined]


def test_a_holder_stores_its_blob_and_gets_its_hash_and_size(node: Node) -> None:
    answer = node.put(node.holder, b"ciphertext")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    digest = SUITE.hash(b"ciphertext")
    assert answer.json() == {"hash": digest.hex(), "size": 10}  # type: ignore[attr-defined]
    assert node.store.blobs == {digest: b"ciphertext"}
    assert node.holders.holders(digest) == (address(node.holder),)
    assert node.metrics.blobs_stored._value.get() == 1
    assert node.metrics.bytes_stored._value.get() == 10


def test_a_department_account_stores_for_a_holder_with_the_expected_hash(node: Node) -> None:
    body = b"issued licence"
    answer = node.put(
        node.staff, body, holder=node.holder, **{"Govchain-Content-Hash": SUITE.hash(body).hex()}
    )
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert node.holders.holders(SUITE.hash(body)) == (address(node.holder),)


def test_a_subject_uploading_for_another_holder_is_refused(node: Node) -> None:
    _error(node.put(node.stranger, b"not mine", holder=node.holder), 403, "upload_not_allowed")
    assert node.store.blobs == {}
    _still_serving(node)


def test_an_oversize_blob_is_refused_by_its_length_and_while_it_streams(node: Node) -> None:
    big = b"x" * (MAX_BLOB + 1)
    _error(node.put(node.holder, big), 413, "blob_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused as it arrives
        for _ in range(MAX_BLOB // 512 + 2):
            yield b"y" * 512

    headers = {"Govchain-Holder": address(node.holder).hex()}
    _error(node.client.put("/v1/blobs", content=chunks(), headers=headers), 413, "blob_too_large")
    assert node.store.blobs == {}
    _still_serving(node)


def test_a_body_that_hashes_otherwise_than_announced_is_refused(node: Node) -> None:
    wrong = SUITE.hash(b"something else").hex()
    _error(node.put(node.holder, b"body", **{"Govchain-Content-Hash": wrong}), 400, "hash_mismatch")
    assert node.store.blobs == {}
    _still_serving(node)


def test_an_unsigned_put_and_a_put_with_a_bad_signature_are_refused(node: Node) -> None:
    _error(node.put(None, b"unsigned", holder=node.holder), 401, "signature_required")
    signed = RequestSigner(node.holder, suite=SUITE).headers("PUT", f"{BASE}/v1/blobs", b"signed")
    headers = {**signed, "Govchain-Holder": address(node.holder).hex()}
    answer = node.client.put("/v1/blobs", content=b"swapped", headers=headers)
    _error(answer, 401, "signature_invalid")
    other = SUITE.generate_key()  # signs as an account the chain does not know
    _error(node.put(other, b"who?", holder=node.holder), 401, "unknown_signer")
    assert node.store.blobs == {}
    _still_serving(node)


def test_a_replayed_signature_is_refused(node: Node) -> None:
    body = b"once"
    signed = RequestSigner(node.holder, suite=SUITE).headers("PUT", f"{BASE}/v1/blobs", body)
    headers = {**signed, "Govchain-Holder": address(node.holder).hex()}
    assert node.client.put("/v1/blobs", content=body, headers=headers).status_code == 200
    _error(node.client.put("/v1/blobs", content=body, headers=headers), 401, "signature_replayed")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [({}, 422, "invalid_request"), ({"Govchain-Holder": "zz"}, 400, "invalid_hex")],
)
def test_a_put_without_a_good_holder_header_is_refused(
    node: Node, headers: dict[str, str], status: int, code: str
) -> None:
    signed = RequestSigner(node.holder, suite=SUITE).headers("PUT", f"{BASE}/v1/blobs", b"b")
    _error(node.client.put("/v1/blobs", content=b"b", headers={**signed, **headers}), status, code)
    assert node.store.blobs == {}


def test_an_empty_blob_is_refused(node: Node) -> None:
    _error(node.put(node.holder, b""), 400, "empty_blob")


def _stored_asset(node: Node, body: bytes = b"licence ciphertext") -> bytes:
    digest = SUITE.hash(body)
    node.store.blobs[digest] = body
    grant = BlobGrant(f"asset {CONTENT_ID.hex()}", digest, address(node.holder), ISSUER)
    node.chain.grants[("asset", CONTENT_ID)] = grant
    return digest


def test_the_holder_and_the_issuers_staff_read_the_blob(node: Node) -> None:
    digest = _stored_asset(node)
    for reader in (node.holder, node.staff):
        answer = node.get(reader, digest)
        assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
        assert answer.content == b"licence ciphertext"  # type: ignore[attr-defined]
        assert answer.headers["govchain-content-hash"] == digest.hex()  # type: ignore[attr-defined]
    assert node.metrics.blobs_served._value.get() == 2


def test_a_stranger_and_another_members_account_may_not_read(node: Node) -> None:
    digest = _stored_asset(node)
    _error(node.get(node.stranger, digest), 403, "read_not_allowed")
    outsider = SUITE.generate_key()
    node.chain.add_account(outsider, "staff", OTHER_MEMBER)
    _error(node.get(outsider, digest), 403, "read_not_allowed")
    _error(node.get(None, digest), 401, "signature_required")
    _still_serving(node)


def test_a_blob_the_record_does_not_name_is_not_read_even_by_the_holder(node: Node) -> None:
    _stored_asset(node)
    other = node.store.put(b"another blob of the holder")
    _error(node.get(node.holder, other), 403, "read_not_allowed")


def test_an_unknown_hash_or_record_is_not_found(node: Node) -> None:
    digest = _stored_asset(node)
    del node.store.blobs[digest]
    _error(node.get(node.holder, digest), 404, "not_found")
    _error(node.get(node.holder, digest, f"asset={bytes(16).hex()}"), 404, "not_found")
    _still_serving(node)


def test_a_corrupt_blob_is_never_returned_and_is_counted(node: Node) -> None:
    digest = _stored_asset(node)
    node.store.blobs[digest] = b"licence ciphertexT"  # a flipped bit on disk
    answer = node.get(node.holder, digest)
    _error(answer, 500, "blob_corrupt")
    assert b"ciphertexT" not in answer.content  # type: ignore[attr-defined]
    assert node.metrics.corrupt_reads._value.get() == 1
    metrics = node.client.get("/metrics").text
    assert "govchain_storage_corrupt_reads_total 1.0" in metrics
    _still_serving(node)


def test_a_lockers_owner_reads_its_wrapped_key(node: Node) -> None:
    body = b"wrapped locker key"
    digest = node.store.put(body)
    owner = address(node.holder)
    node.chain.grants[("locker", owner)] = BlobGrant(f"locker {owner.hex()}", digest, owner)
    answer = node.get(node.holder, digest, f"locker={owner.hex()}")
    assert answer.content == body  # type: ignore[attr-defined]
    _error(node.get(node.staff, digest, f"locker={owner.hex()}"), 403, "read_not_allowed")


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/v1/blobs/{'ab' * 32}", 422, "invalid_request"),
        (f"/v1/blobs/{'ab' * 32}?asset={'00' * 16}&locker={'00' * 20}", 422, "invalid_request"),
        (f"/v1/blobs/{'ab' * 32}?asset=00", 400, "invalid_hex"),
        ("/v1/blobs/nothex?asset=00", 400, "invalid_hex"),
    ],
)
def test_a_read_that_names_no_record_or_a_bad_hash_is_refused(
    node: Node, path: str, status: int, code: str
) -> None:
    headers = RequestSigner(node.holder, suite=SUITE).headers("GET", BASE + path)
    _error(node.client.get(path, headers=headers), status, code)


def test_with_every_chain_node_down_the_answer_is_503_and_nothing_is_stored(node: Node) -> None:
    node.chain.down = True
    _error(node.put(node.holder, b"later"), 503, "chain_unavailable")
    assert node.store.blobs == {}
    node.chain.down = False
    _still_serving(node)


def test_health_answers_head_and_get_unsigned(node: Node) -> None:
    assert node.client.head("/v1/health").status_code == 200
    assert node.client.get("/v1/health").status_code == 200
    _error(node.client.get("/v1/nothing"), 404, "not_found")


class _FailingBlobs(MemoryBlobs):
    def put(self, data: bytes) -> bytes:
        raise BlobError(f"/srv/blobs/{self.suite.hash(data).hex()}: Input/output error")


def test_a_failing_store_is_a_503_that_names_no_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    chain = FakeChain(SUITE)
    key = SUITE.generate_key()
    chain.add_account(key, "subject")
    metrics = StorageMetrics(CollectorRegistry())
    service = BlobService("s", SUITE, _FailingBlobs(SUITE), chain, metrics, MAX_BLOB)
    with TestClient(create_storage_app(service), raise_server_exceptions=False) as client:
        body = b"blob"
        headers = RequestSigner(key, suite=SUITE).headers("PUT", f"{BASE}/v1/blobs", body)
        headers["Govchain-Holder"] = address(key).hex()
        answer = client.put("/v1/blobs", content=body, headers=headers)
    _error(answer, 503, "storage_error")
    assert "/srv" not in answer.text
